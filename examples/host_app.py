"""A host agent app that embeds PaperCoder's compiled graph as one of its nodes.

The host picks a paper, hands it to the ``paper2code`` node (PaperCoder's graph, compiled, added as a
node), and writes a short report from what PaperCoder hands back. The host state shares PaperCoder's
input keys (``paper``, optional ``title``, ``out_dir``) and receives its output keys (``out_dir``,
``repo_dir``, ``files``, ``summary``); PaperCoder's run settings come from the run context
(:class:`papercoder.RunContext`), which the host passes on.

Run it::

    python examples/host_app.py examples/smoothmix.md --model local
"""

from __future__ import annotations

import argparse
from typing import Any, NotRequired

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from papercoder import RunContext, build_graph


class HostState(TypedDict):
    """The host's state: its own keys plus PaperCoder's input and output keys."""

    request: str
    paper: NotRequired[str]
    out_dir: NotRequired[str]
    repo_dir: NotRequired[str]
    files: NotRequired[list[str]]
    summary: NotRequired[dict[str, Any]]
    report: NotRequired[str]


def choose_paper(state: HostState) -> dict[str, Any]:
    """The host's own step: here the request is simply a path."""
    return {"paper": state["request"].strip()}


def write_report(state: HostState) -> dict[str, Any]:
    """The host's own step after PaperCoder: a line for its user."""
    s = state["summary"]
    return {"report": f"{s.get('title')}: {len(state['files'])} files in {state['repo_dir']} "
                      f"({s.get('python_files_compiling')}/{s.get('python_files')} Python files compile)"}


def build_host() -> StateGraph:
    """The host graph with PaperCoder as its ``paper2code`` node."""
    g = StateGraph(HostState, context_schema=RunContext)
    g.add_node("choose_paper", choose_paper)
    g.add_node("paper2code", build_graph().compile(name="papercoder"))
    g.add_node("write_report", write_report)
    g.add_edge(START, "choose_paper")
    g.add_edge("choose_paper", "paper2code")
    g.add_edge("paper2code", "write_report")
    g.add_edge("write_report", END)
    return g


def main() -> None:
    """Run the host app on one paper from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paper")
    parser.add_argument("--model", default="local")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    app = build_host().compile()
    result = app.invoke({"request": args.paper, **({"out_dir": args.out} if args.out else {})},
                        context=RunContext(model=args.model, base_url=args.base_url))
    print(result["report"])


if __name__ == "__main__":
    main()
