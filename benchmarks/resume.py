"""Kill-and-resume benchmark: a run killed with SIGKILL during coding, resumed, against an uninterrupted run.

Usage (from the repository root)::

    python benchmarks/resume.py [PAPER] [--model local] [--kill-after-coders 2] [--max-files N] [--work DIR]
        [--json out.json]

1. ``papercoder run PAPER --no-cache`` to completion (the reference);
2. ``papercoder run PAPER --no-cache`` again, killed with SIGKILL once ``--kill-after-coders`` coder calls
   are recorded in its run.json (so the kill lands in the middle of the coding generations);
3. ``papercoder resume`` of the killed run.

Reports the calls before the kill, the calls the resume made (and whether any of them repeats a step that
had finished), wall times, and which files of ``repo/`` and ``artifacts/`` differ from the reference.
The response cache is off, so nothing is served from it: what is not repeated was kept by the checkpoints.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from papercoder.workspace import run_files

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "papercoder.cli"]


def _calls(out: Path) -> list[dict[str, Any]]:
    try:
        return json.loads((out / "run.json").read_text()).get("calls", [])
    except (OSError, ValueError):
        return []


def main() -> None:
    """Run the three runs and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paper", nargs="?",
                        default=str(ROOT.parent / "shared/papers/semantic-self-consistency/paper.pdf"))
    parser.add_argument("--model", default="local")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--kill-after-coders", type=int, default=2)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--verify", action="store_true", help="keep the verify-and-repair stage (off by default)")
    parser.add_argument("--max-files", type=int, default=0, help="most code files to plan (0: per-model default)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="papercoder-resume-"))
    model = ["--model", args.model, *(["--base-url", args.base_url] if args.base_url else []), "--no-cache",
             *([] if args.verify else ["--no-verify"]),
             *(["--max-files", str(args.max_files)] if args.max_files else [])]
    report: dict[str, Any] = {"paper": args.paper, "model": args.model, "work": str(work)}
    work.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    subprocess.run([*CLI, "run", args.paper, "--out", str(work / "reference"), *model], check=True,
                   stdout=subprocess.DEVNULL, stderr=(work / "reference.log").open("w"))
    report["reference_seconds"] = round(time.perf_counter() - started, 1)
    report["reference_calls"] = len(_calls(work / "reference"))

    killed = work / "killed"
    started = time.perf_counter()
    with (work / "killed.log").open("w") as log:
        proc = subprocess.Popen([*CLI, "run", args.paper, "--out", str(killed), *model],
                                stdout=subprocess.DEVNULL, stderr=log)
        while proc.poll() is None:
            if sum(c["node"] == "coder" for c in _calls(killed)) >= args.kill_after_coders:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.5)
        proc.wait()
    report["killed_after_seconds"] = round(time.perf_counter() - started, 1)
    before = _calls(killed)
    report["calls_before_kill"] = len(before)
    report["coder_calls_before_kill"] = sum(c["node"] == "coder" for c in before)

    started = time.perf_counter()
    with (work / "resume.log").open("w") as log:
        subprocess.run([*CLI, "resume", str(killed)], check=True, stdout=subprocess.DEVNULL, stderr=log)
    report["resume_seconds"] = round(time.perf_counter() - started, 1)
    after = _calls(killed)[len(before):]
    report["calls_after_resume"] = len(after)
    steps = lambda calls: {f"{c['node']} {c.get('file') or ''}".strip() for c in calls}  # noqa: E731
    report["resumed_steps"] = sorted(steps(after))
    # expected: only the step(s) in flight when the process was killed
    report["steps_called_before_and_after"] = sorted(steps(before) & steps(after))
    ref, got = run_files(work / "reference"), run_files(killed)
    report["files_compared"] = len(ref)
    report["files_differing"] = sorted(k for k in ref.keys() | got.keys() if ref.get(k) != got.get(k))
    report["status"] = json.loads((killed / "run.json").read_text())["status"]
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
