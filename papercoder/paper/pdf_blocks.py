"""Blocks for the PDF reader: a section's lines grouped into paragraphs, captions, equations, tables, footnotes.

Holds :class:`Block`, the classification of each line (caption, algorithm, equation, table, footnote, small
or body) and :func:`group_blocks`, which groups the lines into blocks in reading order and mends paragraphs
interrupted by floats and footnotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from papercoder.paper.pdf_headings import heading_at
from papercoder.paper.pdf_layout import Layout
from papercoder.paper.pdf_line_types import (
    BULLET,
    FOOTNOTE_MARK,
    ends_sentence,
    is_caption_start,
    is_equation,
    is_small,
    is_table_row,
    looks_like_prose,
)
from papercoder.paper.pdf_spans import Line


@dataclass
class Block:
    """A run of lines of one kind, rendered as one Markdown block."""

    kind: str
    lines: list[Line]


def _classify(lines: list[Line], layout: Layout) -> list[str]:
    """Type each line: caption, algorithm, equation, table, footnote or body."""
    kinds = ["body"] * len(lines)
    bottoms = _lowest_body_lines(lines, layout)
    i = 0
    while i < len(lines):
        line = lines[i]
        if i > 0 and _is_fragment(lines[i - 1], line, layout):
            kinds[i] = kinds[i - 1]
        elif is_caption_start(line, layout) and not _mid_sentence(lines, i, kinds, layout):
            i = _mark_caption(lines, i, kinds, layout)
            continue
        elif is_table_row(line) and not re.search(r"[=≤≥≈<>]", line.text):
            kinds[i] = "table"
        elif is_equation(line, layout):
            kinds[i] = "equation"
        elif _is_footnote(lines, i, kinds, bottoms, layout):
            kinds[i] = "footnote"
        elif is_small(line, layout):
            kinds[i] = "small"  # labels of a drawn figure, notes under a table: kept apart from the prose
        i += 1
    _extend_equations(lines, kinds, layout)
    _extend_tables(lines, kinds, layout)
    _attach_fragments(lines, kinds, layout)
    return kinds


def _attach_fragments(lines: list[Line], kinds: list[str], layout: Layout) -> None:
    """Pieces of an inline fraction or sum drawn before their line of prose take that line's type."""
    for i, line in enumerate(lines):
        if len(line.text) > 12 or kinds[i] == "body":
            continue
        host = next((k for k in range(i + 1, min(i + 4, len(lines))) if len(lines[k].text) > 12), None)
        if host is not None and kinds[host] == "body" and _is_fragment(lines[host], line, layout):
            kinds[i] = "body"


def _is_fragment(prev: Line, line: Line, layout: Layout) -> bool:
    """A short piece set within the height of the line before it: a stacked fraction, a limit, an index."""
    same_band = prev.page == line.page and prev.col == line.col and abs(prev.y - line.y) < 0.75 * layout.size
    return same_band and len(line.text) <= 12


def _mid_sentence(lines: list[Line], i: int, kinds: list[str], layout: Layout) -> bool:
    """Whether line ``i`` continues the sentence of the body line just above ("... shown in / Figure 2.")."""
    if i == 0 or kinds[i - 1] != "body":
        return False
    prev, line = lines[i - 1], lines[i]
    close = line.gap is not None and line.gap <= layout.pitch * 1.15 and abs(prev.size - line.size) < 0.3
    return close and not ends_sentence(prev.text)


def _lowest_body_lines(lines: list[Line], layout: Layout) -> dict[tuple[int, int], float]:
    """For each page and column, the height of its lowest body-size line."""
    lowest: dict[tuple[int, int], float] = {}
    for line in lines:
        if abs(line.size - layout.size) < 0.6 and len(line.text) > 30:
            key = (line.page, line.col)
            lowest[key] = min(lowest.get(key, line.y), line.y)
    return lowest


def _is_footnote(lines: list[Line], i: int, kinds: list[str], bottoms: dict[tuple[int, int], float],
                 layout: Layout) -> bool:
    """Small type below the column's last body line, opened by a mark (or continuing a footnote)."""
    line = lines[i]
    bottom = bottoms.get((line.page, line.col))
    if bottom is None or not is_small(line, layout) or line.y >= bottom:
        return False
    follows = i > 0 and kinds[i - 1] == "footnote" and lines[i - 1].page == line.page
    return follows or bool(FOOTNOTE_MARK.match(line.text)) or line.spans[0].size < line.size - 1


