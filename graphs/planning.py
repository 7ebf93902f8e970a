"""The planning subgraph.

(ingest) -> planner -> (checklist writer) -> architect -> logic designer -> config writer -> DAG -> interfaces.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from papercoder.agents.architect import architect
from papercoder.agents.checklist_writer import after_planner, checklist_writer
from papercoder.agents.config_writer import config_writer
from papercoder.agents.interface_designer import interface_designer
from papercoder.agents.logic_designer import logic_designer
from papercoder.agents.planner import planner

from papercoder.context import RunContext
from papercoder.nodes import build_dag, ingest
from papercoder.papertexts import has_paper
from papercoder.state import PaperCoderState


def build_planning() -> StateGraph:
    """The planning steps as one conversation, ending with the dependency graph."""
    g = StateGraph(PaperCoderState, context_schema=RunContext)
    g.add_node("planner", planner)
    g.add_node("architect", architect)
    g.add_node("logic_designer", logic_designer)
    g.add_node("config_writer", config_writer)
    g.add_node("build_dag", build_dag)
    g.add_node("ingest", ingest)
    # Inside the full graph the paper is already read; run on its own (Studio), it reads the paper first.
    g.add_conditional_edges(START, lambda state: "planner" if has_paper(state) else "ingest",
                            ["planner", "ingest"])
    g.add_edge("ingest", "planner")
    g.add_node("checklist_writer", checklist_writer)
    g.add_conditional_edges("planner", after_planner, ["checklist_writer", "architect"])
    g.add_edge("checklist_writer", "architect")
    g.add_edge("architect", "logic_designer")
    g.add_edge("logic_designer", "config_writer")
    g.add_edge("config_writer", "build_dag")
    g.add_node("interface_designer", interface_designer)
    g.add_edge("build_dag", "interface_designer")
    g.add_edge("interface_designer", END)
    return g


graph = build_planning().compile(name="planning")
