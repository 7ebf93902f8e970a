"""A batch's summary: ``summary.json``, a Markdown table (``summary.md``) and a plot (``summary.png``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def paper_row(paper_id: str, entry: dict[str, Any], folder: Path) -> dict[str, Any]:
    """One paper's figures from the ledger, its run.json and its eval/eval.json."""
    run = _json(folder / "run.json")
    totals = run.get("totals", {})
    summary = run.get("summary", {})
    ev = _json(folder / "eval" / "eval.json")
    judge, rubric = ev.get("judge") or {}, ev.get("rubric") or {}
    after = (summary.get("executability") or {}).get("after") or {}
    return {
        "id": paper_id, "title": entry.get("title", paper_id), "status": entry.get("status"),
        "eval_status": entry.get("eval_status"), "seconds": entry.get("seconds", 0.0),
        "eval_seconds": entry.get("eval_seconds", 0.0), "attempts": entry.get("attempts", 0),
        "calls": totals.get("calls"), "input_tokens": totals.get("input_tokens"),
        "output_tokens": totals.get("output_tokens"), "cost_usd": totals.get("cost_usd"),
        "files": summary.get("files"), "lines": summary.get("lines"),
        "modules_importing": after.get("modules_importing"), "modules": after.get("modules"),
        "judge_score": judge.get("score"), "judge_stdev": judge.get("stdev"),
        "rubric_score": rubric.get("score"), "error": entry.get("error") or entry.get("eval_error"),
    }


def _fmt(v: Any, spec: str = "") -> str:
    if v is None:
        return "–"
    return format(v, spec) if spec else str(v)


def markdown(rows: list[dict[str, Any]], notes: list[str]) -> str:
    """The summary table (and notes) as Markdown."""
    head = ("| paper | status | time (s) | calls | tokens in | tokens out | cost (USD) | files | lines | imports | "
            "judge (1-5) | Code-Dev |")
    lines = ["# PaperCoder batch", "", head, "|" + " --- |" * 12]
    for r in rows:
        judge = "–" if r["judge_score"] is None else f"{r['judge_score']:.2f} ± {r['judge_stdev'] or 0:.2f}"
        imports = "–" if r["modules"] is None else f"{r['modules_importing']}/{r['modules']}"
        lines.append(f"| {r['title'][:60]} | {r['status']} | {r['seconds'] + r['eval_seconds']:.0f} | "
                     f"{_fmt(r['calls'])} | {_fmt(r['input_tokens'])} | {_fmt(r['output_tokens'])} | "
                     f"{_fmt(r['cost_usd'], '.4f')} | {_fmt(r['files'])} | {_fmt(r['lines'])} | {imports} | "
                     f"{judge} | {_fmt(r['rubric_score'], '.3f')} |")
    failed = [r for r in rows if r["error"]]
    if failed or notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {r['title'][:60]}: {str(r['error'])[:300]}" for r in failed]
        lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def plot(rows: list[dict[str, Any]], path: Path) -> str | None:
    """Bars per paper: scores, tokens, cost and time; returns why no plot was drawn, or None."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no plot: matplotlib is not installed"
    names = [r["id"][:18] for r in rows]
    x = range(len(rows))
    fig, axes = plt.subplots(2, 2, figsize=(max(8, 1.6 * len(rows) + 4), 7))
    ax = axes[0][0]
    ax.bar([i - 0.2 for i in x], [(r["judge_score"] or 0) / 5 for r in rows], 0.4, label="judge / 5")
    ax.bar([i + 0.2 for i in x], [r["rubric_score"] or 0 for r in rows], 0.4, label="Code-Dev score")
    ax.set_ylim(0, 1)
    ax.set_title("scores")
    ax.legend(fontsize=8)
    ax = axes[0][1]
    ax.bar([i - 0.2 for i in x], [r["input_tokens"] or 0 for r in rows], 0.4, label="input")
    ax.bar([i + 0.2 for i in x], [r["output_tokens"] or 0 for r in rows], 0.4, label="output")
    ax.set_title("tokens")
    ax.legend(fontsize=8)
    axes[1][0].bar(list(x), [r["cost_usd"] or 0 for r in rows])
    axes[1][0].set_title("cost (USD; 0 for local models)")
    axes[1][1].bar(list(x), [r["seconds"] / 60 for r in rows], label="generation")
    axes[1][1].bar(list(x), [r["eval_seconds"] / 60 for r in rows], bottom=[r["seconds"] / 60 for r in rows],
                   label="evaluation")
    axes[1][1].set_title("wall time (min)")
    axes[1][1].legend(fontsize=8)
    for ax in axes.flat:
        ax.set_xticks(list(x), names, rotation=20, ha="right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return None


def write_summary(out: Path, ledger: dict[str, Any]) -> list[dict[str, Any]]:
    """Write summary.json, summary.md and summary.png into ``out``; returns the rows."""
    rows = [paper_row(pid, entry, out / "papers" / pid) for pid, entry in ledger["papers"].items()]
    notes = list(ledger.get("notes", []))
    why = plot(rows, out / "summary.png")
    if why:
        notes.append(why)
    (out / "summary.md").write_text(markdown(rows, notes), encoding="utf-8")
    (out / "summary.json").write_text(json.dumps({"papers": rows, "notes": notes}, indent=2), encoding="utf-8")
    return rows
