"""Where a SEARCH block is in a file: exactly, then ignoring whitespace, then the one clear fuzzy match.

A small model often copies the lines it wants to change without their indentation, or with a character off.
:func:`locate` finds the place all the same, in three steps, and never guesses:

1. the SEARCH text occurs exactly once;
2. the SEARCH lines, stripped of leading and trailing whitespace, equal exactly one run of the file's lines
   (blank lines at either end of the block ignored);
3. the single run of as many lines whose text is most like the SEARCH text (``difflib`` ratio) is at least
   :data:`FUZZY_MIN` alike, and the next best run is clearly less alike.

A SEARCH found in step 2 or 3 gets its replacement re-indented to the file's indentation (:func:`reindent`).
Anything else (not found, found more than once, a weak or ambiguous fuzzy match) is a failure with its reason.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

FUZZY_MIN = 0.9
"""Least ``difflib`` ratio of a fuzzy match."""
FUZZY_MARGIN = 0.05
"""How much less alike the next best run must be, for the best to count as the one meant."""


@dataclass(frozen=True)
class Match:
    """Where a SEARCH block was found: lines ``start`` to ``end`` (exclusive) of the file, and how."""

    start: int
    end: int
    how: str
    """"exact", "whitespace" or "fuzzy (0.93)"."""


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _trimmed(lines: list[str]) -> list[str]:
    """``lines`` without blank lines at either end."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def locate(text: str, search: str, replace: str = "") -> Match | str:
    """Where ``search`` is in ``text`` (see the module's steps), or why it cannot be placed.

    An exact occurrence that starts inside a line counts only for a fragment within one line (SEARCH and
    ``replace`` without line breaks): whole lines copied without their indentation are placed line by line, so
    that the replacement gets the file's indentation.
    """
    count = text.count(search)
    if count > 1:
        return f"SEARCH text occurs {count} times; it must be unique"
    lines = text.splitlines()
    want = _trimmed(search.splitlines())
    if not want:
        return "SEARCH text is empty"
    if count == 1:
        at = text.index(search)
        inline = "\n" not in search.strip("\n") + replace.strip("\n")
        if at == 0 or text[at - 1] == "\n" or inline:
            start = text[:at].count("\n")
            return Match(start, start + search.rstrip("\n").count("\n") + 1, "exact")
    stripped = [ln.strip() for ln in lines]
    key = [ln.strip() for ln in want]
    n = len(key)
    hits = [i for i in range(len(lines) - n + 1) if stripped[i:i + n] == key]
    if len(hits) == 1:
        return Match(hits[0], hits[0] + n, "whitespace")
    if hits:
        return f"SEARCH text occurs {len(hits)} times (ignoring indentation); it must be unique"
    return _fuzzy(stripped, key)


def _fuzzy(stripped: list[str], key: list[str]) -> Match | str:
    n = len(key)
    target = "\n".join(key)
    scored = sorted(((difflib.SequenceMatcher(None, "\n".join(stripped[i:i + n]), target, autojunk=False).ratio(), i)
                     for i in range(len(stripped) - n + 1)), reverse=True)
    if not scored or scored[0][0] < FUZZY_MIN:
        best = f" (the closest lines are {scored[0][0]:.0%} alike)" if scored else ""
        return f"SEARCH text not found in the file{best}"
    if len(scored) > 1 and scored[1][0] > scored[0][0] - FUZZY_MARGIN and scored[1][1] != scored[0][1]:
        return (f"SEARCH text is close to several places ({scored[0][0]:.0%} and {scored[1][0]:.0%} alike); "
                "it must match one place")
    ratio, i = scored[0]
    return Match(i, i + n, f"fuzzy ({ratio:.2f})")


def reindent(found: list[str], search: list[str], replace: list[str]) -> list[str]:
    """The replacement lines with the indentation of the file's lines they stand for.

    A replacement line equal (stripped) to a SEARCH line takes the indentation of the file line that SEARCH line
    matched; any other line keeps its indentation relative to the line before it that was so placed.
    """
    search = _trimmed(search)
    pairs = {}
    matcher = difflib.SequenceMatcher(None, [s.strip() for s in search], [r.strip() for r in replace], autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            if block.a + k < len(found):
                pairs[block.b + k] = block.a + k
    out = []
    anchor_file, anchor_repl = (_indent(found[0]), _indent(search[0])) if found and search else ("", "")
    for j, line in enumerate(replace):
        if not line.strip():
            out.append("")
            continue
        if j in pairs:
            anchor_file, anchor_repl = _indent(found[pairs[j]]), _indent(line)
            out.append(anchor_file + line.strip())
            continue
        shift = len(_indent(line)) - len(anchor_repl)
        width = max(0, len(anchor_file) + shift)
        out.append((anchor_file[:width] if shift < 0 else anchor_file + " " * shift) + line.lstrip())
    return out
