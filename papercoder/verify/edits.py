"""SEARCH/REPLACE edits: parsed from a model's answer and applied where they match, never guessed.

Format (one or more blocks)::

    path/to/file.py
    <<<<<<< SEARCH
    lines exactly as they are in the file
    =======
    the lines that replace them
    >>>>>>> REPLACE

An empty SEARCH creates the file (or appends to it when it exists). A SEARCH is found exactly, else ignoring
whitespace and indentation, else as the one clear fuzzy match (``papercoder.verify.match``); one that cannot be
placed so (not found, found more than once, a weak or ambiguous match) is not applied: it is recorded as a failed
edit, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from papercoder.verify.match import Match, locate, reindent
from papercoder.workspace import UnsafePathError, WorkspaceError, confine, normalize_rel

_BLOCK = re.compile(
    r"(?P<path>[^\n]*?)[ \t]*\n(?:```[a-zA-Z]*\n)?<{5,9} SEARCH\n(?P<search>.*?)(?:\n)?={5,9}\n"
    r"(?P<replace>.*?)(?:\n)?>{5,9} REPLACE", re.DOTALL)


@dataclass
class Edit:
    """One SEARCH/REPLACE block."""

    path: str
    search: str
    replace: str


@dataclass
class EditResult:
    """What became of one edit."""

    path: str
    applied: bool
    reason: str = ""


def parse_edits(text: str) -> list[Edit]:
    """The SEARCH/REPLACE blocks of an answer, in order."""
    edits = []
    for m in _BLOCK.finditer(text):
        path = m.group("path").strip().strip("`*# ").split()[-1] if m.group("path").strip() else ""
        edits.append(Edit(path=normalize_rel(path), search=m.group("search"), replace=m.group("replace")))
    return edits


def apply_edits(repo: Path, edits: list[Edit], allowed: set[str] | None = None) -> list[EditResult]:
    """Apply ``edits`` to the files of ``repo`` (only ``allowed`` paths, when given); each result says why."""
    results = []
    for e in edits:
        if not e.path:
            results.append(EditResult("", False, "the block names no file"))
            continue
        if allowed is not None and e.path not in allowed:
            results.append(EditResult(e.path, False, f"{e.path} may not be edited in this step"))
            continue
        try:
            target = confine(repo, e.path)
        except (WorkspaceError, UnsafePathError) as exc:
            results.append(EditResult(e.path, False, str(exc)))
            continue
        text = target.read_text(encoding="utf-8") if target.is_file() else None
        if not e.search.strip():
            new = (text.rstrip("\n") + "\n" if text else "") + e.replace.rstrip("\n") + "\n"
        elif text is None:
            results.append(EditResult(e.path, False, "the file does not exist (use an empty SEARCH to create it)"))
            continue
        else:
            found = locate(text, e.search, e.replace)
            if isinstance(found, str):
                results.append(EditResult(e.path, False, found))
                continue
            new = _replaced(text, e, found)
        if text is not None and new.rstrip() == text.rstrip():
            # seen on Semantic Self-Consistency: REPLACE equal to SEARCH, "applied" in two rounds, nothing fixed
            results.append(EditResult(e.path, False, "the edit changes nothing: REPLACE is the same as SEARCH"))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(new, encoding="utf-8")
        results.append(EditResult(e.path, True, "" if not e.search.strip() or found.how == "exact"
                                  else f"SEARCH matched {found.how}"))
    return results


def _replaced(text: str, edit: Edit, found: Match) -> str:
    """``text`` with the lines ``found`` replaced (the exact text, or the re-indented replacement lines)."""
    if found.how == "exact":
        return text.replace(edit.search, edit.replace, 1)
    lines = text.splitlines()
    new = reindent(lines[found.start:found.end], edit.search.splitlines(), edit.replace.splitlines())
    out = "\n".join([*lines[:found.start], *new, *lines[found.end:]])
    return out + "\n" if text.endswith("\n") else out
