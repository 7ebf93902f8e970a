"""Nodes of the verify-and-repair subgraph: verify, repair (the debugger agent), report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from papercoder.agents.conversation import context_of, workspace_of
from papercoder.agents.debugger import debug_file
from papercoder.context import RunContext
from papercoder.llm import BudgetExceeded, StageError
from papercoder.state import PaperCoderState
from papercoder.verify.findings import Finding
from papercoder.verify.loop import repair_order, verify


def _repo(state: PaperCoderState) -> Path:
    return Path(state.get("repo_dir") or workspace_of(state).repo)


def _entry(state: PaperCoderState) -> str:
    return (state.get("architecture") or {}).get("entry_point", "main.py")


def verify_node(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Check the repository (static, then in the sandbox); record the round in ``artifacts/verify/``."""
    ctx = context_of(runtime)
    done = dict(state.get("verification") or {"rounds": [], "repairs": []})
    started = time.monotonic()
    findings, report = verify(_repo(state), dag=state.get("dag"), entry_point=_entry(state),
                              install=ctx.install, smoke_seconds=ctx.smoke_seconds)
    k = len(done["rounds"])
    record = {"round": k, "report": report, "findings": [f.model_dump() for f in findings]}
    ws = workspace_of(state)
    ws.write_artifact(f"verify/round-{k}.json", record)  # no timings: comparable across runs
    seconds = [*done.get("seconds", []), round(time.monotonic() - started, 2)]
    update: dict[str, Any] = {}
    repairs = [dict(r) for r in done["repairs"]]
    snapshot = repairs[-1].pop("snapshot", None) if repairs else None
    before = done["rounds"][-1] if done["rounds"] else None
    if snapshot is not None and before is not None and report["blocking"] > before["report"]["blocking"]:
        # The last repair made things worse: put the repository back as it was before it, and stop there.
        _restore(_repo(state), snapshot)
        problem = (f"repair round {len(repairs) - 1} raised the blocking findings from "
                   f"{before['report']['blocking']} to {report['blocking']}; its edits were undone")
        ws.record_error({"stage": "verify", "file": None, "kind": "repair_undone", "problem": problem})
        repairs[-1]["undone"] = True
        record = {**before, "round": k, "undone": problem}
        update["code"] = {p: t for p, t in snapshot.items() if p.endswith(".py")}
    return {"verification": {**done, "repairs": repairs, "rounds": [*done["rounds"], record], "seconds": seconds},
            **update}


SNAPSHOT_LIMIT = 5_000_000
"""Most bytes of repository text kept to undo a repair round (larger repositories are not snapshotted)."""


def _snapshot(repo: Path) -> dict[str, str] | None:
    """Every text file of the repository, to undo a repair round that makes things worse."""
    out: dict[str, str] = {}
    size = 0
    for p in sorted(repo.rglob("*")):
        if p.is_file() and not p.is_symlink():
            try:
                text = p.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            size += len(text)
            if size > SNAPSHOT_LIMIT:
                return None
            out[str(p.relative_to(repo))] = text
    return out


def _restore(repo: Path, snapshot: dict[str, str]) -> None:
    """Put the repository's text files back as in ``snapshot``; files made since go."""
    for p in sorted(repo.rglob("*"), reverse=True):
        rel = str(p.relative_to(repo))
        if p.is_file() and rel not in snapshot:
            try:
                p.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # not text: it was not snapshotted either
            p.unlink()
    for rel, text in snapshot.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def after_verify(state: PaperCoderState, runtime: Runtime[RunContext]) -> str:
    """Repair while blocking findings remain, rounds are left and the last round changed something.

    A round whose edits all failed leaves the repository as it was: the next one would be asked the same
    question (and, from the response cache or at temperature 0, give the same answer).
    """
    ctx = context_of(runtime)
    v = state["verification"]
    blocking = v["rounds"][-1]["report"]["blocking"]
    stuck = bool(v["repairs"]) and (not v["repairs"][-1].get("applied") or v["repairs"][-1].get("undone"))
    return "repair" if blocking and len(v["repairs"]) < ctx.repair_rounds and not stuck else "report"


def repair_node(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The debugger agent on each file with blocking findings, dependencies first; edits applied exactly."""
    ctx = context_of(runtime)
    ws = workspace_of(state)
    repo = _repo(state)
    v = dict(state["verification"])
    last = v["rounds"][-1]
    findings = [Finding(**f) for f in last["findings"]]
    traceback = last["report"].get("smoke_error", "")
    edits_log: list[dict[str, Any]] = []
    status_before = ws.read_run().get("status", "completed")
    snapshot = _snapshot(repo)
    for path in repair_order(findings, state.get("dag")):
        mine = [f for f in findings if f.file == path and f.blocking]
        try:
            edits, results = debug_file(state=state, ctx=ctx, ws=ws, repo=repo, path=path, findings=mine,
                                        traceback=traceback if any(f.kind == "smoke_failed" for f in mine) else "")
        except BudgetExceeded:
            raise
        except StageError as exc:  # no usable edits for this file: the repository stands as it is
            ws.update_run(status=status_before, error=None)
            ws.record_error({"stage": "debugger", "file": path, "kind": "no_repair", "problem": str(exc)})
            edits_log.append({"file": path, "findings": [str(f) for f in mine], "edits": [], "results": [],
                              "error": str(exc)})
            continue
        edits_log.append({"file": path, "findings": [str(f) for f in mine],
                          "edits": [{"path": e.path, "search": e.search, "replace": e.replace} for e in edits],
                          "results": [r.__dict__ for r in results]})
        for r in results:
            if not r.applied:
                ws.record_error({"stage": "debugger", "file": path, "kind": "edit_failed", "problem": r.reason})
    k = len(v["repairs"])
    ws.write_artifact(f"verify/round-{k}-edits.json", edits_log)
    code = {p: (repo / p).read_text(encoding="utf-8") for p in {r["path"] for e in edits_log for r in e["results"]
                                                                  if r["applied"] and r["path"].endswith(".py")}}
    return {"verification": {**v, "repairs": [*v["repairs"], {"round": k, "snapshot": snapshot,
                                                                "files": [e["file"] for e in edits_log],
                                                                "applied": sum(r["applied"] for e in edits_log
                                                                               for r in e["results"]),
                                                                "failed": sum(not r["applied"] for e in edits_log
                                                                              for r in e["results"])}]},
            "code": code}


def report_node(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Executability before and after repair, into run.json and the summary."""
    v = state["verification"]
    before, after = v["rounds"][0]["report"], v["rounds"][-1]["report"]
    keys = ("python_files", "compiling", "modules", "modules_importing", "smoke", "findings", "blocking")
    result = {"before": {k: before.get(k) for k in keys}, "after": {k: after.get(k) for k in keys},
              "repair_rounds_used": len(v["repairs"]), "verify_seconds": v.get("seconds", []),
              "isolation": after.get("isolation", []),
              "notes": after.get("notes", [])}
    ws = workspace_of(state)
    run = ws.read_run()
    summary = {**(state.get("summary") or run.get("summary") or {}), "executability": result}
    ws.update_run(verification=result, summary=summary)
    return {"summary": summary}
