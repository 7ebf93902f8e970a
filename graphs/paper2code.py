"""The full pipeline: ingest -> planning -> (review) -> analysis -> coding -> finalize -> verify.

Planning, analysis and coding are the three stages of the paper's figure, each a subgraph.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from papercoder.graphs import analysis, coding, planning, verify

from papercoder.context import RunContext
from papercoder.finalize import finalize
from papercoder.nodes import ingest, route_after, stop_early
from papercoder.review import review
from papercoder.state import PaperCoderInput, PaperCoderOutput, PaperCoderState


def build_graph() -> StateGraph:
    """The uncompiled pipeline, so a host compiles it with its own checkpointer.

    Planning, analysis, coding and verify are subgraphs, the ones their modules compiled at import (without a
    checkpointer, so each uses the parent's): a graph built again per run reuses them instead of compiling them
    again. Where the run goes after review, analysis and finalize is decided by one router
    (:func:`papercoder.nodes.next_stage`).

    Example:
        >>> from papercoder import build_graph
        >>> app = build_graph().compile(checkpointer=my_saver)

    """
    g = StateGraph(PaperCoderState, input_schema=PaperCoderInput, output_schema=PaperCoderOutput,
                   context_schema=RunContext)
    g.add_node("ingest", ingest)
    g.add_node("planning", planning.graph)
    g.add_node("review", review)
    g.add_node("analysis", analysis.graph)
    g.add_node("coding", coding.graph)
    g.add_node("finalize", finalize)
    g.add_node("verify", verify.graph)
    g.add_node("stop_early", stop_early)
    g.add_edge(START, "ingest")
    g.add_edge("ingest", "planning")
    g.add_edge("planning", "review")
    g.add_conditional_edges("review", route_after("review"), ["planning", "analysis", "stop_early"])
    g.add_conditional_edges("analysis", route_after("analysis"), ["coding", "stop_early"])
    g.add_edge("coding", "finalize")
    g.add_conditional_edges("finalize", route_after("finalize"), ["verify", END])
    g.add_edge("verify", END)
    g.add_edge("stop_early", END)
    return g


graph = build_graph().compile(name="papercoder")
