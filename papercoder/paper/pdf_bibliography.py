"""The bibliography for the PDF reader: the reference list cut into entries.

Holds :func:`split_references` (entries found by their numbers, hanging indents or the space between) and
:func:`pull_floats`, which separates captions and tables set among the references from the entries.
"""

from __future__ import annotations

import re
from collections import Counter

from papercoder.paper.pdf_layout import Layout
from papercoder.paper.pdf_line_types import ends_sentence, is_caption_start, is_table_row
from papercoder.paper.pdf_render import Words, join_lines
from papercoder.paper.pdf_spans import Line

_ENTRY_NUMBER = re.compile(r"^(\[\d{1,4}\]|\d{1,4}\.)\s")


def split_references(lines: list[Line], layout: Layout, words: Words) -> list[str]:
    """Cut the reference list into entries: by their numbers, hanging indents or the space between."""
    if not lines:
        return []
    numbered = sum(1 for ln in lines if _ENTRY_NUMBER.match(ln.text)) >= max(2, len(lines) // 8)
    hanging = sum(1 for ln in lines if ln.x0 - ln.left > 3) >= 0.25 * len(lines)
    entries: list[list[str]] = []
    for prev, line in zip([None, *lines], lines, strict=False):
        if prev is None or _opens_entry(prev, line, layout, numbered, hanging):
            entries.append([])
        entries[-1].append(line.text)
    return [join_lines(e, words) for e in entries if " ".join(e).strip()]


def _opens_entry(prev: Line, line: Line, layout: Layout, numbered: bool, hanging: bool) -> bool:
    if numbered:
        return bool(_ENTRY_NUMBER.match(line.text))
    if line.gap is not None and line.gap > layout.pitch * 1.25:
        return True
    if hanging:
        return line.x0 - line.left <= 3
    return ends_sentence(prev.text) and line.gap is None


def pull_floats(lines: list[Line], layout: Layout) -> tuple[list[Line], list[Line]]:
    """Separate floats (captions and their tables) set among the references from the entries."""
    sizes = Counter(round(ln.size, 1) for ln in lines)
    ref_size = sizes.most_common(1)[0][0] if sizes else layout.size
    entries: list[Line] = []
    floats: list[Line] = []
    in_float = False
    for line in lines:
        if is_caption_start(line, layout) and line.x0 - line.left <= 3:
            in_float = True
        elif in_float and abs(line.size - ref_size) < 0.3 and not is_table_row(line):
            in_float = False
        (floats if in_float else entries).append(line)
    return entries, floats
