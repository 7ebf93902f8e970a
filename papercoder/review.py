"""The human review gate: after planning, the run pauses (a LangGraph ``interrupt``) until a person answers.

The interrupt shows the plan, the file list with dependencies and generations, and config.yaml. It is
answered with ``Command(resume=...)`` — by the CLI's prompt, by ``papercoder review DIR``, by LangGraph
Studio or by a host app — with one of:

- ``{"action": "approve"}``: code the plan as it is;
- ``{"action": "edit", "files": [{"path", "logic", "depends_on"}], "config_yaml": "...", "plan": "..."}``
  (each key optional): the edited plan is validated, the dependency graph rebuilt, and coding follows it;
- ``{"action": "reject", "feedback": "..."}``: planning runs again with the feedback in the planner's request.
"""

from __future__ import annotations

from typing import Any, Literal

import yaml
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from papercoder import checklist, interfaces
from papercoder.checklist import Kind
from papercoder.context import RunContext
from papercoder.nodes import build_dag
from papercoder.runtime import context_of, workspace_of
from papercoder.schemas import FileLogic
from papercoder.state import PaperCoderState
from papercoder.workspace import UnsafePathError, WorkspaceError, confine, normalize_rel


class ChecklistEdit(BaseModel):
    """One checklist item as a reviewer keeps, changes or adds it (fields left out keep their values)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    id: str = Field(default="", description="The item's id; empty for a new item.")
    kind: Kind
    requirement: str = Field(min_length=3, max_length=300)
    value: str = ""
    quote: str = ""

    @field_validator("id", "value", "quote", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return "" if v is None else v
    files: list[str] = Field(default_factory=list, description="Files that implement it (empty: by the rule).")


class ReviewAnswer(BaseModel):
    """A reviewer's answer to the plan."""

    action: Literal["approve", "edit", "reject"]
    files: list[FileLogic] | None = Field(default=None, description="The edited file list (edit).")
    config_yaml: str | None = Field(default=None, description="The edited config.yaml (edit).")
    plan: str | None = Field(default=None, description="The edited plan (edit).")
    checklist: list[ChecklistEdit] | None = Field(
        default=None, description="The edited checklist (edit): items kept (by id), changed, added (no id); "
        "an item left out is dropped.")
    feedback: str = Field(default="", description="What the planners must change (reject).")


class ReviewError(ValueError):
    """A review answer that cannot be applied; the message says why."""


def review_request(state: PaperCoderState) -> dict[str, Any]:
    """What the reviewer is shown."""
    design = state["logic_design"]
    return {
        "kind": "plan_review",
        "out_dir": state.get("out_dir"),
        "plan": state["plan"],
        "files": [{"path": t["path"], "logic": t["logic"], "depends_on": t["depends_on"]} for t in design["tasks"]],
        "entry_point": state["architecture"]["entry_point"],
        "generations": state["dag"]["generations"],
        "config_yaml": state["config_yaml"],
        "checklist": [{k: i.get(k, "") for k in ("id", "kind", "requirement", "value", "quote", "files")}
                      for i in (state.get("checklist") or {}).get("items", [])],
        "interfaces": {f["path"]: interfaces.render(f) for f in (state.get("interfaces") or {}).get("files", [])
                       if interfaces.render(f)},
        "answer_with": {"approve": {"action": "approve"},
                        "edit": {"action": "edit", "files": "[{path, logic, depends_on}]", "config_yaml": "...",
                                 "plan": "..."},
                        "reject": {"action": "reject", "feedback": "what to change"}},
    }


