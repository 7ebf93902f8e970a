"""The full pipeline: ingest -> planning -> coding -> finalize."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from papercoder.graphs.coding import build_coding
from papercoder.graphs.planning import build_planning

from papercoder.context import RunContext
from papercoder.finalize import finalize
from papercoder.nodes import ingest
from papercoder.state import PaperCoderInput, PaperCoderOutput, PaperCoderState


def build_graph() -> StateGraph:
    """The uncompiled pipeline, so a host compiles it with its own checkpointer.

    Example:
        >>> from papercoder import build_graph
        >>> app = build_graph().compile(checkpointer=my_saver)

    """
    g = StateGraph(PaperCoderState, input_schema=PaperCoderInput, output_schema=PaperCoderOutput,
                   context_schema=RunContext)
    g.add_node("ingest", ingest)
    g.add_node("planning", build_planning().compile(name="planning"))
    g.add_node("coding", build_coding().compile(name="coding"))
    g.add_node("finalize", finalize)
    g.add_edge(START, "ingest")
    g.add_edge("ingest", "planning")
    g.add_edge("planning", "coding")
    g.add_edge("coding", "finalize")
    g.add_edge("finalize", END)
    return g


graph = build_graph().compile(name="papercoder")
