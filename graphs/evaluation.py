"""The evaluation graph.

prepare -> (judge samples | grader on rubric leaves | checklist matcher on rubric leaves, in parallel) -> report.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from papercoder.agents.checklist_matcher import checklist_matcher
from papercoder.agents.grader import grader
from papercoder.agents.judge import judge

from papercoder.context import RunContext
from papercoder.eval.nodes import fan_out, prepare, report
from papercoder.eval.state import EvalInput, EvalOutput, EvalState


def build_evaluation() -> StateGraph:
    """Judge a repository (1-5, N samples) and grade a PaperBench rubric's Code-Development leaves."""
    g = StateGraph(EvalState, context_schema=RunContext, input_schema=EvalInput, output_schema=EvalOutput)
    g.add_node("prepare", prepare)
    g.add_node("judge", judge)
    g.add_node("grader", grader)
    g.add_node("checklist_matcher", checklist_matcher)
    g.add_node("report", report)
    g.add_edge(START, "prepare")
    g.add_conditional_edges("prepare", fan_out, ["judge", "grader", "checklist_matcher", "report"])
    g.add_edge("judge", "report")
    g.add_edge("grader", "report")
    g.add_edge("checklist_matcher", "report")
    g.add_edge("report", END)
    return g


graph = build_evaluation().compile(name="evaluation")