def _mark_caption(lines: list[Line], i: int, kinds: list[str], layout: Layout) -> int:
    """Mark a caption and its continuation lines; an algorithm's body follows its one-line title."""
    first = lines[i]
    kinds[i] = "caption"
    j = i + 1
    limit = 1.5 * max(first.size, 1.0)
    algorithm = first.text.lower().startswith("algorithm")
    while j < len(lines) and not algorithm:
        nxt = lines[j]
        if (nxt.page != first.page or nxt.gap is None or nxt.gap > limit or abs(nxt.size - first.size) > 0.3
                or is_caption_start(nxt, layout) or is_table_row(nxt) or heading_at(lines, j, layout)
                or not (looks_like_prose(nxt) or lines[j - 1].x1 >= lines[j - 1].right - 2.5 * nxt.size)):
            break
        kinds[j] = "caption"
        j += 1
    if re.match(r"tab", first.text, re.IGNORECASE):
        _mark_table_above(lines, i, kinds, layout)
        return _mark_table_body(lines, j, kinds, layout)
    return _mark_algorithm_body(lines, j, kinds, layout) if algorithm else j


def _mark_table_above(lines: list[Line], i: int, kinds: list[str], layout: Layout) -> None:
    """Mark the rows of a table whose caption sits below it: cell-like lines right above the caption."""
    k = i
    while k > 0:
        line, row = lines[k], lines[k - 1]
        if row.page != line.page or line.gap is None or line.gap > 2.5 * layout.pitch:
            break
        if kinds[k - 1] not in ("body", "small", "table") or looks_like_prose(row):
            break
        if heading_at(lines, k - 1, layout):
            break
        kinds[k - 1] = "table"
        k -= 1


def _mark_algorithm_body(lines: list[Line], j: int, kinds: list[str], layout: Layout) -> int:
    """Mark the steps under an algorithm's title, kept line by line, up to the space after the box."""
    page = lines[j - 1].page
    while j < len(lines):
        line = lines[j]
        if line.page != page or line.gap is None or line.gap > 1.6 * layout.pitch or is_caption_start(line, layout):
            break
        kinds[j] = "algorithm"
        j += 1
    return j


def _mark_table_body(lines: list[Line], j: int, kinds: list[str], layout: Layout) -> int:
    """Mark the rows under a table caption: small or short lines up to the next prose line or gap."""
    start = j
    while j < len(lines):
        line = lines[j]
        limit = (3.5 if j == start else 2.5) * layout.pitch
        if line.page != lines[start - 1].page or line.gap is None or line.gap > limit:
            break
        if is_caption_start(line, layout) or heading_at(lines, j, layout):
            break
        if looks_like_prose(line) and not (is_small(line, layout) or is_table_row(line)):
            break
        kinds[j] = "table"
        j += 1
    return j


def _extend_equations(lines: list[Line], kinds: list[str], layout: Layout) -> None:
    """Small fragments (limits, under-brace labels) between or after equation lines belong to them."""
    for i in range(1, len(lines)):
        if kinds[i] not in ("body", "small") or kinds[i - 1] != "equation":
            continue
        line = lines[i]
        if (is_small(line, layout) or len(line.text) <= 3) and line.gap is not None and line.gap < 2 * layout.pitch:
            kinds[i] = "equation"


def _extend_tables(lines: list[Line], kinds: list[str], layout: Layout) -> None:
    """Grow table rows into tables: short lines between rows and a header line just above."""
    rows = [i for i, k in enumerate(kinds) if k == "table"]
    for a, b in zip(rows, rows[1:], strict=False):
        between = range(a + 1, b)
        if 0 < b - a <= 4 and all(kinds[k] in ("body", "small") and not looks_like_prose(lines[k]) for k in between):
            for k in between:
                kinds[k] = "table"
    for i in range(1, len(lines)):
        if kinds[i] == "table" and kinds[i - 1] in ("body", "small") and _is_header_row(lines[i - 1], lines[i], layout):
            kinds[i - 1] = "table"
    for i, kind in enumerate(kinds):  # a lone numeric line inside prose is not a table
        after_row = i > 0 and kinds[i - 1] in ("table", "caption")
        before_row = i + 1 < len(kinds) and kinds[i + 1] == "table"
        if kind == "table" and not (after_row or before_row):
            kinds[i] = "body"


