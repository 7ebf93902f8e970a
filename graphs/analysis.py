"""The analysis subgraph: one analyst per file, all in parallel, each writing its file's implementation spec."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from papercoder.agents.analyst import analyst

from papercoder.context import RunContext
from papercoder.nodes import dispatch_analysts
from papercoder.state import FileTask, PaperCoderState


def build_analysis() -> StateGraph:
    """Fan out one analyst per planned file (its ``Send`` carries the file and the shared prefix inputs)."""
    g = StateGraph(PaperCoderState, context_schema=RunContext)
    g.add_node("analyst", analyst, input_schema=FileTask)
    g.add_conditional_edges(START, dispatch_analysts, ["analyst"])
    g.add_edge("analyst", END)
    return g


graph = build_analysis().compile(name="analysis")
