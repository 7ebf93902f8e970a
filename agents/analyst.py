"""Analyst: one per file, a detailed implementation spec that follows the design."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from papercoder.agents.conversation import context_of, fill, planning_messages, workspace_of

from papercoder import depgraph
from papercoder.context import RunContext
from papercoder.llm import AnswerError, ask
from papercoder.llm.answers import Reply
from papercoder.state import FileTask


def task_logic(task: FileTask, path: str) -> str:
    """The logic designer's description of ``path``."""
    for t in task["logic_design"]["tasks"]:
        if t["path"] == path:
            return t["logic"] or "(see the design above)"
    return "(see the design above)"


def parse_analysis(reply: Reply) -> str:
    """Accept a spec of real length."""
    text = reply.text.strip()
    if len(text) < 60:
        raise AnswerError("the spec is empty or too short; describe every class and function of the file")
    return text


def analyst(task: FileTask, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Write ``artifacts/analysis/<file>.md`` for one file."""
    ctx = context_of(runtime)
    ws = workspace_of(task)
    path = task["file"]
    deps = depgraph.dependencies_of(task["dag"], path)
    request = fill("analyst", file=path, logic=task_logic(task, path),
                   deps=", ".join(f"`{d}`" for d in deps) or "no other file of the repository")
    spec = ask(ctx=ctx, ws=ws, node="analyst", file=path, parse=parse_analysis,
               messages=[*planning_messages(task, ctx), HumanMessage(content=request)],
               max_tokens=ctx.max_tokens_analysis)
    ws.write_artifact(f"analysis/{path}.md", spec + "\n")
    return {"analyses": {path: spec}}
