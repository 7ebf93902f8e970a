"""The evaluation graph: prepare -> (judge samples | rubric leaves, in parallel) -> report."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from papercoder.context import RunContext
from papercoder.eval.nodes import fan_out, grade_leaf_node, judge_sample_node, prepare, report
from papercoder.eval.state import EvalInput, EvalOutput, EvalState


def build_evaluation() -> StateGraph:
    """Judge a repository (1-5, N samples) and grade a PaperBench rubric's Code-Development leaves."""
    g = StateGraph(EvalState, context_schema=RunContext, input_schema=EvalInput, output_schema=EvalOutput)
    g.add_node("prepare", prepare)
    g.add_node("judge_sample", judge_sample_node)
    g.add_node("grade_leaf", grade_leaf_node)
    g.add_node("report", report)
    g.add_edge(START, "prepare")
    g.add_conditional_edges("prepare", fan_out, ["judge_sample", "grade_leaf", "report"])
    g.add_edge("judge_sample", "report")
    g.add_edge("grade_leaf", "report")
    g.add_edge("report", END)
    return g


graph = build_evaluation().compile(name="evaluation")
