"""Nodes of the verify-and-repair subgraph that are not agents: verify, the repair router, report.

The repair rounds themselves are the debugger agent's (``papercoder.agents.debugger``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from papercoder.context import RunContext
from papercoder.problems import Problem, record_problem, state_update
from papercoder.runtime import context_of, workspace_of
from papercoder.state import PaperCoderState
from papercoder.verify import snapshot
from papercoder.verify.loop import verify
from papercoder.workspace import text_hash


def repo_of(state: PaperCoderState) -> Path:
    """The repository being verified."""
    return Path(state.get("repo_dir") or workspace_of(state).repo)


def _entry(state: PaperCoderState) -> str:
    return (state.get("architecture") or {}).get("entry_point", "main.py")


def made_worse(before: dict[str, Any], after: dict[str, Any]) -> str:
    """How a repair round made the repository worse, or ``""``.

    Worse is more blocking findings, fewer files compiling or modules importing, or a smoke run that passed and
    now fails. Fewer blocking findings alone is not better: a file that stops parsing hides its other findings.
    """
    for key, what in (("compiling", "files compiling"), ("modules_importing", "modules importing")):
        if (after.get(key) or 0) < (before.get(key) or 0):
            return f"lowered the {what} from {before[key]} to {after.get(key) or 0}"
    if before.get("smoke") == "passed" and after.get("smoke") != "passed":
        return "broke the smoke run, which passed before"
    if after["blocking"] > before["blocking"]:
        return f"raised the blocking findings from {before['blocking']} to {after['blocking']}"
    return ""


def verify_node(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Check the repository (static, then in the sandbox); record the round in ``artifacts/verify/``."""
    ctx = context_of(runtime)
    done = dict(state.get("verification") or {"rounds": [], "repairs": []})
    started = time.monotonic()
    findings, report = verify(repo_of(state), dag=state.get("dag"), entry_point=_entry(state),
                              install=ctx.install, smoke_seconds=ctx.smoke_seconds)
    k = len(done["rounds"])
    record = {"round": k, "report": report, "findings": [f.model_dump() for f in findings]}
    ws = workspace_of(state)
    ws.write_artifact(f"verify/round-{k}.json", record)  # no timings: comparable across runs
    seconds = [*done.get("seconds", []), round(time.monotonic() - started, 2)]
    update: dict[str, Any] = {}
    repairs = [dict(r) for r in done["repairs"]]
    kept = repairs[-1].pop("snapshot", None) if repairs else None
    snap = snapshot.load(ws.root, kept)
    before = done["rounds"][-1] if done["rounds"] else None
    worse = made_worse(before["report"], report) if before is not None else ""
    if snap is not None and worse:
        # The last repair made things worse: put the repository back as it was before it, and stop there.
        snapshot.restore(repo_of(state), snap)
        message = f"repair round {len(repairs) - 1} {worse}; its edits were undone"
        record_problem(ws, Problem(stage="verify", kind="repair_undone", message=message))
        repairs[-1]["undone"] = True
        record = {**before, "round": k, "undone": message}
        update["code"] = {p: text_hash(t) for p, t in snap.items() if p.endswith(".py")}
    snapshot.discard(ws.root, kept)
    return {"verification": {**done, "repairs": repairs, "rounds": [*done["rounds"], record], "seconds": seconds},
            **update, **state_update(ws)}


def after_verify(state: PaperCoderState, runtime: Runtime[RunContext]) -> str:
    """Repair while blocking findings remain, rounds are left and the last round changed something.

    A round whose edits all failed leaves the repository as it was: the next one would be asked the same
    question (and, from the response cache or at temperature 0, give the same answer). A round whose edits
    applied but left the very same blocking findings (seen on the Transformer: three rounds, the same smoke
    error each time) would too.
    """
    ctx = context_of(runtime)
    v = state["verification"]
    blocking = v["rounds"][-1]["report"]["blocking"]
    stuck = bool(v["repairs"]) and (not v["repairs"][-1].get("applied") or v["repairs"][-1].get("undone")
                                    or _blocking(v["rounds"][-1]) == _blocking(v["rounds"][-2]))
    return "repair" if blocking and len(v["repairs"]) < ctx.repair_rounds and not stuck else "report"


def _blocking(round_record: dict[str, Any]) -> set[tuple[str, str, str]]:
    """A round's blocking findings, without their line numbers (an edit above them moves those)."""
    return {(f["file"], f["kind"], f["message"]) for f in round_record["findings"] if f.get("blocking", True)}


def report_node(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Executability before and after repair, into run.json and the summary."""
    v = state["verification"]
    before, after = v["rounds"][0]["report"], v["rounds"][-1]["report"]
    keys = ("python_files", "compiling", "modules", "modules_importing", "smoke", "findings", "blocking")
    result = {"before": {k: before.get(k) for k in keys}, "after": {k: after.get(k) for k in keys},
              "repair_rounds_used": len(v["repairs"]), "verify_seconds": v.get("seconds", []),
              "install_seconds": round(sum(r["report"].get("install_seconds", 0.0) for r in v["rounds"]), 1),
              "runtime": after.get("runtime"),
              "isolation": after.get("isolation", []),
              "notes": after.get("notes", [])}
    ws = workspace_of(state)
    run = ws.read_run()
    summary = {**(state.get("summary") or run.get("summary") or {}), "executability": result}
    ws.update_run(verification=result, summary=summary)
    return {"summary": summary}
