"""Grading benchmark: the prompt tokens a one-slot server must process per rubric leaf, by layout.

Usage (from the repository root)::

    python benchmarks/grading.py REPO --paper PAPER --rubric RUBRIC [--window 12000] [--json out.json]

Builds the grader's requests for every Code-Development leaf exactly as ``papercoder eval`` does, in the order it
sends them, for two layouts of what follows the paper:

- ``per-leaf``: each leaf reads the files most relevant to its own requirement (BM25), leaves in tree order
  (the layout before issue 22, item 6);
- ``grouped``: the grading plan of :mod:`papercoder.eval.grading` (a selection per group of sibling leaves,
  files in one canonical order, groups with the same leading files next to each other).

A one-slot server (llama.cpp with ``n_parallel=1``, the embedded model's) reuses the longest prefix a request
shares with the one before it and processes the rest. Reported per layout: distinct selections, tokens processed
per leaf (mean and total, the project's tokenizer), and the seconds this implies at the given prefill and decode
speeds for ``--output`` answer tokens (defaults: the embedded model on 2 cores, 40 prompt tok/s, 8 output tok/s,
48 output tokens a grade). The time is an estimate from the token counts; ``papercoder eval --judge local``
measures it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from papercoder.agents.grader import grader_messages  # noqa: E402

from papercoder.eval.files import repo_files  # noqa: E402
from papercoder.eval.grading import plan_grading  # noqa: E402
from papercoder.eval.rubric import RubricError, code_dev_leaves, leaf_parents, load_rubric  # noqa: E402
from papercoder.eval.view import build_view, leaf_view  # noqa: E402
from papercoder.llm.tokens import count_tokens  # noqa: E402
from papercoder.paper import PaperReadError  # noqa: E402


def requests(view: dict[str, Any], repo: Path, leaves: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """Each leaf's request as one string (system text, then the user text), with the files it shows."""
    out = []
    for leaf in leaves:
        text, shown = leaf_view(view, repo, leaf)
        messages = grader_messages(text, shown, leaf)
        out.append(("\n".join(str(m.content) for m in messages), shown["files"]))
    return out


def processed(prompts: list[str]) -> list[int]:
    """Tokens a one-slot server processes for each prompt: what follows its common prefix with the one before."""
    done, last = [], ""
    for p in prompts:
        done.append(count_tokens(p[len(os.path.commonprefix([p, last])):]))
        last = p
    return done


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Both layouts' figures."""
    tree = load_rubric(args.rubric)
    parents = leaf_parents(tree)
    leaves = [{"id": n.id, "requirements": n.requirements, "parent": parents.get(n.id, tree.id)}
              for n in code_dev_leaves(tree)]
    view = build_view(paper=args.paper, repo=args.repo, window=args.window)
    info = view["info"]
    out: dict[str, Any] = {"repo": str(args.repo), "leaves": len(leaves), "window": args.window,
                           "fits": not info["repo"]["left_out"], "files": len(repo_files(args.repo))}
    plan = plan_grading(leaves, repo_files(args.repo), info["repo_budget"], info["repo"]["files"])
    place = {leaf_id: n for n, leaf_id in enumerate(plan["order"])}
    layouts = {"per-leaf": (view, leaves),
               "grouped": ({**view, "grading": plan}, sorted(leaves, key=lambda leaf: place[leaf["id"]]))}
    for name, (v, ordered) in layouts.items():
        reqs = requests(v, args.repo, ordered)
        done = processed([r for r, _ in reqs])
        seconds = [t / args.prefill + args.output / args.decode for t in done]
        out[name] = {"selections": len({tuple(f) if isinstance(f, list) else f for _, f in reqs}),
                     "prompt_tokens_mean": round(sum(count_tokens(r) for r, _ in reqs) / max(1, len(reqs))),
                     "processed_tokens_total": sum(done), "processed_tokens_mean": round(sum(done) / max(1, len(done))),
                     "seconds_per_leaf_estimate": round(sum(seconds) / max(1, len(seconds)), 1)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--paper", required=True)
    parser.add_argument("--rubric", type=Path, required=True)
    parser.add_argument("--window", type=int, default=12000, help="the judge's window (embedded: 12000)")
    parser.add_argument("--prefill", type=float, default=40.0, help="prompt tokens per second")
    parser.add_argument("--decode", type=float, default=8.0, help="output tokens per second")
    parser.add_argument("--output", type=int, default=48, help="output tokens per grade")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.repo.is_dir():
        sys.exit(f"error (grading benchmark): {args.repo}: the repository is not a folder")
    try:
        result = measure(args)
    except (RubricError, PaperReadError) as exc:
        sys.exit(f"error (grading benchmark): {exc}")
    print(f"{result['repo']}: {result['files']} files, {result['leaves']} leaves, window {result['window']}"
          f"{' (the whole repository fits)' if result['fits'] else ''}")
    print("| layout | selections | prompt tokens/leaf | processed tokens/leaf | processed total | est. s/leaf |")
    print("|---|---|---|---|---|---|")
    for name in ("per-leaf", "grouped"):
        r = result[name]
        print(f"| {name} | {r['selections']} | {r['prompt_tokens_mean']} | {r['processed_tokens_mean']} | "
              f"{r['processed_tokens_total']} | {r['seconds_per_leaf_estimate']} |")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