def review(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Pause for review when the run asks for it (``RunContext.review``); apply the answer."""
    if not context_of(runtime).review:
        return {"review": {"action": "skipped"}}
    ws = workspace_of(state)
    ws.update_run(status="awaiting_review")
    raw = interrupt(review_request(state))
    try:
        answer = ReviewAnswer.model_validate(raw if isinstance(raw, dict) else {"action": str(raw)})
    except ValidationError as exc:
        raise ReviewError(f"review answer not understood: {exc.errors()[0]['msg']}; "
                          "expected {'action': 'approve' | 'edit' | 'reject', ...}") from exc
    record = {"action": answer.action, "round": len(state.get("reviews", [])) + 1}
    ws.update_run(status="running")
    if answer.action == "reject":
        if not answer.feedback.strip():
            raise ReviewError("a rejection needs feedback for the planners")
        record["feedback"] = answer.feedback
        ws.write_artifact(f"review-{record['round']}.json", record)
        return {"review": record, "reviews": [record], "review_feedback": answer.feedback.strip()}
    update: dict[str, Any] = {"review": record, "reviews": [record]}
    if answer.action == "edit":
        update.update(apply_edit(state, answer))
        record["edited"] = sorted(k for k in ("files", "config_yaml", "plan", "checklist")
                                  if getattr(answer, k) is not None)
    ws.write_artifact(f"review-{record['round']}.json", record)
    return update


def apply_edit(state: PaperCoderState, answer: ReviewAnswer) -> dict[str, Any]:
    """The state update of an edited plan: new plan, config or file list (and its dependency graph)."""
    ws = workspace_of(state)
    update: dict[str, Any] = {}
    if answer.plan is not None:
        update["plan"] = answer.plan
        ws.write_artifact("plan.md", answer.plan)
    if answer.config_yaml is not None:
        try:
            parsed = yaml.safe_load(answer.config_yaml)
        except yaml.YAMLError as exc:
            raise ReviewError(f"the edited config.yaml does not parse: {exc}") from exc
        if not isinstance(parsed, dict):
            raise ReviewError("the edited config.yaml must be a mapping of settings")
        update["config_yaml"] = answer.config_yaml
        ws.write_repo_file("config.yaml", answer.config_yaml)
    if answer.files is not None:
        update.update(_edit_files(state, answer.files))
    if answer.checklist is not None or (answer.files is not None and (state.get("checklist") or {}).get("items")):
        update["checklist"] = _edit_checklist({**state, **update}, answer.checklist)
    return update


def _edit_checklist(state: PaperCoderState, edits: list[ChecklistEdit] | None) -> dict[str, Any]:
    """The checklist as edited: kept by id, changed, added with new ids, dropped when left out.

    Each item is assigned to files of the plan: its own, else by the rule.
    """
    old = {i["id"]: i for i in (state.get("checklist") or {}).get("items", [])}
    rows = [dict(i) for i in old.values()] if edits is None else []
    last = max((int(k[1:]) for k in old if k[1:].isdigit()), default=0)
    for e in edits or []:
        ref = e.id.strip().upper()
        if ref and ref not in old:
            raise ReviewError(f"edited checklist: no item {ref} (leave the id empty for a new item)")
        if not ref:
            last += 1
        base = old.get(ref, {"source": "reviewer", "quote": "", "value": "", "files": []})
        rows.append({**base, **e.model_dump(exclude_unset=True), "id": ref or f"R{last}"})
    nodes = set(state["dag"]["nodes"])
    for r in rows:
        r["files"] = [f for f in r.get("files", []) if f in nodes]
    tasks = [{"path": t["path"], "logic": t.get("logic", ""),
              "items": [r["id"] for r in rows if t["path"] in r["files"]]} for t in state["logic_design"]["tasks"]]
    items, _placed = checklist.assign(rows, tasks, state["architecture"]["entry_point"])
    data = {**(state.get("checklist") or {}), "items": items}
    ws = workspace_of(state)
    ws.write_artifact("checklist.json", data)
    ws.write_artifact("checklist.md", checklist.render(data))
    return data


def _edit_files(state: PaperCoderState, files: list[FileLogic]) -> dict[str, Any]:
    tasks = []
    repo = workspace_of(state).repo
    for f in files:
        path = normalize_rel(f.path)
        try:
            confine(repo, path)
        except (WorkspaceError, UnsafePathError) as exc:
            raise ReviewError(f"edited file list: {exc}") from exc
        tasks.append({"path": path, "logic": f.logic, "depends_on": [d.strip() for d in f.depends_on]})
    if not tasks:
        raise ReviewError("the edited file list is empty")
    paths = [t["path"] for t in tasks]
    if len(set(paths)) != len(paths):
        raise ReviewError("the edited file list names a file twice")
    arch = dict(state["architecture"])
    known = {f["path"]: f for f in arch["files"]}
    arch["files"] = [known.get(t["path"], {"path": t["path"], "description": t["logic"][:200]}) for t in tasks]
    if arch["entry_point"] not in paths:
        raise ReviewError(f"the edited file list drops the entry point {arch['entry_point']}")
    design = {**state["logic_design"], "tasks": tasks, "task_list": paths}
    ws = workspace_of(state)
    ws.write_artifact("architecture.json", arch)
    ws.write_artifact("logic_design.json", design)
    dag = build_dag({**state, "architecture": arch, "logic_design": design})
    table = interfaces.from_design(arch.get("class_diagram", ""), design, arch)
    kept = {f["path"]: {k: v for k, v in f.items() if k != "imports_from"}
            for f in (state.get("interfaces") or {}).get("files", [])}
    table = {p: kept.get(p, rows) for p, rows in table.items()}  # the table's rows of the files that stay
    data = interfaces.with_imports(table, dag["dag"])
    ws.write_artifact("interfaces.json", data)
    return {"architecture": arch, "logic_design": design, "interfaces": data, **dag}


class _Block(str):
    """A string dumped as a YAML literal block (``|``), so edited text keeps its lines."""


class _ReviewDumper(yaml.SafeDumper):
    """SafeDumper that writes :class:`_Block` strings as literal blocks."""


_ReviewDumper.add_representer(_Block, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", str(s), style="|"))


def review_yaml(request: dict[str, Any]) -> str:
    """The editable part of a review request (files, config.yaml, plan) as YAML for a person to edit."""
    doc = {"files": request["files"], "config_yaml": _Block(request["config_yaml"].rstrip() + "\n"),
           "plan": _Block(request["plan"].rstrip() + "\n")}
    if request.get("checklist"):
        doc["checklist"] = request["checklist"]
    return yaml.dump(doc, Dumper=_ReviewDumper, sort_keys=False, allow_unicode=True, width=110)
