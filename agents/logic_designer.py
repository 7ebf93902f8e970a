"""Logic designer: packages, per-file logic, ordered task list, dependencies, shared knowledge."""

from __future__ import annotations

import re
import sys
from typing import Any

from langgraph.runtime import Runtime
from papercoder.agents.conversation import planning_messages

from papercoder import checklist, depgraph
from papercoder.context import RunContext
from papercoder.llm import AnswerError, ask
from papercoder.llm.answers import Reply
from papercoder.problems import Problem, record_problem, state_update
from papercoder.runtime import context_of, workspace_of
from papercoder.schemas import FileLogic, LogicDesign, LogicDesignAnswer, logic_design_answer
from papercoder.state import PaperCoderState
from papercoder.workspace import Workspace, normalize_rel

_STDLIB = set(sys.stdlib_module_names)


def clean_packages(packages: list[str]) -> tuple[list[str], list[str]]:
    """Deduplicate packages by distribution name and drop standard-library modules.

    Returns:
        The cleaned list and the repairs made.

    """
    out: list[str] = []
    seen: set[str] = set()
    repairs: list[str] = []
    for raw in packages:
        spec = raw.strip().strip("'\"`")
        name = re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].strip().lower().replace("_", "-")
        if not name:
            continue
        if name in _STDLIB or name.replace("-", "_") in _STDLIB:
            repairs.append(f"dropped standard-library module {spec!r} from packages")
            continue
        if name in seen:
            repairs.append(f"dropped repeated package {spec!r}")
            continue
        seen.add(name)
        out.append(spec)
    return out, repairs


def coverage_problems(files: list[str], answer: LogicDesignAnswer) -> list[str]:
    """Where the task list and the architect's file list disagree."""
    listed = set(files)
    paths = [normalize_rel(t.path) for t in answer.tasks]
    problems = [f"the tasks miss {f}" for f in files if f not in paths]
    problems += [f"{p} is not in the file list" for p in dict.fromkeys(paths) if p not in listed]
    problems += [f"{p} appears more than once in the tasks" for p in dict.fromkeys(paths) if paths.count(p) > 1]
    return problems


def repair(files: list[str], descriptions: dict[str, str], answer: LogicDesignAnswer) -> LogicDesign:
    """Deterministic clean-up: one task per listed file in the designer's order, packages deduplicated."""
    repairs: list[str] = []
    tasks: list[FileLogic] = []
    seen: set[str] = set()
    for t in answer.tasks:
        path = normalize_rel(t.path)
        if path not in files:
            repairs.append(f"dropped task for {t.path}, which is not in the file list")
            continue
        if path in seen:
            repairs.append(f"dropped repeated task for {path}")
            continue
        seen.add(path)
        tasks.append(FileLogic(path=path, logic=t.logic, depends_on=[normalize_rel(d) for d in t.depends_on],
                               items=[i.strip().upper() for i in t.items]))
    for f in files:
        if f not in seen:
            repairs.append(f"added missing task for {f} from the architecture")
            tasks.append(FileLogic(path=f, logic=descriptions.get(f, "")[:700], depends_on=[]))
    packages, pkg_repairs = clean_packages(answer.required_packages)
    return LogicDesign(required_packages=packages, tasks=tasks, task_list=[t.path for t in tasks],
                       shared_knowledge=answer.shared_knowledge, repairs=repairs + pkg_repairs)


def logic_designer(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Write the logic design; a first answer with coverage or dependency problems is re-asked once."""
    ctx = context_of(runtime)
    ws = workspace_of(state)
    files = [f["path"] for f in state["architecture"]["files"]]
    descriptions = {f["path"]: f.get("description", "") for f in state["architecture"]["files"]}
    named: list[str] = []
    entry_point = state["architecture"]["entry_point"]
    items = (state.get("checklist") or {}).get("items") or []

    def parse(reply: Reply) -> LogicDesignAnswer:
        answer = reply.parsed
        if not isinstance(answer, LogicDesignAnswer):
            raise AnswerError("the answer is not the requested JSON object")
        if not named and not reply.last:
            deps = {normalize_rel(t.path): [normalize_rel(d) for d in t.depends_on] for t in answer.tasks}
            found = coverage_problems(files, answer) + depgraph.problems(
                [normalize_rel(t.path) for t in answer.tasks], deps, entry_point=entry_point)
            if lost := checklist.unassigned(items, answer.tasks):
                found.append(f"these requirements belong to no file: {', '.join(lost)}; add each id to the "
                             f'"items" of the file that implements it')
            if found:
                named.extend(found)
                raise AnswerError("; ".join(found[:12]))
        return answer

    answer = ask(ctx=ctx, ws=ws, node="logic_designer", messages=planning_messages(state, ctx, "logic_designer"),
                 parse=parse, schema=logic_design_answer(ctx.effective_max_files()),
                 max_tokens=ctx.max_tokens("design"))
    design = repair(files, descriptions, answer)
    data = design.model_dump()
    ws.write_artifact("logic_design.json", data)
    update: dict[str, Any] = {"logic_design": data, "logic_reasks": named}
    if items:
        update["checklist"] = assigned_checklist(state["checklist"], data, entry_point, ws)
    return {**update, **state_update(ws)}


def assigned_checklist(data: dict[str, Any], design: dict[str, Any], entry_point: str, ws: Workspace) -> dict[
        str, Any]:
    """The checklist with each item's files, from the tasks' ``items`` and the rule for the rest (recorded)."""
    items, placed = checklist.assign(data["items"], design["tasks"], entry_point)
    for sentence in placed:
        record_problem(ws, Problem(stage="logic_designer", kind="checklist_unassigned", message=sentence,
                                   action="assigned by the rule: the file sharing most words, else the entry point"))
    out = {**data, "items": items}
    ws.write_artifact("checklist.json", out)
    ws.write_artifact("checklist.md", checklist.render(out))
    return out
