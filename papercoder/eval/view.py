"""What a judge reads: the compacted paper, then the repository's files (and the reference's), within a window.

The text is built once per evaluation and is the identical first part of every judge and grader request, so a
provider's prompt cache or llama.cpp's KV cache serves it after the first call; the per-call request comes last.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from papercoder.eval.files import RepoFile, Selection, render, repo_files, select_for_judge, select_for_requirement
from papercoder.eval.metrics import planned_files
from papercoder.llm.tokens import count_tokens
from papercoder.paper import compact, load_paper

OUTPUT_RESERVE = 1000
"""Tokens kept free of the window for the request text and the answer."""
SAFETY = 0.9
"""The judge's tokenizer may count more tokens than tiktoken does."""
PAPER_SHARE = 0.4


def build_view(*, paper: str, repo: Path, window: int, reference: Path | None = None) -> dict[str, Any]:
    """The paper and code for the judges, and the record of what was selected and left out.

    Args:
        paper: The paper (path or text).
        repo: The repository evaluated.
        window: Tokens the judge may read.
        reference: The authors' repository, for reference-based judging.
    """
    available = max(2000, int(window * SAFETY) - OUTPUT_RESERVE)
    doc = load_paper(paper)
    paper_md, paper_info = compact(doc, int(available * PAPER_SHARE))
    paper_tokens = count_tokens(paper_md)
    code_budget = max(0, available - paper_tokens)
    files = repo_files(repo)
    planned = planned_files(repo)
    repo_budget = code_budget // 2 if reference is not None else code_budget
    mine = select_for_judge(files, repo_budget, planned)
    parts = [f"## The paper\n\n{paper_md.strip()}", render(mine.files, "repository to evaluate")]
    record: dict[str, Any] = {
        "window": window, "paper_tokens": paper_tokens, "paper_tokens_full": paper_info.get("tokens_full"),
        "paper_sections_dropped": paper_info.get("dropped", []), "repo": mine.record(), "repo_budget": repo_budget,
        "title": doc.title,
    }
    if reference is not None:
        ref = select_for_judge(repo_files(reference), code_budget - mine.tokens)
        parts.append(render(ref.files, "authors' reference repository"))
        record["reference"] = ref.record()
    return {"text": "\n\n".join(parts), "paper_md": paper_md, "info": record}


def leaf_view(view: dict[str, Any], repo: Path, leaf: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The text a grader reads for one rubric leaf (``id``, ``requirements``), and what it holds.

    When the whole repository fit the window the shared view is used as is (its prefix is cached); otherwise
    the files the grading plan gives the leaf's group (see :mod:`papercoder.eval.grading`), in the plan's order,
    after the same paper; a leaf the plan lacks (a view written before plans) gets the files most relevant to
    its own requirement (BM25).
    """
    info = view["info"]
    if not info["repo"]["left_out"]:
        return view["text"], {"files": "all", "rule": "the whole repository fits the window", "left_out": []}
    files = repo_files(repo)
    plan = view.get("grading") or {}
    if leaf["id"] in plan.get("leaf_files", {}):
        by_path = {f.path: f for f in files}
        shown = [by_path[p] for p in plan["leaf_files"][leaf["id"]] if p in by_path]
        chosen = Selection(shown, [f.path for f in files if f not in shown], plan["rule"])
    else:
        chosen = select_for_requirement(leaf["requirements"], files, info["repo_budget"])
    text = f"## The paper\n\n{view['paper_md'].strip()}\n\n" + render(chosen.files, "repository to evaluate")
    return text, {"files": [f.path for f in chosen.files], "rule": chosen.rule, "left_out": chosen.left_out}


def omitted_note(left_out: list[str] | str) -> str:
    """The sentence telling a judge which files it was not shown (so it does not count them as missing)."""
    if not left_out or left_out == "all":
        return ""
    names = ", ".join(f"`{p}`" for p in list(left_out)[:40])
    more = f" and {len(left_out) - 40} more" if len(left_out) > 40 else ""
    return (f"\nFor length, these repository files were not shown to you: {names}{more}. Do not count them as "
            "missing; judge only what you can see.\n")


__all__ = ["RepoFile", "build_view", "leaf_view", "omitted_note"]
