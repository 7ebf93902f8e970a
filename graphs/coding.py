"""The coding subgraph: coders by topological generation, each generation's files in parallel, then the smoke run.

With verification on, each coder imports its file in the sandbox and fixes what that raises (once); after the last
generation the entry point's smoke run goes once to the coder of the file where it failed. Then the checklist's
coverage is traced; a file's missing items go back to its coder once.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from papercoder.agents.coder import coder

from papercoder.context import RunContext
from papercoder.nodes import (
    after_coverage,
    after_smoke,
    check_coverage,
    dispatch_coders,
    next_generation,
    smoke,
    start_coding,
)
from papercoder.state import FileTask, PaperCoderState


def build_coding() -> StateGraph:
    """Generation by generation, one coder per file (its ``Send`` carries its analysis and its dependencies' code)."""
    g = StateGraph(PaperCoderState, context_schema=RunContext)
    g.add_node("start_coding", start_coding)
    g.add_node("coder", coder, input_schema=FileTask)
    g.add_node("next_generation", next_generation)
    g.add_edge(START, "start_coding")
    g.add_node("smoke", smoke)
    g.add_conditional_edges("start_coding", dispatch_coders, {"coder": "coder", "done": "smoke"})
    g.add_edge("coder", "next_generation")
    g.add_conditional_edges("next_generation", dispatch_coders, {"coder": "coder", "done": "smoke"})
    g.add_conditional_edges("smoke", after_smoke, {"coder": "coder", "done": "coverage"})
    g.add_node("coverage", check_coverage)
    g.add_conditional_edges("coverage", after_coverage, {"coder": "coder", "done": END})
    return g


graph = build_coding().compile(name="coding")
