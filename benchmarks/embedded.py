"""Embedded-model benchmark: end-to-end runs on this machine's CPU with the default local model.

Usage (from the repository root)::

    python benchmarks/embedded.py [PAPER ...] [--work DIR] [--verify] [--max-files N] [--json out.json]

Default papers: the project's example (examples/smoothmix.md), ``../shared/papers/transformer/paper.tex`` and
``../shared/papers/semantic-self-consistency/paper.pdf``. Each is one ``papercoder run --model local
--no-cache`` (nothing served from the response cache). Reported per paper: wall time, calls, prompt tokens
sent, the tokens llama.cpp served from its KV cache (``cached_tokens`` of its usage figures) and the tokens it
processed, output tokens, calls sent again after a client timeout, files and lines written, status; re-asks and
their causes, the model's prefill and decode speeds, and per stage its calls, processed and output tokens and
decode speed (:mod:`papercoder.runstats`).

Reference figures (the original PaperCoder scripts on the Transformer LaTeX, same machine and model): 56 min,
208,641 prompt tokens in 16 calls (80% from llama.cpp's cache), two calls sent twice after the client's 600 s
timeout, 7,426 output tokens, 5 files, 147 lines. Targets: >= 90% of prompt tokens from the cache; on the
Transformer, fewer than 125,000 prompt tokens and less than 56 minutes for a complete repository; no call
sent twice because of a client timeout.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "papers"
DEFAULT = [ROOT / "examples" / "smoothmix.md", SHARED / "transformer" / "paper.tex",
           SHARED / "semantic-self-consistency" / "paper.pdf"]

from papercoder.runstats import model_speed, per_stage, reasks  # noqa: E402


def figures(out: Path, seconds: float) -> dict[str, Any]:
    """The figures of one finished (or failed) run folder."""
    if not (out / "run.json").is_file():  # the run failed before it started (its log says why)
        return {"status": "failed before start", "minutes": round(seconds / 60, 1), "calls": 0, "prompt_tokens": 0,
                "cached_tokens": 0, "processed_tokens": 0, "cached_share": None, "output_tokens": 0,
                "resent_after_timeout": 0, "files": None, "lines": None, "planned_files": None,
                "python_files": None}
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    totals, summary = run.get("totals", {}), run.get("summary", {})
    calls = run.get("calls", [])
    ver = run.get("verification") or {}
    timeouts = sum(1 for c in calls for e in c.get("retry_errors", []) if "timeout" in e.lower())
    sent, cached = totals.get("input_tokens", 0), totals.get("cached_input_tokens", 0)
    planned = len(json.loads((out / "artifacts" / "architecture.json").read_text()).get("files", [])) \
        if (out / "artifacts" / "architecture.json").is_file() else None
    return {"status": run.get("status"), "minutes": round(seconds / 60, 1), "calls": totals.get("calls", 0),
            "prompt_tokens": sent, "cached_tokens": cached, "processed_tokens": sent - cached,
            "cached_share": round(cached / sent, 3) if sent else None, "output_tokens": totals.get("output_tokens"),
            "resent_after_timeout": timeouts, "files": summary.get("files"), "lines": summary.get("lines"),
            "planned_files": planned, "python_files": summary.get("python_files"),
            "verify_repair_minutes": round((sum(ver.get("verify_seconds") or [])
                                            + sum(c.get("seconds", 0) for c in calls if c.get("node") == "debugger"))
                                           / 60, 1) if ver else None,
            "executability": ver or None, **reasks(run), **model_speed(run), "stages": per_stage(run)}


def main() -> None:
    """Run each paper and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("papers", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--verify", action="store_true", help="keep the verify-and-repair stage (off by default)")
    parser.add_argument("--max-files", type=int, default=0, help="passed to papercoder run (0: its default)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="papercoder-embedded-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for paper in args.papers:
        name = paper.parent.name if paper.stem == "paper" else paper.stem
        out = work / name
        started = time.perf_counter()
        with (work / f"{name}.log").open("w") as log:
            subprocess.run([sys.executable, "-m", "papercoder.cli", "run", str(paper), "--out", str(out),
                            "--model", "local", "--no-cache", *([] if args.verify else ["--no-verify"]),
                            *(["--max-files", str(args.max_files)] if args.max_files else [])],
                           stdout=subprocess.DEVNULL, stderr=log, check=False)
        rows.append({"paper": name, **figures(out, time.perf_counter() - started)})
        print(json.dumps(rows[-1]), flush=True)
    print(f"{'paper':<28} {'status':<10} {'min':>6} {'calls':>5} {'prompt':>8} {'cached':>7} {'processed':>9} "
          f"{'out':>6} {'resent':>6} {'files':>5} {'lines':>6}")
    for r in rows:
        share = "-" if r["cached_share"] is None else f"{r['cached_share']:.1%}"
        print(f"{r['paper']:<28} {str(r['status']):<10} {r['minutes']:>6} {r['calls']:>5} {r['prompt_tokens']:>8} "
              f"{share:>7} {r['processed_tokens']:>9} {r['output_tokens']:>6} {r['resent_after_timeout']:>6} "
              f"{r['files']!s:>5} {r['lines']!s:>6}")
    if args.json:
        args.json.write_text(json.dumps({"work": str(work), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
