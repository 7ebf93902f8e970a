"""The text files of a repository as a judge sees them, and the rules that choose them for a token budget.

Two rules, both recorded in ``eval.json``:

- :func:`select_for_judge`: entry points first (files ``reproduce.sh`` runs, ``main.py``), then the files the
  plan names in the plan's order, then the other Python files and then the remaining text files, smallest
  first, so that as many whole files fit as possible. A file is given whole or not at all: what does not fit
  is listed as left out, never cut.
- :func:`rank_for_requirement`: for one rubric requirement, files ranked by a BM25 score of the requirement's
  words against each file's identifiers, comments and strings (``snake_case`` and ``camelCase`` split).
  The scoring is ``rank_bm25``'s Okapi BM25 with Lucene's idf (see :class:`_LuceneBM25`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from rank_bm25 import BM25Okapi

from papercoder.llm.tokens import count_tokens

TEXT_SUFFIXES = {".py", ".sh", ".yaml", ".yml", ".md", ".txt", ".json", ".toml", ".cfg", ".ini", ".ipynb", ""}
SKIP_DIRS = {".git", "__pycache__", ".venv", "venv", "node_modules", ".ipynb_checkpoints", "wandb", "outputs"}
MAX_FILE_BYTES = 200_000
STOPWORDS = set("""a an and are as at be been by can code for from has have in is it its of on or that the this
to was were which with all each should using used use into their there these those when where will would must
been being implemented implementation correctly correct""".split())


@dataclass
class RepoFile:
    """One text file of a repository."""

    path: str
    text: str
    tokens: int


@dataclass
class Selection:
    """The files chosen for a budget, and what was left out."""

    files: list[RepoFile]
    left_out: list[str] = field(default_factory=list)
    rule: str = ""

    @property
    def tokens(self) -> int:
        """Tokens of the chosen files."""
        return sum(f.tokens for f in self.files)

    def record(self) -> dict[str, object]:
        """The selection as ``eval.json`` records it."""
        return {"rule": self.rule, "files": [f.path for f in self.files], "tokens": self.tokens,
                "left_out": self.left_out}


def repo_files(root: Path) -> list[RepoFile]:
    """Every text file of ``root`` (binaries, caches and files over 200 kB skipped), sorted by path."""
    out = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if not p.is_file() or p.is_symlink() or any(part in SKIP_DIRS for part in rel.parts[:-1]):
            continue
        if p.suffix.lower() not in TEXT_SUFFIXES or p.stat().st_size > MAX_FILE_BYTES:
            continue
        data = p.read_bytes()
        if b"\x00" in data[:4096]:
            continue
        text = data.decode("utf-8", errors="replace")
        out.append(RepoFile(str(rel), text, count_tokens(text)))
    return out


def entry_points(files: list[RepoFile]) -> list[str]:
    """Files ``reproduce.sh`` runs, then ``main.py`` if present."""
    names = {f.path for f in files}
    found: list[str] = []
    for f in files:
        if f.path == "reproduce.sh":
            found += [m for m in re.findall(r"([\w./-]+\.py)\b", f.text) if m in names and m not in found]
    if "main.py" in names and "main.py" not in found:
        found.append("main.py")
    return found


def _fill(ordered: list[RepoFile], budget: int) -> tuple[list[RepoFile], list[str]]:
    chosen, left, used = [], [], 0
    for f in ordered:
        if used + f.tokens <= budget:
            chosen.append(f)
            used += f.tokens
        else:
            left.append(f.path)
    return chosen, left


def select_for_judge(files: list[RepoFile], budget: int, planned: list[str] | None = None) -> Selection:
    """Choose whole files for a judge within ``budget`` tokens (see the module's rule)."""
    by_path = {f.path: f for f in files}
    first = [p for p in [*entry_points(files), *(planned or [])] if p in by_path]
    first = list(dict.fromkeys(first))
    rest = [f for f in files if f.path not in first]
    rest.sort(key=lambda f: (not f.path.endswith(".py"), f.tokens, f.path))
    chosen, left = _fill([by_path[p] for p in first] + rest, budget)
    rule = ("entry points, then planned files in plan order, then other Python files and other text files, "
            f"smallest first; whole files only, within {budget} tokens")
    return Selection(chosen, left, rule)


def _words(text: str) -> list[str]:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return [w for w in re.findall(r"[a-z][a-z0-9]+", text.lower().replace("_", " "))
            if len(w) > 2 and w not in STOPWORDS]


class _LuceneBM25(BM25Okapi):
    """``rank_bm25``'s Okapi BM25 with Lucene's idf, ``log(1 + (N - n + 0.5) / (n + 0.5))``, always above 0.

    ``BM25Okapi``'s own idf, ``log((N - n + 0.5) / (n + 0.5))``, is 0 for a word in half of the files and
    negative (floored at a quarter of the mean idf) for a word in more: in a small repository the one file that
    matches a requirement could score 0 and be left out of the grader's view.
    """

    def _calc_idf(self, nd: dict[str, int]) -> None:
        n = self.corpus_size
        self.idf = {word: math.log(1 + (n - df + 0.5) / (df + 0.5)) for word, df in nd.items()}
        self.avgdl = self.avgdl or 1.0  # every file without words: scores 0, not NaN


def rank_for_requirement(requirement: str, files: list[RepoFile], *, distinct: bool = True) -> list[tuple[str, float]]:
    """Files ranked by BM25 relevance to ``requirement`` (highest first; ties by path).

    Each distinct word of the requirement counts once (``distinct=False``: as often as it occurs, for the
    requirements of several leaves joined, where a word most of them use matters most); a file matching none of
    them scores 0.
    """
    if not files:
        return []
    index = _LuceneBM25([_words(f.path + " " + f.text) for f in files], k1=1.2, b=0.75)
    words = _words(requirement)
    scores = index.get_scores(list(dict.fromkeys(words)) if distinct else words)
    return sorted(((f.path, round(float(s), 4)) for f, s in zip(files, scores, strict=True)),
                  key=lambda ps: (-ps[1], ps[0]))


def select_for_requirement(requirement: str, files: list[RepoFile], budget: int, *,
                           distinct: bool = True) -> Selection:
    """Whole files most relevant to ``requirement`` within ``budget`` tokens, in BM25 order.

    ``distinct``: as for :func:`rank_for_requirement`.
    """
    by_path = {f.path: f for f in files}
    ranked = [by_path[p] for p, score in rank_for_requirement(requirement, files, distinct=distinct) if score > 0]
    chosen, _ = _fill(ranked, budget)
    left = [f.path for f in files if f not in chosen]
    return Selection(chosen, left, f"BM25 of the requirement over identifiers, comments and strings; whole files "
                     f"within {budget} tokens")


def render(files: list[RepoFile], label: str = "repository") -> str:
    """Files as one Markdown block, each under its path."""
    parts = [f"### `{f.path}`\n```{_lang(f.path)}\n{f.text.rstrip()}\n```" for f in files]
    return f"## The {label} ({len(files)} files)\n\n" + "\n\n".join(parts) if parts else f"## The {label}\n(empty)"


def _lang(path: str) -> str:
    return {".py": "python", ".sh": "bash", ".yaml": "yaml", ".yml": "yaml", ".json": "json",
            ".md": "markdown"}.get(Path(path).suffix, "")
