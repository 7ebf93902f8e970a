"""Executability benchmark: do the generated repositories run, and do they hold together?

Usage (from the repository root)::

    python benchmarks/executability.py [PAPER ...] [--model local] [--base-url URL] [--max-files N]
        [--work DIR] [--json out.json] [--md out.md] [--no-install]

Default papers: the four shared papers (``../shared/papers/*/paper.pdf``, the Transformer as ``paper.tex``). Each
is one ``papercoder run`` (``--no-cache``: nothing from the response cache), with verification and repair as
the defaults have them. Reported per paper, from run.json and from the static checks run again on the final
repository:

- files; modules importing in the runtime, and the smoke run, before and after repair; repair rounds;
- cross-module imports of names no repository file defines (``undefined_name``), names used where nothing defines
  them (pyflakes, ``name_error``), config keys read that config.yaml lacks (``config_key``);
- the model's prefill and decode speeds that best explain the calls' seconds (minutes compare only at equal speeds);
- re-asks (a call asked again for an unusable answer): how many, per call, and their causes by stage;
- minutes: the whole run, the model's time by stage (generation: planning, analysis, coding; repair: the
  debugger), the execution checks while writing and in verification, and installing runtimes (apart).

A summary table goes to stdout (and ``--md``), every figure to ``--json``. Each run's model requests go to
``<work>/<paper>.requests.jsonl`` (``benchmarks/speculative.py`` replays them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "papers"
DEFAULT = [SHARED / "semantic-self-consistency" / "paper.pdf", SHARED / "transformer" / "paper.tex",
           SHARED / "what-will-my-model-forget" / "paper.pdf", SHARED / "bridging-data-gaps" / "paper.pdf"]

from papercoder.runstats import model_speed, reasks  # noqa: E402
from papercoder.verify import check_repo  # noqa: E402


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 1)


def figures(out: Path, wall: float) -> dict[str, Any]:
    """The figures of one run folder (finished or not)."""
    if not (out / "run.json").is_file():
        return {"status": "failed before start", "minutes": _minutes(wall)}
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    summary, ver = run.get("summary") or {}, run.get("verification") or {}
    by_node = Counter()
    for c in run.get("calls", []):
        by_node[c.get("node", "?")] += c.get("seconds", 0.0)
    dag = json.loads((out / "artifacts" / "dependency_graph.json").read_text()) \
        if (out / "artifacts" / "dependency_graph.json").is_file() else None
    kinds = Counter(f.kind for f in check_repo(out / "repo", dag)) if (out / "repo").is_dir() else Counter()
    checks = summary.get("execution_checks") or {}
    before, after = ver.get("before") or {}, ver.get("after") or {}
    return {
        "status": run.get("status"), "python_files": summary.get("python_files"), "lines": summary.get("lines"),
        "modules": after.get("modules"), "importing_before": before.get("modules_importing"),
        "importing_after": after.get("modules_importing"), "smoke_before": before.get("smoke"),
        "smoke_after": after.get("smoke"), "repair_rounds": ver.get("repair_rounds_used"),
        "undefined_imports": kinds["undefined_name"], "undefined_names": kinds["name_error"],
        "missing_config_keys": kinds["config_key"], "findings_after": dict(kinds),
        "while_writing": checks, "minutes": _minutes(wall),
        "generation_minutes": _minutes(sum(by_node[n] for n in ("planner", "architect", "logic_designer",
                                                               "config_writer", "analyst", "coder"))),
        "repair_minutes": _minutes(by_node["debugger"]),
        "check_minutes": _minutes((checks.get("seconds") or 0.0) + sum(ver.get("verify_seconds") or [])
                                  - (ver.get("install_seconds") or 0.0)),
        "install_minutes": _minutes((checks.get("install_seconds") or 0.0) + (ver.get("install_seconds") or 0.0)),
        "problems": summary.get("problems"), "calls": (run.get("totals") or {}).get("calls"),
        **reasks(run), **model_speed(run),
    }


def _name(paper: Path) -> str:
    return paper.parent.name if paper.stem == "paper" else paper.stem


def run_one(paper: Path, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One ``papercoder run`` of ``paper`` into ``out``; its figures."""
    log = out.parent / f"{out.name}.requests.jsonl"  # the run's requests, for benchmarks/speculative.py
    log.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "papercoder.cli", "run", str(paper), "--out", str(out), "--model", args.model,
           "--no-cache", "--request-log", str(log), *(["--base-url", args.base_url] if args.base_url else []),
           *(["--max-files", str(args.max_files)] if args.max_files else []),
           *(["--no-install"] if args.no_install else [])]
    started = time.monotonic()
    with (out.parent / f"{out.name}.log").open("w") as log:
        done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    result = figures(out, time.monotonic() - started)
    return {"paper": str(paper), "exit_code": done.returncode, **result}


COLUMNS = [("paper", "paper"), ("status", "status"), ("files", "python_files"), ("import before", "importing_before"),
           ("import after", "importing_after"), ("modules", "modules"), ("smoke before", "smoke_before"),
           ("smoke after", "smoke_after"), ("rounds", "repair_rounds"), ("undef. imports", "undefined_imports"),
           ("undef. names", "undefined_names"), ("missing keys", "missing_config_keys"), ("re-asks", "reasks"),
           ("re-asks/call", "reasks_per_call"), ("prefill tok/s", "prefill_tok_s"), ("decode tok/s", "decode_tok_s"),
           ("min", "minutes"),
           ("gen. min", "generation_minutes"), ("check min", "check_minutes"), ("repair min", "repair_minutes"),
           ("install min", "install_minutes")]


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown summary table, with a total row for the module counts."""
    lines = ["| " + " | ".join(c for c, _ in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        lines.append("| " + " | ".join(_name(Path(r["paper"])) if k == "paper" else str(r.get(k, "–"))
                                       for _, k in COLUMNS) + " |")
    modules = sum(r.get("modules") or 0 for r in rows)
    importing = sum(r.get("importing_after") or 0 for r in rows)
    smoke = sum(r.get("smoke_after") == "passed" for r in rows)
    lines.append(f"\nModules importing after repair: {importing} of {modules}"
                 f" ({importing / modules:.0%})" if modules else "\nNo modules.")
    lines.append(f"Smoke run passing: {smoke} of {len(rows)} papers.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("papers", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--model", default="local")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--max-files", type=int, default=0)
    parser.add_argument("--no-install", action="store_true", help="run the code with a bare interpreter")
    parser.add_argument("--work", type=Path, help="where the runs go (default: a new temporary folder)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--md", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="papercoder-executability-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for paper in args.papers:
        rows.append(run_one(paper.resolve(), work / _name(paper), args))
        print(json.dumps(rows[-1]), flush=True)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
    text = table(rows)
    print(text)
    if args.md:
        args.md.write_text(text + "\n")


if __name__ == "__main__":
    main()
