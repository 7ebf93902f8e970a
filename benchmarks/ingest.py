"""Ingestion benchmark: quality against the reference Markdown and seconds per paper, for every reader.

Usage (from the repository root, with ../shared beside it)::

    python benchmarks/ingest.py [--papers ../shared/papers] [--repeat 3] [--json out.json]

For each paper it reads ``paper.pdf`` (and ``source.tar.gz`` / ``paper.tex`` / s2orc JSON when present) with
``papercoder.paper.load_paper``, scores ``paper.to_markdown()`` with ``../shared/tools/ingest_score.py``
against ``reference.md`` where there is one, and times it against raw pypdf extraction of the same PDF
(``page.extract_text()`` on every page). Figures are the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INPUTS = {"pdf": "paper.pdf", "latex-archive": "source.tar.gz", "latex-file": "paper.tex",
          "s2orc": "paper.s2orc.json", "markdown-self": None}
METRICS = ("body_recall", "body_precision", "heading_recall_md", "refs_leak")


def _scorer(shared: Path) -> Any:
    spec = importlib.util.spec_from_file_location("ingest_score", shared / "tools" / "ingest_score.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t)
    return best, value


def raw_pypdf(path: Path) -> str:
    """The baseline: pypdf's text, page by page."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def run(papers: Path, repeat: int) -> list[dict[str, Any]]:
    """Benchmark every paper folder under ``papers``."""
    from papercoder.paper import load_paper

    scorer = _scorer(papers.parent)
    rows: list[dict[str, Any]] = []
    for folder in sorted(p for p in papers.iterdir() if p.is_dir()):
        ref = folder / "reference.md"
        reference = ref.read_text(encoding="utf-8") if ref.exists() else None
        for reader, name in INPUTS.items():
            if name is None or not (folder / name).exists():
                continue
            path = folder / name
            seconds, paper = _best(lambda p=path: load_paper(p), repeat)
            row: dict[str, Any] = {"paper": folder.name, "reader": reader, "seconds": round(seconds, 3),
                                   "sections": len(paper.sections), "references": len(paper.bibliography)}
            if reader == "pdf":
                raw_s, raw_text = _best(lambda p=path: raw_pypdf(p), repeat)
                row["raw_pypdf_seconds"] = round(raw_s, 3)
                row["speed_ratio"] = round(seconds / raw_s, 2)
                if reference:
                    row["raw_pypdf"] = {k: scorer.score(raw_text, reference)[k] for k in METRICS}
            if reference:
                row.update({k: scorer.score(paper.to_markdown(), reference)[k] for k in METRICS})
            rows.append(row)
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean of each metric per reader, over the papers that have a reference."""
    out: dict[str, dict[str, float]] = {}
    for reader in INPUTS:
        scored = [r for r in rows if r["reader"] == reader and "body_recall" in r]
        if scored:
            out[reader] = {k: round(statistics.mean(r[k] for r in scored), 4) for k in METRICS}
            out[reader]["papers"] = len(scored)
        ratios = [r["speed_ratio"] for r in rows if r["reader"] == reader and "speed_ratio" in r]
        if ratios:
            out.setdefault(reader, {})["max_speed_ratio"] = max(ratios)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table (and JSON when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=Path, default=ROOT.parent / "shared" / "papers")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not args.papers.is_dir():
        print(f"no papers folder at {args.papers}", file=sys.stderr)
        return 2
    rows = run(args.papers, args.repeat)
    for r in rows:
        figures = " ".join(f"{k}={r[k]}" for k in METRICS if k in r)
        speed = f" raw_pypdf={r['raw_pypdf_seconds']}s ratio={r['speed_ratio']}" if "speed_ratio" in r else ""
        print(f"{r['paper']:28} {r['reader']:14} {r['seconds']:7.3f}s{speed} {figures}")
    means = summary(rows)
    for reader, figures in means.items():
        print(f"MEAN {reader:14} " + " ".join(f"{k}={v}" for k, v in figures.items()))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "means": means}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
