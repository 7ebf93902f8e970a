"""The debugger agent: a repair round fixes each file's blocking findings with exact SEARCH/REPLACE edits."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from papercoder.agents.coder import create_missing
from papercoder.agents.conversation import fill, planning_messages, prompt

from papercoder import configkeys
from papercoder.context import RunContext
from papercoder.finalize import compiles
from papercoder.llm import AnswerError, BudgetExceeded, StageError, ask
from papercoder.llm.answers import Reply
from papercoder.papertexts import has_paper
from papercoder.problems import Problem, record_problem, state_update
from papercoder.runtime import context_of, workspace_of
from papercoder.state import PaperCoderState
from papercoder.textblocks import fenced_blocks
from papercoder.verify import snapshot
from papercoder.verify.autofix import alias_missing, tidy, unused_uninstallable
from papercoder.verify.distributions import like_known_package
from papercoder.verify.edits import Edit, EditResult, apply_edits, parse_edits
from papercoder.verify.findings import Finding
from papercoder.verify.hints import hint
from papercoder.verify.loop import repair_order
from papercoder.verify.match import locate
from papercoder.verify.nodes import repo_of
from papercoder.verify.pysource import imports, module_name
from papercoder.verify.static import undefined_names
from papercoder.workspace import UnsafePathError, Workspace, confine, text_hash

EDITABLE_EXTRA = ("requirements.txt", "config.yaml")


def _local_deps(repo: Path, path: str) -> list[str]:
    try:
        tree = ast.parse((repo / path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return []
    package = module_name(path).rpartition(".")[0]
    out = []
    for imp in imports(tree, package):
        rel = imp.module.replace(".", "/") + ".py"
        if (repo / rel).is_file() and rel != path and rel not in out:
            out.append(rel)
    return out


WHOLE_FILE_LINES = 200
"""A file shorter than this may be answered whole (a longer one only after SEARCH blocks failed)."""
WHOLE_FILE_RULE = ("- Or, instead of edits, answer with the whole file `{file}`, fixed, in one ```python fenced block "
                   "(nothing else).")


def _whole_file(text: str, path: str, current: str) -> list[Edit]:
    """A whole-file answer as one edit of ``path`` (the longest fenced block), or none."""
    blocks = [body for lang, body in fenced_blocks(text) if lang in ("python", "py", "")]
    if not blocks or "<<<<<<< SEARCH" in text:
        return []
    new = max(blocks, key=len).rstrip("\n") + "\n"
    return [Edit(path=path, search=current, replace=new)] if current.strip() else [Edit(path=path, search="",
                                                                                        replace=new)]


def _rewritten(reply: Reply, path: str, current: str) -> list[Edit]:
    """The whole-file answer of ``path`` as one edit; a missing or unchanged file is re-asked (but the last try)."""
    edits = [e for e in _whole_file(reply.text, path, current) if e.replace.strip() != current.strip()]
    if not edits and not reply.last:
        raise AnswerError(f"the answer holds no changed version of `{path}`; write the whole file, with the problems "
                          f"fixed, in one ```python fenced block")
    return edits


PLACEHOLDER = "(the exact lines of the file to change"
"""The start of the example block's SEARCH text in the request: an answer holding it copied the example."""


def _known_paths(edits: list[Edit], allowed: set[str], notes: list[str]) -> list[Edit]:
    """Edits to a path that may not be edited but ends in exactly one editable file's name get that file.

    A small model writes ``path/to/main.py`` for ``main.py``; each change is noted.
    """
    out = []
    for e in edits:
        if e.path and e.path not in allowed:
            name = e.path.rsplit("/", 1)[-1]
            match = [a for a in allowed if a == name or a.endswith("/" + name)]
            if len(match) == 1:
                notes.append(f"edit path {e.path} taken as {match[0]}")
                e = replace(e, path=match[0])
        out.append(e)
    return out


def _dry_run(repo: Path, edits: list[Edit], allowed: set[str]) -> list[str]:
    problems = []
    for e in edits:
        if e.path not in allowed:
            problems.append(f"{e.path or '(no file)'}: not a file you may edit here")
            continue
        if PLACEHOLDER in e.search or PLACEHOLDER in e.replace:
            problems.append(f"{e.path}: this block copies the example; SEARCH must hold real lines of the file")
            continue
        target = repo / e.path
        if not e.search.strip():
            continue
        text = target.read_text(encoding="utf-8") if target.is_file() else None
        found = locate(text, e.search, e.replace) if text is not None else "the file does not exist"
        if isinstance(found, str):
            problems.append(f"{e.path}: {found}:\n{e.search[:300]}")
    return problems


