"""The verify-and-repair subgraph: verify -> (repair -> verify)* -> report."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from papercoder.context import RunContext
from papercoder.state import PaperCoderState
from papercoder.verify.nodes import after_verify, repair_node, report_node, verify_node


def build_verify() -> StateGraph:
    """Check the repository, let the debugger fix blocking findings (bounded rounds), report executability."""
    g = StateGraph(PaperCoderState, context_schema=RunContext)
    g.add_node("verify", verify_node)
    g.add_node("repair", repair_node)
    g.add_node("report", report_node)
    g.add_edge(START, "verify")
    g.add_conditional_edges("verify", after_verify, ["repair", "report"])
    g.add_edge("repair", "verify")
    g.add_edge("report", END)
    return g


graph = build_verify().compile(name="verify")
