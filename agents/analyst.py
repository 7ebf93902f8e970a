"""Analyst: one per file, a detailed implementation spec that follows the design."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from papercoder.agents.conversation import fill, planning_messages

from papercoder import checklist, configkeys, depgraph
from papercoder.context import RunContext
from papercoder.llm import AnswerError, ask
from papercoder.llm.answers import Reply
from papercoder.problems import Problem, record_problem, state_update
from papercoder.runtime import context_of, workspace_of
from papercoder.state import FileTask
from papercoder.textblocks import drop_repeats


def task_logic(task: FileTask, path: str) -> str:
    """The logic designer's description of ``path``."""
    for t in task["logic_design"]["tasks"]:
        if t["path"] == path:
            return t["logic"] or "(see the design above)"
    return "(see the design above)"


def make_parser(path: str, config: dict[str, Any], files: list[str], warnings: list[Problem]):  # noqa: ANN201
    """The analyst's answer check: a real spec, naming only config keys that exist (asked once)."""
    complained = [False]

    def parse(reply: Reply) -> str:
        text, _removed = drop_repeats(reply.text)
        if len(text) < 60:
            raise AnswerError("the spec is empty or too short; describe every class and function of the file")
        unknown = configkeys.unknown_in_spec(text, config, exclude=files)
        text, renamed = configkeys.rename_synonyms_in_spec(text, unknown, config)
        warnings.extend(Problem(stage="analyst", file=path, kind="config_key_renamed", message=r,
                                action="renamed to the section's name for it, no re-ask") for r in renamed)
        if renamed:
            unknown = configkeys.unknown_in_spec(text, config, exclude=files)
        if unknown and not complained[0] and not reply.last:
            complained[0] = True
            keys = ", ".join(configkeys.flat_keys(config)[:60])
            raise AnswerError(f"the spec names config keys that config.yaml does not have: {', '.join(unknown)}; "
                              f"use only these keys: {keys}")
        warnings.extend(Problem(stage="analyst", file=path, kind="unknown_config_key", message=k,
                                action="kept in the spec") for k in unknown)
        return text

    return parse


def analyst(task: FileTask, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Write ``artifacts/analysis/<file>.md`` for one file."""
    ctx = context_of(runtime)
    ws = workspace_of(task)
    path = task["file"]
    deps = depgraph.dependencies_of(task["dag"], path)
    request = fill("analyst", file=path, logic=task_logic(task, path),
                   deps=", ".join(f"`{d}`" for d in deps) or "no other file of the repository",
                   items=checklist.brief(checklist.items_of(task.get("checklist"), path),
                                         "The paper's requirements it implements (say where each is "
                                         "implemented, by its id):"))
    warnings: list[Problem] = []
    parse = make_parser(path, configkeys.load(task["config_yaml"]), task["dag"]["nodes"], warnings)
    spec = ask(ctx=ctx, ws=ws, node="analyst", file=path, parse=parse,
               messages=[*planning_messages(task, ctx), HumanMessage(content=request)],
               max_tokens=ctx.max_tokens("analysis"))
    ws.write_artifact(f"analysis/{path}.md", spec + "\n")
    record_problem(ws, *warnings)
    return {"analyses": {path: spec}, **state_update(ws)}
