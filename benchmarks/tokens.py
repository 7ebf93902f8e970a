"""Token benchmark: a run's input tokens against the same calls under the original PaperCoder context policy.

Usage (from the repository root)::

    python benchmarks/tokens.py RUN_DIR [--json out.json]

RUN_DIR is a finished ``papercoder run`` folder (any model). Ours: the input tokens each call of run.json sent.
The original policy, rebuilt for the same calls with the same plan and answers (token counts with the
project's tokenizer):

* planning (planner, architect, logic designer, config writer): one conversation over the **full** paper, as
  ours, so each call is ours with the paper it carried (the planner: the compacted paper, as the digest then
  the rest; the later steps: the paper's digest) replaced by the full one;
* analyst of file F: the full paper + every planning artifact (plan, architecture with both diagrams, logic
  design, config.yaml) + the request;
* coder of file F: the full paper + every planning artifact + the code of **every file written before F**
  in the task order + F's analysis + the request.

The request text of a rebuilt call is taken as 200 tokens. A call asked again (a re-ask) is rebuilt again: the
original would have had to send it once more too. Also reported: the share of input tokens served from a
prompt cache (``cached_input_tokens`` as the server reported it: llama.cpp's KV cache, or a provider's
prompt cache), which is the shared-prefix share a cache could use. Targets: ours <= 0.6 x the original,
>= 90% served from a shared prefix.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from papercoder.llm.tokens import count_tokens  # noqa: E402

REQUEST = 200
PLANNING = ("planner", "architect", "logic_designer", "config_writer")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def rebuild(run_dir: Path) -> dict[str, Any]:
    """Ours against the original policy, per call and per node."""
    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    art, repo = run_dir / "artifacts", run_dir / "repo"
    info = run.get("paper_info", {})
    paper_ours, paper_full = int(info.get("tokens", 0)), int(info.get("tokens_full", info.get("tokens", 0)))
    digest = int((info.get("digest") or {}).get("tokens", paper_ours))  # runs before the digest: the paper
    if (info.get("rest") or {}).get("tokens"):  # the planner read the digest, then the rest of the paper
        paper_ours = digest + int(info["rest"]["tokens"])
    planning = sum(count_tokens(_text(art / n)) for n in ("plan.md", "architecture.json", "logic_design.json",
                                                          "config.yaml"))
    order = json.loads(_text(art / "logic_design.json") or "{}").get("task_list", [])
    code_tokens = {f: count_tokens(_text(repo / f)) for f in order}
    before = {f: sum(code_tokens[g] for g in order[:i]) for i, f in enumerate(order)}
    rows: dict[str, dict[str, int]] = defaultdict(lambda: {"calls": 0, "ours": 0, "original": 0, "cached": 0})
    for c in run.get("calls", []):
        if c.get("cache_hit"):
            continue
        node, f, ours = c.get("node", "?"), c.get("file") or "", int(c.get("input_tokens", 0))
        if node == "planner":
            original = ours - paper_ours + paper_full
        elif node in PLANNING:
            original = ours - digest + paper_full
        elif node == "analyst":
            original = paper_full + planning + REQUEST
        elif node == "coder":
            analysis = count_tokens(_text(art / "analysis" / f"{f}.md"))
            original = paper_full + planning + before.get(f, sum(code_tokens.values())) + analysis + REQUEST
        else:  # verification, debugging: no counterpart in the original scripts
            original = ours
        r = rows[node]
        r["calls"] += 1
        r["ours"] += ours
        r["original"] += original
        r["cached"] += int(c.get("cached_input_tokens", 0))
    total = {k: sum(r[k] for r in rows.values()) for k in ("calls", "ours", "original", "cached")}
    return {"run": str(run_dir), "paper_tokens": paper_ours, "paper_tokens_full": paper_full, "digest_tokens": digest,
            "planning_artifact_tokens": planning, "by_node": dict(rows), "total": total,
            "ratio": round(total["ours"] / total["original"], 3) if total["original"] else None,
            "cached_share": round(total["cached"] / total["ours"], 3) if total["ours"] else None}


def main() -> None:
    """Print the table for RUN_DIR."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out = rebuild(args.run_dir)
    print(f"paper: {out['paper_tokens']} tokens to the planner, a digest of {out['digest_tokens']} to the later "
          f"calls (full: {out['paper_tokens_full']}); "
          f"planning artifacts: {out['planning_artifact_tokens']} tokens")
    print(f"{'node':<16} {'calls':>5} {'ours':>9} {'original':>9} {'ratio':>6} {'cached':>7}")
    for node, r in [*out["by_node"].items(), ("total", out["total"])]:
        ratio = r["ours"] / r["original"] if r["original"] else 0.0
        cached = r["cached"] / r["ours"] if r["ours"] else 0.0
        print(f"{node:<16} {r['calls']:>5} {r['ours']:>9} {r['original']:>9} {ratio:>6.3f} {cached:>7.1%}")
    print(f"targets: ours <= 0.6 x original: {'met' if (out['ratio'] or 9) <= 0.6 else 'NOT met'} "
          f"({out['ratio']}); >= 90% from a shared prefix: "
          f"{'met' if (out['cached_share'] or 0) >= 0.9 else 'NOT met'} ({out['cached_share']})")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
