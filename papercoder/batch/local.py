"""Running one paper of a batch on this machine: ``papercoder run`` / ``resume`` / ``eval`` as child processes.

A child process per paper keeps papers apart (one crash or one stuck endpoint stops one paper) and reuses the
CLI's own durability: an unfinished run folder is resumed from its checkpoints, a finished one is left as it
is. Children die with the batch (``PR_SET_PDEATHSIG`` on Linux), so a killed batch leaves no run behind that
a restarted batch would race with.
"""

from __future__ import annotations

import ctypes
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from papercoder.batch.ledger import BatchLedger
from papercoder.batch.papers import BatchPaper

CLI = [sys.executable, "-m", "papercoder.cli"]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run_status(folder: Path) -> str | None:
    """The ``status`` in a run (or evaluation) folder's run.json, or None when there is none."""
    try:
        return json.loads((folder / "run.json").read_text(encoding="utf-8")).get("status")
    except (OSError, ValueError, AttributeError):
        return None


def _child(args: list[str], log: Path) -> tuple[int, float, str]:
    started = time.monotonic()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ papercoder {' '.join(args)}\n")
        out.flush()
        proc = subprocess.run([*CLI, *args], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              preexec_fn=_die_with_parent if sys.platform == "linux" else None, check=False)
    tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
    return proc.returncode, time.monotonic() - started, " | ".join(tail)[-600:]


def generate(paper: BatchPaper, folder: Path, log: Path, options: dict[str, Any], ledger: BatchLedger) -> bool:
    """Generate (or resume, or keep) ``paper``'s repository in ``folder``; True when it is complete."""
    status = run_status(folder)
    if status == "completed":
        ledger.update(paper.id, status="completed")
        return True
    if status is not None and (folder / "checkpoints.sqlite").is_file():
        args = ["resume", str(folder), *options["resume_args"]]
    else:
        args = ["run", paper.path, "--out", str(folder), *options["run_args"]]
    entry = ledger.get(paper.id)
    ledger.update(paper.id, status="running", attempts=entry.get("attempts", 0) + 1)
    code, seconds, tail = _child(args, log)
    ledger.add_seconds(paper.id, "seconds", seconds)
    done = code == 0 and run_status(folder) == "completed"
    ledger.update(paper.id, status="completed" if done else "failed",
                  error=None if done else f"exit {code}: {tail}")
    return done


def evaluate(paper: BatchPaper, folder: Path, log: Path, options: dict[str, Any], ledger: BatchLedger) -> bool:
    """Evaluate the paper's repository into ``folder/eval`` (an unfinished evaluation continues)."""
    out = folder / "eval"
    if run_status(out) == "completed" and (out / "eval.json").is_file():
        ledger.update(paper.id, eval_status="completed")
        return True
    args = ["eval", str(folder / "repo"), "--paper", paper.path, "--out", str(out), *options["eval_args"]]
    if paper.rubric and options.get("rubric", True):
        args += ["--rubric", paper.rubric]
    if paper.reference:
        args += ["--reference", paper.reference]
    ledger.update(paper.id, eval_status="running")
    code, seconds, tail = _child(args, log)
    ledger.add_seconds(paper.id, "eval_seconds", seconds)
    done = code == 0 and (out / "eval.json").is_file()
    ledger.update(paper.id, eval_status="completed" if done else "failed",
                  eval_error=None if done else f"exit {code}: {tail}")
    return done
