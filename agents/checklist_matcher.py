"""Checklist matcher (evaluation): which of the run's checklist items cover one rubric Code-Development leaf.

It measures the checklist's recall of what PaperBench asks. The grader model answers, at temperature 0; the
checklist comes first in every call and the leaf last, so consecutive leaves share the prompt up to the leaf (and
the response cache keeps each answer). An unusable answer counts the leaf as not covered, recorded as unmatched.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from papercoder.agents.conversation import fill, prompt
from pydantic import BaseModel, Field

from papercoder.context import RunContext
from papercoder.llm import AnswerError, UnusableAnswerError, ask
from papercoder.llm.answers import Reply
from papercoder.runtime import context_of, workspace_of


class LeafMatch(BaseModel):
    """The checklist items that cover a rubric leaf."""

    items: list[str] = Field(max_length=12)


def checklist_text(items: list[dict[str, Any]]) -> str:
    """The checklist as the matcher reads it: one line per item."""
    return "The paper's requirements checklist:\n" + "\n".join(
        f"- {i['id']} ({i['kind']}): {i['requirement']}" + (f" = {i['value']}" if i.get("value") else "")
        for i in items)


def match_leaf(leaf: dict[str, Any], items: list[dict[str, Any]], ctx: RunContext, ws: Any) -> dict[str, Any]:
    """``{"id", "items", "matched"}`` for one leaf (``matched`` false when no usable answer came)."""
    ids = {i["id"] for i in items}
    request = fill("checklist_matcher", requirement=" ".join(leaf["requirements"].split()))

    def parse(reply: Reply) -> list[str]:
        answer = reply.parsed
        if not isinstance(answer, LeafMatch):
            raise AnswerError("the answer is not the requested JSON object")
        unknown = [i for i in answer.items if i.strip().upper() not in ids]
        if unknown and not reply.last:
            raise AnswerError(f"the checklist has no {', '.join(unknown)}; name only its ids")
        return sorted({i.strip().upper() for i in answer.items} & ids, key=lambda i: int(i[1:]))

    messages = [SystemMessage(content=prompt("judge_system")),
                HumanMessage(content=f"{checklist_text(items)}\n\n---\n\n{request}")]
    try:
        found = ask(ctx=replace(ctx, temperature=0.0), ws=ws, node="checklist_matcher", file=leaf["id"],
                    schema=LeafMatch, parse=parse, max_tokens=120, messages=messages)
    except UnusableAnswerError:
        return {"id": leaf["id"], "items": [], "matched": False}
    return {"id": leaf["id"], "items": found, "matched": True}


def checklist_matcher(task: dict[str, Any], runtime: Runtime[RunContext]) -> dict[str, Any]:
    """One leaf matched against the checklist, kept in ``artifacts/matches/ID.json``."""
    ws = workspace_of(task)
    result = match_leaf(task["leaf"], task["checklist"], context_of(runtime), ws)
    ws.write_artifact(f"matches/{task['leaf']['id']}.json", result)
    return {"matches": {task["leaf"]["id"]: result}}
