"""The verify-and-repair subgraph: verify -> (debugger -> verify)* -> report."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from papercoder.agents.debugger import debugger

from papercoder.context import RunContext
from papercoder.state import PaperCoderState
from papercoder.verify.nodes import after_verify, report_node, verify_node


def build_verify() -> StateGraph:
    """Check the repository, let the debugger fix blocking findings (bounded rounds), report executability."""
    g = StateGraph(PaperCoderState, context_schema=RunContext)
    g.add_node("verify", verify_node)
    g.add_node("debugger", debugger)
    g.add_node("report", report_node)
    g.add_edge(START, "verify")
    g.add_conditional_edges("verify", after_verify, {"repair": "debugger", "report": "report"})
    g.add_edge("debugger", "verify")
    g.add_edge("report", END)
    return g


graph = build_verify().compile(name="verify")