def _is_short(line: Line, layout: Layout) -> bool:
    return line.x1 - line.x0 < 0.5 * max(line.right - line.left, 10 * layout.size) and not line.text.endswith(".")


def _is_header_row(line: Line, below: Line, layout: Layout) -> bool:
    """A column-header line: short, close above the first row, not a sentence."""
    close = below.gap is not None and below.gap < 2.2 * layout.pitch and line.page == below.page
    return close and _is_short(line, layout) and not is_caption_start(line, layout)


def group_blocks(lines: list[Line], layout: Layout) -> list[Block]:
    """Group a section's lines into blocks in reading order.

    A paragraph interrupted by a float or a footnote (at a column or page break) is continued by the body
    line after it when that line does not open a new paragraph.
    """
    kinds = _classify(lines, layout)
    blocks: list[Block] = []
    paragraph: Block | None = None
    last_kind = ""
    for line, kind in zip(lines, kinds, strict=True):
        if kind != "body":
            if last_kind == kind and _continues_block(blocks[-1], line, layout):
                blocks[-1].lines.append(line)
            else:
                blocks.append(Block(kind, [line]))
            last_kind = kind
            continue
        if paragraph is not None and (
                (last_kind == "body" and not _starts_paragraph(paragraph.lines[-1], line, layout))
                or (last_kind != "body" and _resumes(paragraph, line, layout))):
            paragraph.lines.append(line)
        else:
            paragraph = Block("body", [line])
            blocks.append(paragraph)
        last_kind = "body"
    return blocks


def _continues_block(block: Block, line: Line, layout: Layout) -> bool:
    """Whether a non-body line extends the block before it rather than opening a new one."""
    prev = block.lines[-1]
    if block.kind == "caption":
        return not is_caption_start(line, layout)
    if block.kind == "footnote":
        return line.page == prev.page and not (FOOTNOTE_MARK.match(line.text) and ends_sentence(prev.text))
    if block.kind in ("table", "algorithm"):
        return line.page == prev.page
    if block.kind == "equation":
        return line.page == prev.page and (line.gap is None or line.gap < 3 * layout.pitch)
    if block.kind == "small":
        return abs(line.size - prev.size) < 0.3 and not _starts_paragraph(prev, line, layout)
    return line.page == prev.page


def _starts_paragraph(prev: Line, line: Line, layout: Layout) -> bool:
    """Whether ``line`` opens a new paragraph after ``prev`` (space above, indent, short last line, list)."""
    size = layout.size
    if _is_fragment(prev, line, layout):
        return False
    if line.gap is not None and line.gap > layout.pitch * 1.35 and line.page == prev.page:
        return True
    if len(line.text) <= 12 or (len(prev.text) <= 12 and not ends_sentence(prev.text)):
        return False  # pieces of inline math set on lines of their own
    if BULLET.match(line.text) and (line.x0 <= prev.x0 + 1 or ends_sentence(prev.text)):
        return True
    indented = 0.7 * size <= line.x0 - line.left <= 3 * size and prev.x0 - prev.left < 0.5 * size
    prev_short = prev.x1 < prev.right - 2.5 * size
    if indented and (prev_short or ends_sentence(prev.text)):
        return True
    return prev_short and ends_sentence(prev.text)


_DANGLING = re.compile(r"([,;-]|\b(and|or|of|the|a|an|to|in|with|for|by|on|as|from|that|which|is|are|was|were|"
                       r"between|than|such|using|via|at|into|we|our|its|their))$")


def _resumes(paragraph: Block, line: Line, layout: Layout) -> bool:
    """Whether a body line after a float or footnote continues the paragraph the float interrupted."""
    last = paragraph.lines[-1]
    if ends_sentence(last.text) or BULLET.match(line.text):
        return False
    indented = line.x0 - line.left >= 0.7 * layout.size
    unfinished = bool(_DANGLING.search(last.text))
    return not indented and (line.text[:1].islower() or unfinished or line.gap is None)
