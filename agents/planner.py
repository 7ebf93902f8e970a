"""Planner: the overall plan (method, datasets, settings, metrics, ambiguities) as Markdown."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime
from papercoder.agents.conversation import planning_messages

from papercoder.context import RunContext
from papercoder.llm import AnswerError, ask
from papercoder.llm.answers import Reply
from papercoder.problems import state_update
from papercoder.runtime import context_of, workspace_of
from papercoder.state import PaperCoderState
from papercoder.textblocks import drop_repeats, fenced_blocks


def parse_plan(reply: Reply) -> str:
    """Accept a Markdown plan of real length (unwrapping a whole-answer fence)."""
    text = drop_repeats(reply.text)[0]
    blocks = fenced_blocks(text)
    if len(blocks) == 1 and blocks[0][0] in ("markdown", "md") and text.startswith("```"):
        text = blocks[0][1].strip()
    if len(text) < 200:
        raise AnswerError("the plan is empty or too short; write the whole plan with its five sections")
    return text


def planner(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Write the overall plan and save it to ``artifacts/plan.md``."""
    ctx = context_of(runtime)
    ws = workspace_of(state)
    plan = ask(ctx=ctx, ws=ws, node="planner", messages=planning_messages(state, ctx, "planner"),
               parse=parse_plan, max_tokens=ctx.max_tokens("plan"))
    ws.write_artifact("plan.md", plan + "\n")
    return {"plan": plan, **state_update(ws)}