def debug_file(*, state: dict[str, Any], ctx: RunContext, ws: Workspace, repo: Path, path: str,
               findings: list[Finding], traceback: str = "") -> tuple[list[Edit], list[EditResult]]:
    """Ask for edits that fix ``findings`` of ``path`` and apply them; returns the edits and their results."""
    deps = _local_deps(repo, path)
    context = []
    for d in deps:
        context.append(f"`{d}` (it imports this file):\n```python\n{(repo / d).read_text()[:6000].rstrip()}\n```")
    for extra in EDITABLE_EXTRA:
        if (repo / extra).is_file():
            context.append(f"`{extra}`:\n```\n{(repo / extra).read_text()[:3000].rstrip()}\n```")
    allowed = {path, *deps, *EDITABLE_EXTRA} | {f.target for f in findings if f.target}
    others = ", ".join(f"`{p}`" for p in sorted(allowed - {path}))
    current = (repo / path).read_text(encoding="utf-8") if (repo / path).is_file() else ""
    whole = [current.count("\n") < WHOLE_FILE_LINES]
    # The embedded model rarely writes a usable SEARCH block (seen on Bridging Data Gaps: a SEARCH holding the whole
    # file and no REPLACE, then the example copied); a file it can rewrite whole, it is asked to.
    rewrite = whole[0] and bool(current.strip()) and ctx.repairs_whole()
    note = hint(traceback or "\n".join(f.message for f in findings),
                {module_name(p.relative_to(repo).as_posix()) for p in repo.rglob("*.py")})
    shown = f"\nThe error output of the run:\n```\n{traceback[-2500:]}\n```\n" if traceback else ""
    request = fill("debugger_whole" if rewrite else "debugger", file=path,
                   findings="\n".join(str(f) for f in findings),
                   traceback=shown + (f"{note}\n" if note else ""),
                   code=current, lang="python", context="\n\n".join(context) + ("\n" if context else ""),
                   other_files=f" and {others}" if others else "",
                   whole_file=WHOLE_FILE_RULE.format(file=path) if whole[0] else "")
    messages: list[BaseMessage] = (planning_messages(state, ctx) if state.get("plan") and has_paper(state)
                                   else [SystemMessage(content=prompt("system"))])

    notes: list[str] = []

    def parse(reply: Reply) -> list[Edit]:
        notes.clear()
        if rewrite:
            return _rewritten(reply, path, current)
        edits = _known_paths(parse_edits(reply.text), allowed, notes) or (
            _whole_file(reply.text, path, current) if whole[0] else [])
        if not edits:
            raise AnswerError("the answer holds no SEARCH/REPLACE block; answer only with edits in the form shown"
                              + (f", or with the whole file `{path}` in one fenced block" if whole[0] else ""))
        problems = _dry_run(repo, edits, allowed)
        if problems and not reply.last:
            whole[0] = True  # after SEARCH blocks that failed, the whole file may come instead
            raise AnswerError("these edits cannot be applied exactly:\n" + "\n".join(problems)
                              + f"\nAnswer with edits whose SEARCH lines are copied from the file, or with the whole "
                              f"file `{path}`, fixed, in one ```python fenced block.")
        return [e for e in edits if PLACEHOLDER not in e.search and PLACEHOLDER not in e.replace]

    edits = ask(ctx=ctx, ws=ws, node="debugger", file=path, max_tokens=ctx.max_tokens("code"), code=True,
                parse=parse, messages=[*messages, HumanMessage(content=request)])
    record_problem(ws, *(Problem(stage="debugger", file=path, kind="repair", message=note) for note in notes))
    before = _python_texts(repo, allowed)
    return edits, _compiling(repo, apply_edits(repo, edits, allowed), before)


def _python_texts(repo: Path, paths: set[str]) -> dict[str, str]:
    return {p: (repo / p).read_text(encoding="utf-8") for p in paths if p.endswith(".py") and (repo / p).is_file()}


