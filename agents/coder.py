"""Coder: one per file, the complete file, seeing its dependencies' code; it fixes what importing it raises."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langgraph.runtime import Runtime
from papercoder.agents.coder_checks import language, make_parser
from papercoder.agents.conversation import fill, planning_messages

from papercoder import checklist, configkeys, interfaces
from papercoder.context import RunContext
from papercoder.llm import BudgetExceeded, StageError, ask
from papercoder.problems import Problem, record_problem, state_update
from papercoder.runtime import context_of, workspace_of
from papercoder.state import FileTask, PaperCoderState, file_task
from papercoder.verify.autofix import alias_missing
from papercoder.verify.entry import assemble, outline
from papercoder.verify.expectations import expectations
from papercoder.verify.hints import hint
from papercoder.verify.pysource import module_name, runs_something, top_level_names
from papercoder.verify.trial import record as record_trial
from papercoder.verify.trial import requirements_of, try_import
from papercoder.workspace import Workspace, text_hash

# An entry point that still runs nothing is followed by a request for `run` alone (see _write).
ENTRY_RULES = """\
- This file is the entry point. Import the repository's classes and functions; never define them again here.
  Give it this shape (write `run` in full from the plan):

  def run(config: dict, smoke: bool) -> None:
      # build the data, model and training from `config`; with `smoke`, use tiny synthetic data
      # (a few random examples, the config's `smoke` settings) and run one step, without downloads

  def main() -> None:
      parser = argparse.ArgumentParser()
      parser.add_argument("--config", default="config.yaml")
      parser.add_argument("--smoke", action="store_true")
      args = parser.parse_args()
      with open(args.config, encoding="utf-8") as f:
          config = yaml.safe_load(f)
      run(config, smoke=args.smoke)

  if __name__ == "__main__":
      main()
"""


FULL_CODE_CHARS = {True: 4000, False: 60000}
"""Up to how many characters of dependency code a coder sees whole (embedded model: True); beyond, an outline.

The embedded model copies a dependency it is shown whole (seen on Bridging Data Gaps: ``classifier.py`` and
``adaptation.py`` came back as ``model.py``), and prefills ~40 tokens a second: 3,000 tokens of code cost it a
minute per coder call.
"""


def dependency_code(task: FileTask, local: bool = False) -> str:
    """The code of every file the task's file depends on (transitively), dependencies first.

    Shown whole up to :data:`FULL_CODE_CHARS`; beyond, as what each file defines, with parameters.
    """
    deps = task.get("dependency_code") or {}
    if not deps:
        return "This file imports no other file of the repository.\n"
    if sum(len(c) for c in deps.values()) > FULL_CODE_CHARS[local] and (brief := outline(deps)):
        return ("The files it depends on are written; what they define (import these names, never write them "
                f"again here):\n{brief}\n")
    parts = ["The files it depends on, already written (use their real names):\n"]
    for d, code in deps.items():
        parts.append(f"### `{d}`\n```{language(d)}\n{code.rstrip()}\n```\n")
    return "\n".join(parts)


def interface_rows(task: FileTask) -> str:
    """The interface table's rows of the task's file and of the files it imports, as the coder reads them."""
    table = task.get("interfaces")
    own = interfaces.rows_of(table, task["file"])
    parts = []
    if own and interfaces.render(own):
        parts.append(f"The interface table fixes what `{task['file']}` defines (other files rely on these names; "
                     f"you may add more):\n{interfaces.render(own)}\n")
    for dep in (own or {}).get("imports_from", []):
        rows = interfaces.render(interfaces.rows_of(table, dep) or {})
        if rows:
            parts.append(f"What `{dep}` defines, per the table:\n{rows}\n")
    return "\n".join(parts)


def written_before(task: FileTask, repo: Path) -> dict[str, str]:
    """The files of the generations before the task's file, as written to the repository."""
    out: dict[str, str] = {}
    for gen in task["dag"]["generations"]:
        if task["file"] in gen:
            break
        for p in gen:
            if (repo / p).is_file():
                out[p] = (repo / p).read_text(encoding="utf-8")
    return {**out, **(task.get("dependency_code") or {})}


