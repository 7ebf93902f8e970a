"""The full pipeline: ingest -> planning -> review (optional) -> coding -> finalize -> verify and repair."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from papercoder.agents.conversation import context_of
from papercoder.graphs import coding, planning, verify

from papercoder.context import RunContext
from papercoder.finalize import finalize
from papercoder.nodes import after_coding, after_review, ingest, stop_early
from papercoder.review import review
from papercoder.state import PaperCoderInput, PaperCoderOutput, PaperCoderState


def build_graph() -> StateGraph:
    """The uncompiled pipeline, so a host compiles it with its own checkpointer.

    The subgraphs are the ones their modules compiled at import (without a checkpointer, so each uses the
    parent's): a graph built again per run reuses them instead of compiling them again.

    Example:
        >>> from papercoder import build_graph
        >>> app = build_graph().compile(checkpointer=my_saver)

    """
    g = StateGraph(PaperCoderState, input_schema=PaperCoderInput, output_schema=PaperCoderOutput,
                   context_schema=RunContext)
    g.add_node("ingest", ingest)
    g.add_node("planning", planning.graph)
    g.add_node("review", review)
    g.add_node("coding", coding.graph)
    g.add_node("finalize", finalize)
    g.add_node("stop_early", stop_early)
    g.add_edge(START, "ingest")
    g.add_edge("ingest", "planning")
    g.add_edge("planning", "review")
    g.add_conditional_edges("review", after_review, ["planning", "coding", "stop_early"])
    g.add_conditional_edges("coding", after_coding, ["finalize", "stop_early"])
    g.add_node("verify", verify.graph)
    g.add_conditional_edges("finalize", lambda state, runtime: "verify" if context_of(runtime).verify else END,
                            ["verify", END])
    g.add_edge("verify", END)
    g.add_edge("stop_early", END)
    return g


graph = build_graph().compile(name="papercoder")
