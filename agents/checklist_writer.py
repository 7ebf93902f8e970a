"""Checklist writer: the paper's requirements as items traced from planning to code (``artifacts/checklist.json``).

It runs right after the planner and continues the planner's own conversation (the whole paper as the planner
read it, then the plan), so every call's prompt comes from the model's cache except the short request. The items
are asked for in :data:`GROUPS` of kinds, one bounded, schema-validated call each, so a small model's answer
stays short and each kind gets its share. Sections the planner's budget left out (a small model's window holds a
third of a paper) are read in a few more calls of their own (:func:`papercoder.checklist.unread_parts`), method
and set-up first. Quotes are checked against the whole paper as read
(:func:`papercoder.checklist.verified`): an item the paper does not state is dropped and counted.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from papercoder.agents.conversation import fill, planning_messages, prompt

from papercoder import checklist
from papercoder.checklist import ChecklistAnswer
from papercoder.context import RunContext
from papercoder.llm import AnswerError, UnusableAnswerError, ask
from papercoder.llm.answers import Reply
from papercoder.papertexts import paper_texts
from papercoder.problems import Problem, record_problem, state_update
from papercoder.runtime import context_of, workspace_of
from papercoder.state import PaperCoderState

GROUPS: tuple[dict[str, str], ...] = (
    {"component": "a module, model part or class of the method",
     "loss": "a loss or training objective (with its terms)",
     "algorithm": "a step of the method's algorithm or procedure"},
    {"hyperparameter": "a number or setting with the value the paper gives (sizes, rates, steps, ...)",
     "data": "a dataset, split or preprocessing step"},
    {"experiment": "an experiment or comparison the paper runs",
     "metric": "a metric and how it is computed",
     "result": "a table or figure whose numbers the code should reproduce"},
)
"""The kinds asked for together, one call per group, with what each means."""

MAX_ITEMS = 12
"""Items asked for per call on the planner's conversation."""

MAX_PART_ITEMS = 8
"""Items asked for per call on a part of the paper the planner did not read."""


def _request(k: int) -> str:
    group = GROUPS[k]
    kinds = "\n".join(f"- `{kind}`: {meaning}" for kind, meaning in group.items())
    return fill("checklist_writer", part=k + 1, parts=len(GROUPS), kinds=kinds, max_items=MAX_ITEMS)


def _part_request(text: str) -> str:
    kinds = "\n".join(f"- `{kind}`: {meaning}" for group in GROUPS for kind, meaning in group.items())
    return fill("checklist_part", text=text.strip(), kinds=kinds, max_items=MAX_PART_ITEMS)


def _parser(paper: str, dropped: list[dict[str, Any]]):  # noqa: ANN202
    def parse(reply: Reply) -> list[dict[str, Any]]:
        answer = reply.parsed
        if not isinstance(answer, ChecklistAnswer):
            raise AnswerError("the answer is not the requested JSON object")
        kept, lost = checklist.verified(answer.items, paper)
        if answer.items and not kept and not reply.last:
            raise AnswerError("none of the quotes is in the paper: copy each quote word for word from the paper")
        dropped.extend(lost)
        return kept

    return parse


def checklist_writer(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Extract, verify and number the paper's requirements; save ``checklist.json`` and ``checklist.md``."""
    ctx = context_of(runtime)
    ws = workspace_of(state)
    texts = paper_texts(state)
    paper = texts["paper_full"] or texts["paper_md"]
    base = [*planning_messages(state, ctx, "planner"), AIMessage(content=state["plan"])]
    calls = [([*base, HumanMessage(content=_request(k))], ", ".join(GROUPS[k])) for k in range(len(GROUPS))]
    most, budget = ctx.effective_checklist_parts()
    parts = checklist.unread_parts(texts["paper_full"], texts["paper_md"], budget, most) if texts["paper_full"] else []
    calls += [([SystemMessage(content=prompt("system")), HumanMessage(content=_part_request(text))],
               f"part {n + 1} of the sections the planner did not read") for n, text in enumerate(parts)]
    items: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for messages, what in calls:
        try:
            items += ask(ctx=ctx, ws=ws, node="checklist_writer", schema=ChecklistAnswer, salvage=checklist.salvage,
                         parse=_parser(paper, dropped), messages=messages, max_tokens=ctx.max_tokens("design"))
        except UnusableAnswerError as exc:  # no usable answer: the run goes on; an endpoint failure stops it
            record_problem(ws, Problem(stage="checklist_writer", kind="no_checklist", message=str(exc),
                                       action=f"the checklist has no items from {what}"))
    data = {"items": checklist.numbered(checklist.deduplicated(items)), "dropped": dropped,
            "unread_parts": len(parts)}
    ws.write_artifact("checklist.json", data)
    ws.write_artifact("checklist.md", checklist.render(data))
    return {"checklist": data, **state_update(ws)}


def after_planner(state: PaperCoderState, runtime: Runtime[RunContext]) -> str:
    """The checklist writer next, unless the run has the checklist off."""
    return "checklist_writer" if context_of(runtime).checklist else "architect"