def _write(task: FileTask, ctx: RunContext, ws: Workspace, messages: list[BaseMessage], node: str = "coder",
           shape: Callable[[str], str | None] | None = None) -> str:
    """Ask for the file, check the answer (re-asking as the parser says), write it; the code.

    ``node`` names the calls in run.json (``coder_items`` for the coverage send-back, so its time is its own).
    An entry point that runs nothing when started is followed by :func:`_write_run`.
    """
    path = task["file"]
    entry = path == task["architecture"].get("entry_point")
    written = written_before(task, ws.repo)
    warnings: list[Problem] = []
    code = ask(ctx=ctx, ws=ws, node=node, file=path, max_tokens=ctx.max_tokens("code"), code=True,
               parse=make_parser(path, configkeys.load(task["config_yaml"]), written, warnings,
                                 planned=list(task["dag"]["nodes"]), packages=_packages(task),
                                 rows=interfaces.rows_of(task.get("interfaces"), path), entry=entry, shape=shape),
               messages=messages)
    ws.write_repo_file(path, code)
    record_problem(ws, *warnings)
    if entry and shape is None and path.endswith(".py") and not runs_something(code):
        code = _write_run(task, ctx, ws, code, written)
    return code


def _write_run(task: FileTask, ctx: RunContext, ws: Workspace, previous: str, written: dict[str, str]) -> str:
    """The entry point made from a request for ``run(config, smoke)`` alone; PaperCoder writes its ``main()``.

    For a file that runs nothing when started (seen on the Transformer: ``main.py`` repeated ``data.py``'s
    classes, through three re-asks). The request is short: what the other files define, and one function. When
    no answer gives a usable ``run``, the file stays as it was (the static check reports it).
    """
    path = task["file"]
    record_problem(ws, Problem(stage="coder", file=path, kind="entry_point", message="the entry point runs nothing "
                               "when started", action="asked for run(config, smoke) alone; PaperCoder wrote main()"))
    others = {p: src for p, src in written.items() if p != path}
    request = fill("coder_run", file=path, outline=outline(others) or "(no other Python files)")
    doc = f"Entry point: runs the paper's experiment (`python {path} --config config.yaml [--smoke]`)."
    try:
        code = _write(task, ctx, ws, [*planning_messages(task, ctx), HumanMessage(content=request)], "coder_run",
                      shape=lambda answer: assemble(answer, previous, doc))
    except BudgetExceeded:
        raise
    except StageError as exc:
        code = previous
        record_problem(ws, Problem(stage="coder", file=path, kind="entry_point", message=str(exc)[:300],
                                   action="kept the file as it was"))
    if not runs_something(code):
        code = previous
    ws.write_repo_file(path, code)
    return code


def _packages(task: FileTask) -> list[str]:
    return list((task.get("logic_design") or {}).get("required_packages", []))


def _requirements(task: FileTask, ws: Workspace, code: str) -> list[str]:
    """What the file's import check installs: the packages the repository's code so far imports."""
    planned = {p: "" for p in task["dag"]["nodes"]}  # the repository's own modules, written or not
    return requirements_of(_packages(task), {**planned, **written_before(task, ws.repo), task["file"]: code})


def _alias_until_imported(task: FileTask, ctx: RunContext, ws: Workspace, code: str, trial: Any) -> tuple[str, Any]:
    """Invented transformers classes replaced by their auto classes (:func:`alias_missing`), one per try.

    While the import fails for that reason (at most 4 times): no model call for a fix with one meaning.
    """
    path = task["file"]
    for _ in range(4):
        if trial.ok or trial.not_ours or (fixed := alias_missing(code, trial.error)) is None:
            break
        code, change = fixed
        ws.write_repo_file(path, code)
        record_problem(ws, Problem(stage="coder", file=path, kind="autofix", message=change))
        trial = try_import(ws.repo, path, code, _requirements(task, ws, code), install=ctx.install)
        record_trial(ws, path, "import", trial)
    return code, trial


def _rewrite(task: FileTask, ctx: RunContext, ws: Workspace, base: list[BaseMessage], code: str, what: str,
             error: str) -> str:
    """The file written again whole, with the error its code raised shown (once)."""
    path = task["file"]
    record_problem(ws, Problem(stage="coder", file=path, kind="import_error" if what.startswith("Importing")
                               else "smoke_failed", message=error[-400:], action="the coder rewrote the file with "
                               "the traceback"))
    modules = {module_name(p) for p in task["dag"]["nodes"] if p.endswith(".py")}
    feedback = fill("coder_feedback", what=what, error=error, file=path, lang=language(path) or "text",
                    hint=hint(error, modules))
    fence = f"```{language(path)}\n{code.rstrip()}\n```"
    return _write(task, ctx, ws, [*base, AIMessage(content=fence), HumanMessage(content=feedback)])


