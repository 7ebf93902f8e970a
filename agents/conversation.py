"""The shared conversation every agent continues.

The four planning steps form one conversation (system, paper + request 1, plan, request 2, ...). Analysts
and coders continue that same conversation, so every call shares an identical prefix (system text, then
the paper, then the plan and design) that provider prompt caches and llama.cpp's KV cache can reuse; the
per-file request comes last.

Only the planner reads the paper within the paper budget. It reads it as the paper's digest (method, set-up and
training, about a third of the size) followed by the rest of the paper; every later call has the digest alone,
then the plan written from the whole paper. The many analyst and coder calls each send far fewer tokens, and
all calls, the planner's included, share one prefix up to the end of the digest.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from string import Template
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from papercoder.context import RunContext
from papercoder.papertexts import paper_texts
from papercoder.state import PaperCoderState

_HERE = Path(__file__).parent
PLANNING_STEPS = ("planner", "architect", "logic_designer", "config_writer")


@functools.cache
def prompt(name: str) -> str:
    """The prompt text stored beside the agents as ``<name>.md``."""
    return (_HERE / f"{name}.md").read_text(encoding="utf-8")


def fill(name: str, **values: Any) -> str:
    """Fill a prompt's ``$placeholders``."""
    return Template(prompt(name)).substitute(**{k: str(v) for k, v in values.items()})


def render_architecture(arch: dict[str, Any]) -> str:
    """The architecture as the Markdown answer the architect was asked for."""
    files = "\n".join(f"- `{f['path']}`: {f.get('description', '')}".rstrip(": ") for f in arch["files"])
    def diagram(body: str) -> str:
        return f"```mermaid\n{body}\n```" if body.strip() else "(none: the architect gave no usable diagram)"

    return (f"## Implementation approach\n{arch['implementation_approach']}\n\n## File list\n{files}\n\n"
            f"## Data structures and interfaces\n{diagram(arch['class_diagram'])}\n\n"
            f"## Program call flow\n{diagram(arch['sequence_diagram'])}")


def render_logic(logic: dict[str, Any]) -> str:
    """The logic design as the JSON answer the designer was asked for (after clean-up)."""
    return json.dumps({"required_packages": logic["required_packages"],
                       "tasks": logic["tasks"],
                       "shared_knowledge": logic["shared_knowledge"]}, ensure_ascii=False)


def _paper_parts(state: PaperCoderState, full_paper: bool) -> dict[str, str]:
    """The planner template's paper, its intro, and what follows it (the rest of the paper, or a note).

    With a digest and the rest of the paper in the state, every call opens with the digest: the planner's call then
    has the rest of the paper, every later call a note in its place, so they all share the prefix up to the end of
    the digest. With a digest alone (a caller's state), the planner reads the paper and later calls the digest.
    Without a digest (or a paper within the digest budget), every call reads the paper.
    """
    texts = paper_texts(state)
    paper, digest, rest = (texts[k].strip() for k in ("paper_md", "paper_digest", "paper_rest"))
    if not digest or digest == paper or (full_paper and not rest):
        return {"intro": prompt("paper_full").strip(), "paper": paper, "rest": ""}
    after = fill("paper_rest", rest=rest) if full_paper else prompt("paper_rest_omitted")
    return {"intro": prompt("paper_digest").strip(), "paper": digest, "rest": "\n" + after.strip() + "\n"}


def _request(step: str, state: PaperCoderState, ctx: RunContext, full_paper: bool = True) -> str:
    if step == "planner":
        request = fill("planner", **_paper_parts(state, full_paper))
        if state.get("review_feedback"):
            request += "\n\n" + fill("review_feedback", feedback=state["review_feedback"])
        return request
    if step == "architect":
        return fill("architect", max_files=ctx.effective_max_files())
    if step == "logic_designer":
        files = ", ".join(f["path"] for f in state["architecture"]["files"])
        return fill("logic_designer", files=files, checklist=checklist_request(state.get("checklist")))
    return fill("config_writer", hyperparameters=hyperparameter_request(state.get("checklist")))


def checklist_request(data: dict[str, Any] | None) -> str:
    """The logic designer's part about the checklist: assign each item to files ("" without a checklist)."""
    items = (data or {}).get("items") or []
    if not items:
        return ""
    listed = "\n".join(f"  - {i['id']} ({i['kind']}): {i['requirement']}" for i in items)
    return ('\n  Each entry also has "items": the ids of the requirements below that the file implements. Every '
            f"requirement belongs to at least one file.\n  The requirements:\n{listed}")


def hyperparameter_request(data: dict[str, Any] | None) -> str:
    """The config writer's part about the checklist's hyperparameters ("" without any)."""
    items = [i for i in (data or {}).get("items") or [] if i["kind"] == "hyperparameter"]
    if not items:
        return ""
    listed = "\n".join(f"  - {i['id']}: {i['requirement']} = {i['value']}" for i in items)
    return ("- Each of the paper's hyperparameters below gets a key with exactly this value and its id as the "
            f"comment on its line (`lr: 0.05  # R3`):\n{listed}\n")


def _answer(step: str, state: PaperCoderState) -> str:
    if step == "planner":
        return state["plan"]
    if step == "architect":
        return render_architecture(state["architecture"])
    if step == "logic_designer":
        return render_logic(state["logic_design"])
    return f"```yaml\n{state['config_yaml'].strip()}\n```"


def planning_messages(state: PaperCoderState, ctx: RunContext, upto: str | None = None) -> list[BaseMessage]:
    """The conversation up to the request of planning step ``upto`` (all four answers when None).

    The planner's own call has the paper, as the digest then the rest; every other call has the digest alone (when
    the state has one and it differs from the paper; a graph started from ``paper_md`` alone has none). Without a
    digest, every call starts with the planner's own messages.
    """
    messages: list[BaseMessage] = [SystemMessage(content=prompt("system"))]
    for step in PLANNING_STEPS:
        messages.append(HumanMessage(content=_request(step, state, ctx, full_paper=upto == "planner")))
        if step == upto:
            return messages
        messages.append(AIMessage(content=_answer(step, state)))
    return messages