def _compiling(repo: Path, results: list[EditResult], before: dict[str, str]) -> list[EditResult]:
    """The results, with the edits of a file that compiled before them and does not after undone.

    Seen on Semantic Self-Consistency: a fuzzy-placed edit left ``data.py`` with an empty class body; the round
    then counted fewer blocking findings (the file's other findings could no longer be seen) and was kept.
    """
    broken: dict[str, str] = {}
    for path, text in before.items():
        now = (repo / path).read_text(encoding="utf-8") if (repo / path).is_file() else text
        if now == text or not compiles(text, path):
            continue
        try:
            compile(now, path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            (repo / path).write_text(text, encoding="utf-8")
            broken[path] = f"the edits left {path} not compiling (line {exc.lineno}: {exc.msg}); undone"
    return [EditResult(r.path, False, broken[r.path]) if r.applied and r.path in broken else r for r in results]


def _repair(state: PaperCoderState, ctx: RunContext, ws: Workspace, path: str, findings: list[Finding],
            traceback: str) -> dict[str, Any]:
    """One file's repair: the debugger's edits and their results, as the round's edit log records them."""
    mine = [f for f in findings if f.file == path and f.blocking]
    smoke = traceback if any(f.kind == "smoke_failed" for f in mine) else ""
    status_before = ws.read_run().get("status", "completed")
    try:
        edits, results = debug_file(state=state, ctx=ctx, ws=ws, repo=repo_of(state), path=path, findings=mine,
                                    traceback=smoke)
    except BudgetExceeded:
        raise
    except StageError as exc:  # no usable edits for this file: the repository stands as it is
        ws.update_run(status=status_before, error=None)
        record_problem(ws, Problem(stage="debugger", file=path, kind="no_repair", message=str(exc),
                                   action="file left as it was"))
        return {"file": path, "findings": [str(f) for f in mine], "edits": [], "results": [], "error": str(exc)}
    record_problem(ws, *(Problem(stage="debugger", file=path, kind="edit_failed", message=r.reason,
                                 action="edit not applied") for r in results if not r.applied))
    return {"file": path, "findings": [str(f) for f in mine],
            "edits": [{"path": e.path, "search": e.search, "replace": e.replace} for e in edits],
            "results": [r.__dict__ for r in results]}


def _create_missing(state: PaperCoderState, ctx: RunContext, ws: Workspace, findings: list[Finding]) -> list[str]:
    """Files other files import but nobody wrote, written by the coder from what their importers expect.

    Not a module that only files written this way import: seen on Bridging Data Gaps, trainer.py (written for
    main.py's import) imported smoke.py, which was written in turn, and each was cut off at the token limit.
    """
    created = []
    made_before = {e.get("file") for e in ws.read_run().get("errors", [])
                   if e.get("kind") == "missing_module" and str(e.get("action", "")).startswith("written by")}
    for target in sorted({f.target for f in findings if f.kind == "missing_module" and f.target.endswith(".py")
                          and not like_known_package(module_name(f.target))}):  # numpyy: a typo, not a module
        importers = sorted({f.file for f in findings if f.target == target})
        if importers and set(importers) <= made_before:
            record_problem(ws, Problem(stage="coder", file=target, kind="missing_module",
                                       message=f"imported only by {', '.join(importers)}, itself written for a "
                                       "missing import", action="left missing: no chain of invented modules"))
            continue
        try:
            if confine(ws.repo, target).exists():
                continue
            create_missing(state, ctx, ws, target)
        except UnsafePathError:
            continue
        except BudgetExceeded:
            raise
        except StageError as exc:
            record_problem(ws, Problem(stage="coder", file=target, kind="missing_module", message=str(exc),
                                       action="left missing"))
            continue
        record_problem(ws, Problem(stage="coder", file=target, kind="missing_module",
                                   message=f"imported by {', '.join(importers)} but never written",
                                   action="written by the coder from what its importers expect"))
        created.append(target)
    return created


def _tidy(state: PaperCoderState, ws: Workspace, findings: list[Finding]) -> tuple[set[str], list[Finding]]:
    """The deterministic fixes (:func:`~papercoder.verify.autofix.tidy`) on the files with findings, first.

    Returns the files changed and the findings left: a changed file's undefined names are found again.
    """
    repo = repo_of(state)
    sources = {str(p.relative_to(repo)): p.read_text(encoding="utf-8") for p in sorted(repo.rglob("*.py"))}
    entry = (state.get("architecture") or {}).get("entry_point")
    changed: set[str] = set()
    config = configkeys.load(ws.read_repo_file("config.yaml")) if (repo / "config.yaml").is_file() else {}
    for path in sorted({f.file for f in findings if f.blocking and f.file in sources}):
        code, fixes = tidy(sources[path], path, sources, entry=path == entry)
        code, renamed = configkeys.rename_synonyms(code, config)
        fixes += renamed
        if fixes:
            ws.write_repo_file(path, code)
            sources[path] = code
            changed.add(path)
            record_problem(ws, *(Problem(stage="debugger", file=path, kind="autofix", message=f) for f in fixes))
    for f in findings:
        if f.kind in ("import_error", "smoke_failed") and f.file in sources \
                and (fixed := alias_missing(sources[f.file], f.message)) is not None:
            sources[f.file] = fixed[0]
            ws.write_repo_file(f.file, fixed[0])
            changed.add(f.file)
            record_problem(ws, Problem(stage="debugger", file=f.file, kind="autofix", message=fixed[1]))
    requirements = _drop_unused_uninstallable(ws, findings, sources)
    unknown = {p: set(configkeys.unknown_in_code(sources[p], config)) for p in changed if p in sources}
    left = [f for f in findings if not (f.kind == "name_error" and f.file in changed)
            and not (f.kind == "config_key" and f.file in unknown and _key_of(f) not in unknown[f.file])
            and not (f.kind == "uninstallable_requirement" and requirements)]
    changed |= requirements
    for path in sorted(p for p in changed if p in sources):
        try:
            left += undefined_names(ast.parse(sources[path]), path)
        except SyntaxError:
            continue
    return changed, left


def _key_of(finding: Finding) -> str:
    """The key path of a ``config_key`` finding ("reads config key a.b, which ...")."""
    return finding.message.removeprefix("reads config key ").split(",", 1)[0]


def _drop_unused_uninstallable(ws: Workspace, findings: list[Finding], sources: dict[str, str]) -> set[str]:
    """requirements.txt without the lines that could not be installed and that no file imports (recorded)."""
    failed = [f.message.split(" could not be installed", 1)[0] for f in findings
              if f.kind == "uninstallable_requirement"]
    path = ws.repo / "requirements.txt"
    if not failed or not path.is_file():
        return set()
    text, dropped = unused_uninstallable(path.read_text(encoding="utf-8"), failed, sources)
    if not dropped:
        return set()
    ws.write_repo_file("requirements.txt", text)
    record_problem(ws, Problem(stage="debugger", file="requirements.txt", kind="autofix",
                               message=f"dropped {', '.join(dropped)}: not installable, and no file imports it"))
    return {"requirements.txt"}


def debugger(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """One repair round: the debugger on each file with blocking findings, dependencies first.

    The repository as it was is kept on disk (its path in the state), so that a round which raises the blocking
    findings can be undone by the next verification.
    """
    ctx = context_of(runtime)
    ws = workspace_of(state)
    repo = repo_of(state)
    v = dict(state["verification"])
    last = v["rounds"][-1]
    findings = [Finding(**f) for f in last["findings"]]
    k = len(v["repairs"])
    kept = snapshot.take(repo, ws.root, f"repair-{k}")
    tidied, findings = _tidy(state, ws, findings)
    created = _create_missing(state, ctx, ws, findings)
    findings = [f for f in findings if not (f.kind == "missing_module" and f.target in created)]
    log = [_repair(state, ctx, ws, path, findings, last["report"].get("smoke_error", ""))
           for path in repair_order(findings, state.get("dag"))]
    log += [{"file": p, "created": True, "results": [{"path": p, "applied": True, "reason": "created by the coder"}]}
            for p in created]
    ws.write_artifact(f"verify/round-{k}-edits.json", log)
    results = [r for e in log for r in e["results"]]
    changed = {p for p in tidied if p.endswith(".py")} | {r["path"] for r in results
                                                          if r["applied"] and r["path"].endswith(".py")}
    repair = {"round": k, "snapshot": kept, "files": [e["file"] for e in log],
              "applied": len(tidied) + sum(r["applied"] for r in results),
              "failed": sum(not r["applied"] for r in results)}
    return {"verification": {**v, "repairs": [*v["repairs"], repair]},
            "code": {p: text_hash(ws.read_repo_file(p)) for p in changed}, **state_update(ws)}