def _add_items(task: FileTask, ctx: RunContext, ws: Workspace, base: list[BaseMessage]) -> dict[str, Any]:
    """The file written again with its missing checklist items; the earlier file kept if the new one breaks."""
    path = task["file"]
    before = ws.read_repo_file(path)
    request = fill("coder_items", file=path, lang=language(path) or "text",
                   items=checklist.brief(task["missing_items"], "").strip())
    fence = f"```{language(path)}\n{before.rstrip()}\n```"
    try:
        code = _write(task, ctx, ws, [*base, AIMessage(content=fence), HumanMessage(content=request)],
                      "coder_items")
    except BudgetExceeded:
        raise
    except StageError as exc:  # the send-back is an improvement: without an answer, the file stays as it was
        code = before
        record_problem(ws, Problem(stage="coder", file=path, kind="items_rewrite_undone", message=str(exc)[:300],
                                   action="kept the file as it was"))
    broken = _lost_names(before, code) if path.endswith(".py") and code != before else ""
    if path.endswith(".py") and code != before and not broken:
        try:
            compile(code, path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            broken = f"it does not compile: line {exc.lineno}: {exc.msg}"
        if not broken and ctx.verify:
            trial = try_import(ws.repo, path, code, _requirements(task, ws, code), install=ctx.install)
            record_trial(ws, path, "import", trial)
            broken = "" if trial.ok or trial.not_ours else trial.error[-300:]
    if broken:
        ws.write_repo_file(path, before)
        code = before
        record_problem(ws, Problem(stage="coder", file=path, kind="items_rewrite_undone", message=broken,
                                   action="kept the file as it was before the missing checklist items were asked"))
    return {"code": {path: text_hash(code)}, **state_update(ws)}


def _lost_names(before: str, after: str) -> str:
    """What a rewrite no longer defines of what the file defined (others may import it), as a sentence."""
    lost = sorted((top_level_names(before) or set()) - (top_level_names(after) or set()))
    return f"the rewrite no longer defines {', '.join(lost)}" if lost else ""


def create_missing(state: PaperCoderState, ctx: RunContext, ws: Workspace, path: str) -> str:
    """Write a repository file that other files import but nobody wrote, from what its importers expect of it."""
    task = file_task(state, path)
    request = fill("coder_missing", file=path, expectations=expectations(ws.repo, path))
    return _write(task, ctx, ws, [*planning_messages(task, ctx), HumanMessage(content=request)])


def coder(task: FileTask, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Write one repository file to ``repo/<file>``; with verification on, import it and fix what that raises.

    A task with ``feedback`` (the smoke run's error, whose innermost frame is in this file) rewrites the file as
    written before, once.
    """
    ctx = context_of(runtime)
    ws = workspace_of(task)
    path = task["file"]
    entry = path == task["architecture"].get("entry_point")
    deps = dependency_code(task, ctx.for_stage("coding").is_local)
    request = fill("coder", file=path, analysis=(task.get("analysis") or "(none)").strip(),
                   dependency_code=deps, entry_rules=ENTRY_RULES if entry else "",
                   files=", ".join(f"`{p}`" for p in task["dag"]["nodes"]),
                   lang=language(path) or "text", interfaces=interface_rows(task),
                   items=checklist.brief(checklist.items_of(task.get("checklist"), path),
                                         "The paper's requirements this file implements; mark where each is "
                                         "implemented with a comment naming its id (`# R3: lr from config`):"))
    base: list[BaseMessage] = [*planning_messages(task, ctx), HumanMessage(content=request)]
    if task.get("missing_items"):
        return _add_items(task, ctx, ws, base)
    if task.get("feedback"):
        entry_point = task["architecture"].get("entry_point", "main.py")
        code = _rewrite(task, ctx, ws, base, ws.read_repo_file(path),
                        f"The smoke run `python {entry_point} --config config.yaml --smoke`", task["feedback"])
        return {"code": {path: text_hash(code)}, **state_update(ws)}
    code = _write(task, ctx, ws, base)
    if ctx.verify and path.endswith(".py"):
        trial = try_import(ws.repo, path, code, _requirements(task, ws, code), install=ctx.install)
        record_trial(ws, path, "import", trial)
        code, trial = _alias_until_imported(task, ctx, ws, code, trial)
        if not trial.ok and not trial.not_ours:
            code = _rewrite(task, ctx, ws, base, code, f"Importing `{path}` in the repository", trial.error)
    return {"code": {path: text_hash(code)}, **state_update(ws)}
