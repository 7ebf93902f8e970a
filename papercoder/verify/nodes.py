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
    workspace_of(state).write_artifact(f"verify/round-{k}.json", record)  # no timings: comparable across runs
    seconds = [*done.get("seconds", []), round(time.monotonic() - started, 2)]
    return {"verification": {**done, "rounds": [*done["rounds"], record], "seconds": seconds}}


def after_verify(state: PaperCoderState, runtime: Runtime[RunContext]) -> str:
    """Repair while blocking findings remain, rounds are left and the last round changed something.

    A round whose edits all failed leaves the repository as it was: the next one would be asked the same
    question (and, from the response cache or at temperature 0, give the same answer).
    """
    ctx = context_of(runtime)
    v = state["verification"]
    blocking = v["rounds"][-1]["report"]["blocking"]
    stuck = bool(v["repairs"]) and not v["repairs"][-1].get("applied")
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
    return {"verification": {**v, "repairs": [*v["repairs"], {"round": k, "files": [e["file"] for e in edits_log],
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
