"""Checklist benchmark: does the paper's checklist hold what the paper says, reach config.yaml and the code?

Usage (from the repository root)::

    python benchmarks/checklist.py RUN_DIR [RUN_DIR ...] [--rubric auto] [--model local] [--json out.json]
        [--md out.md]
    python benchmarks/checklist.py --papers [PAPER ...] [--max-files N] [--work DIR] [--rubric auto] ...

Either reads finished runs, or first runs ``papercoder run`` on each paper (the four shared papers by default,
``--no-cache``). Per paper, from the run folder:

- checklist items by kind; items dropped because their quote is not in the paper (or a hyperparameter's value
  not in its quote); parts of the paper read apart (what the planner's budget left out);
- hyperparameters: items whose value config.yaml holds, and numeric config values the paper does not state that
  are not marked ``chosen`` (the target is none);
- items traced to the code before and after the coverage send-back;
- the model time the checklist adds: the checklist writer's calls and the send-back's, as a share of the
  run's model time;
- with ``--rubric auto`` (the paper folder's ``rubric.json``) or a path: ``papercoder eval`` with the rubric,
  judge off: the checklist's recall of the Code-Development leaves and the rubric Code-Dev score.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent)]

from executability import DEFAULT  # noqa: E402  (the four shared papers, as that benchmark runs them)
from papercoder.agents.config_writer import unverified_values  # noqa: E402


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def figures(run_dir: Path) -> dict[str, Any]:
    """The checklist figures of one finished run folder."""
    run = _load(run_dir / "run.json") or {}
    data = _load(run_dir / "artifacts" / "checklist.json") or {}
    cov = _load(run_dir / "artifacts" / "coverage.json") or {}
    items = data.get("items", [])
    kinds: dict[str, int] = {}
    for i in items:
        kinds[i["kind"]] = kinds.get(i["kind"], 0) + 1
    config = (run_dir / "repo" / "config.yaml").read_text(encoding="utf-8") \
        if (run_dir / "repo" / "config.yaml").is_file() else ""
    full = (run_dir / "paper" / "full.md")
    paper = full.read_text(encoding="utf-8") if full.is_file() else ""
    unmarked = [u for u in unverified_values(config, paper)
                if "chosen" not in config.splitlines()[u["line"] - 1]]
    seconds: dict[str, float] = {}
    for c in run.get("calls", []):
        seconds[c.get("node", "?")] = seconds.get(c.get("node", "?"), 0.0) + c.get("seconds", 0.0)
    model = sum(seconds.values())
    extra = seconds.get("checklist_writer", 0.0) + seconds.get("coder_items", 0.0)
    before, after = cov.get("before") or {}, cov.get("after") or {}
    return {
        "run": str(run_dir), "items": len(items), "kinds": kinds,
        "dropped_quote": sum(d.get("reason") == "quote not in the paper" for d in data.get("dropped", [])),
        "dropped_value": sum(d.get("reason") == "value not in its quote" for d in data.get("dropped", [])),
        "unread_parts": data.get("unread_parts"),
        "hyperparameters": after.get("hyperparameters"),
        "hyperparameters_in_config": after.get("hyperparameters_in_config"),
        "unmarked_values": len(unmarked),
        "traced_before": before.get("traced"), "traced_after": after.get("traced"), "total": after.get("total"),
        "sent_back": cov.get("sent", []),
        "checklist_model_seconds": round(extra, 1), "model_seconds": round(model, 1),
        "checklist_share": round(extra / model, 3) if model else None,
    }


def evaluate(run_dir: Path, rubric: Path, paper: str, args: argparse.Namespace) -> dict[str, Any]:
    """``papercoder eval`` of the run's repository with ``rubric`` (judge off); its checklist and rubric figures."""
    out = run_dir.parent / f"{run_dir.name}-eval"
    cmd = [sys.executable, "-m", "papercoder.cli", "eval", str(run_dir / "repo"), "--paper", paper,
           "--rubric", str(rubric), "--samples", "0", "--out", str(out), "--judge", args.model,
           *(["--base-url", args.base_url] if args.base_url else [])]
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = _load(out / "eval.json") or {}
    rubric_result, checklist = result.get("rubric") or {}, result.get("checklist") or {}
    return {"rubric_score": rubric_result.get("score"), "rubric_leaves": rubric_result.get("leaves"),
            "recall": (checklist.get("rubric") or {}).get("recall"),
            "leaves_covered": (checklist.get("rubric") or {}).get("covered")}


COLUMNS = [("run", "run"), ("items", "items"), ("dropped quote/value", "dropped"), ("hyper. in config", "hyper"),
           ("unmarked values", "unmarked_values"), ("traced before", "before"), ("traced after", "after"),
           ("checklist share", "checklist_share"), ("rubric recall", "recall"), ("Code-Dev", "rubric_score")]


def _cell(r: dict[str, Any], key: str) -> str:
    if key == "run":
        return Path(r["run"]).name
    if key == "dropped":
        return f"{r['dropped_quote']}/{r['dropped_value']}"
    if key == "hyper":
        return f"{r['hyperparameters_in_config']}/{r['hyperparameters']}"
    if key in ("before", "after"):
        return f"{r[f'traced_{key}']}/{r['total']}"
    return str(r.get(key, "–"))


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown summary table."""
    lines = ["| " + " | ".join(c for c, _ in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_cell(r, k) for _, k in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", type=Path, help="finished run folders")
    parser.add_argument("--papers", nargs="*", type=Path, help="run these papers first (none given: the four)")
    parser.add_argument("--rubric", default="", help="'auto' (the paper folder's rubric.json) or a rubric path")
    parser.add_argument("--model", default="local")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--max-files", type=int, default=0)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--md", type=Path)
    args = parser.parse_args()
    runs = list(args.runs)
    if args.papers is not None:
        work = args.work or Path(tempfile.mkdtemp(prefix="papercoder-checklist-"))
        for paper in args.papers or DEFAULT:
            out = work / (paper.parent.name if paper.stem == "paper" else paper.stem)
            cmd = [sys.executable, "-m", "papercoder.cli", "run", str(paper.resolve()), "--out", str(out),
                   "--model", args.model, "--no-cache", *(["--base-url", args.base_url] if args.base_url else []),
                   *(["--max-files", str(args.max_files)] if args.max_files else [])]
            with (work / f"{out.name}.log").open("w") as log:
                subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            runs.append(out)
    missing = [str(r) for r in runs if not (r / "run.json").is_file()]
    if missing:
        sys.exit(f"checklist benchmark: no PaperCoder run (no run.json) in {', '.join(missing)}")
    rows = []
    for run_dir in runs:
        row = figures(run_dir.resolve())
        paper = (_load(run_dir / "run.json") or {}).get("paper", "")
        rubric = Path(paper).parent / "rubric.json" if args.rubric == "auto" else Path(args.rubric)
        if args.rubric and rubric.is_file():
            row.update(evaluate(run_dir.resolve(), rubric, paper, args))
        rows.append(row)
        print(json.dumps(row), flush=True)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
    text = table(rows)
    print(text)
    if args.md:
        args.md.write_text(text + "\n")


if __name__ == "__main__":
    main()
