"""The page layout for the PDF reader: the document's typography, page furniture and columns.

Holds :class:`Layout` (body font size and line pitch), the removal of page furniture (review-copy line numbers,
running heads and feet, page numbers) and the column analysis that puts two-column pages in reading order and
measures each line's column edges and gap.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from papercoder.paper.pdf_fonts import CM_TEXT_NAME
from papercoder.paper.pdf_spans import Line, Span

# ----------------------------------------------------------------------------------------------------------
# The page's typography


@dataclass
class Layout:
    """Measurements of the whole document: the body font and the line pitch."""

    size: float
    pitch: float
    cm_body: bool

    @classmethod
    def measure(cls, pages: list[list[Line]]) -> Layout:
        """Take the body size as the size of most characters, the pitch as the commonest line step."""
        sizes: Counter[float] = Counter()
        names: Counter[str] = Counter()
        for line in flat(pages):
            sizes[round(line.size * 2) / 2] += len(line.text)
            for s in line.spans:
                names[s.font.name] += len(s.text)
        size = sizes.most_common(1)[0][0] if sizes else 10.0
        steps: Counter[float] = Counter()
        for page in pages:
            for prev, line in zip(page, page[1:], strict=False):
                step = prev.y - line.y
                if abs(line.size - size) < 0.6 and abs(prev.size - size) < 0.6 and 0.9 * size < step < 2.2 * size:
                    steps[round(step * 2) / 2] += 1
        pitch = steps.most_common(1)[0][0] if steps else 1.2 * size
        body_font = names.most_common(1)[0][0] if names else ""
        return cls(size=size, pitch=pitch, cm_body=bool(CM_TEXT_NAME.match(body_font)))

    def is_math(self, span: Span) -> bool:
        """Whether a span is set in a math font (Computer Modern counts when the body is not CM)."""
        font = span.font
        return font.math or (font.cm_text and not self.cm_body and not font.mono)

    def math_share(self, line: Line) -> float:
        """Share of a line's visible characters set in math fonts."""
        total = math_chars = 0
        for s in line.spans:
            n = sum(1 for ch in s.text if not ch.isspace() and not ch.isdigit() and ch not in ".,")
            total += n
            math_chars += n if self.is_math(s) else 0
        return math_chars / total if total else 0.0


def flat(pages: list[list[Line]]) -> list[Line]:
    """All pages' lines in one list, page after page."""
    return [line for page in pages for line in page]


# ----------------------------------------------------------------------------------------------------------
# Page furniture: line numbers, running heads and feet, page numbers

_DIGITS = re.compile(r"^\d{1,4}$")
_LEADING_NUMBER = re.compile(r"^\s*\d{1,4}\s+")


def _text_block(lines: list[Line], layout: Layout) -> tuple[float, float] | None:
    """Left and right edges of the text block, from the words (not bare numbers) of the body lines."""
    starts: list[float] = []
    ends: list[float] = []
    for line in lines:
        words = [s for s in line.spans if s.text.strip() and not _DIGITS.match(s.text.strip())]
        if abs(line.size - layout.size) < 0.6 and len(line.text) >= 25 and words:
            starts.append(min(s.x for s in words))
            ends.append(max(s.x + s.width for s in words))
    if len(starts) < 5:
        return None
    starts.sort()
    ends.sort()
    return starts[len(starts) // 20], ends[len(ends) * 19 // 20]


def drop_margin_numbers(pages: list[list[Line]], layout: Layout) -> None:
    """Remove review-copy line numbers: runs of bare numbers set outside the text block."""
    block = _text_block(flat(pages), layout)
    if block is None:
        return
    left, right = block
    for page in pages:
        outside = [(ln, s) for ln in page for s in ln.spans
                   if _DIGITS.match(s.text.strip()) and (s.x + s.width < left - 2 or s.x > right + 2)]
        stuck = [ln for ln in page if ln.spans and ln.spans[0].x < left - 2 and len(ln.text) > 8
                 and _LEADING_NUMBER.match(ln.spans[0].text) and not _DIGITS.match(ln.spans[0].text.strip())]
        if len(outside) + len(stuck) < 5:
            continue
        for line, span in outside:
            line.spans = [s for s in line.spans if s is not span]
        for line in stuck:
            first = line.spans[0]
            line.spans[0] = first._replace(text=_LEADING_NUMBER.sub("", first.text, count=1), x=left)
        page[:] = [ln.measure() for ln in page if any(s.text.strip() for s in ln.spans)]


_PAGE_NUMBER = re.compile(r"^(page\s*)?(#+|[ivxlc]+)(\s*(of|/)\s*#+)?$", re.IGNORECASE)


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _edge_lines(page: list[Line], count: int = 2) -> list[Line]:
    """The top and bottom ``count`` lines of a page by position."""
    ordered = sorted(page, key=lambda ln: -ln.y)
    return ordered[:count] + ordered[-count:] if len(ordered) > 2 * count else ordered


def drop_running_lines(pages: list[list[Line]], layout: Layout) -> None:
    """Remove page numbers and lines repeated at the same height at the top or bottom of many pages.

    Lines set larger than the body text (a heading that happens to open several pages) are kept.
    """
    seen: dict[str, list[Line]] = {}
    for page in pages:
        for line in {id(ln): ln for ln in _edge_lines(page)}.values():
            if line.size <= layout.size * 1.05:
                seen.setdefault(_furniture_key(line.text), []).append(line)
    threshold = max(2, math.ceil(0.25 * len(pages)))
    doomed: set[int] = set()
    for key, group in seen.items():
        if _PAGE_NUMBER.match(key):
            doomed.update(id(ln) for ln in group)
            continue
        if len({ln.page for ln in group}) < threshold:
            continue
        ys = sorted(ln.y for ln in group)
        median = ys[len(ys) // 2]
        doomed.update(id(ln) for ln in group if abs(ln.y - median) <= 4)
    for page in pages:
        page[:] = [ln for ln in page if id(ln) not in doomed]


# ----------------------------------------------------------------------------------------------------------
# Columns and reading order


def _column_split(page: list[Line], layout: Layout, width: float) -> float | None:
    """The x where the right column starts, or None for a single-column page."""
    mid = width / 2
    body = [ln for ln in page if abs(ln.size - layout.size) < 0.6 and len(ln.text) >= 20]
    right = [ln.x0 for ln in body if ln.x0 >= mid - 0.08 * width]
    left = [ln for ln in body if ln.x1 <= mid + 0.05 * width and ln.x0 < mid - 0.08 * width]
    if len(right) < 4 or len(left) < 4:
        return None
    return min(right)


def order_columns(page: list[Line], layout: Layout, width: float) -> None:
    """Assign columns and put a two-column page in reading order.

    Lines across both columns cut the page into bands; inside a band the left column is read before the
    right one, each in content-stream order (which is already right for most LaTeX output).
    """
    split = _column_split(page, layout, width)
    if split is None:
        for line in page:
            line.col = 0
        return
    page[:] = [part for line in page for part in _split_at_gutter(line, split)]
    _assign_columns(page, split, 0.1 * width)
    spanning = sorted((ln.y for ln in page if ln.col == 0), reverse=True)

    def key(item: tuple[int, Line]) -> tuple[int, int, int]:
        index, line = item
        above = sum(1 for y in spanning if y > line.y + 0.5)
        return (2 * above, 0, index) if line.col == 0 else (2 * above - 1, line.col, index)

    page[:] = [line for _, line in sorted(enumerate(page), key=key)]


def _assign_columns(page: list[Line], split: float, reach: float) -> None:
    """Column of each line: 1 left, 2 right, 0 across both (and what hangs right under such a line)."""
    previous: Line | None = None
    for line in page:
        if line.x0 >= split - 2:
            line.col = 2
        elif line.x0 >= split - reach:
            line.col = 2 if line.x1 > split + reach else 1
        else:
            line.col = 1 if line.x1 <= split + reach else 0
        if line.col and previous is not None and previous.col == 0 \
                and 0 < previous.y - line.y < 1.5 * max(previous.size, line.size):
            line.col = 0  # the short last line of a full-width caption, a table cell under a wide row
        previous = line


def _split_at_gutter(line: Line, split: float) -> list[Line]:
    """Cut a line that pypdf joined across the gutter (two columns with a common baseline) in two."""
    if line.x0 >= split - 2 or line.x1 <= split + line.size:
        return [line]
    left = [s for s in line.spans if s.x < split - 2]
    right = [s for s in line.spans if s.x >= split - 2]
    inked_left = [s for s in left if s.text.strip()]
    if not inked_left or not any(s.text.strip() for s in right):
        return [line]
    first_right = next(s for s in right if s.text.strip())
    if max(s.x + s.width for s in inked_left) > split - 0.5 * line.size or abs(first_right.x - split) > 3:
        return [line]  # text running across the gutter (a wide caption or table row), not two columns
    return [Line(page=line.page, spans=left).measure(), Line(page=line.page, spans=right).measure()]


def measure_columns(pages: list[list[Line]], layout: Layout) -> None:
    """Set each line's column edges and its vertical gap from the previous line of its column."""
    for page in pages:
        edges = {col: _column_edges([ln for ln in page if ln.col == col], layout) for col in {ln.col for ln in page}}
        if 1 in edges and 2 in edges:
            edges[0] = (edges[1][0], edges[2][1])
        previous: dict[int, Line] = {}
        for line in page:
            line.left, line.right = edges[line.col]
            prev = previous.get(line.col)
            line.gap = prev.y - line.y if prev is not None and prev.y > line.y else None
            previous[line.col] = line


def _column_edges(lines: list[Line], layout: Layout) -> tuple[float, float]:
    """A column's left edge (commonest start of body lines) and right edge (their usual end)."""
    body = [ln for ln in lines if abs(ln.size - layout.size) < 0.6 and len(ln.text) >= 20] or lines
    starts = Counter(round(ln.x0) for ln in body)
    recurring = [x for x, n in starts.items() if n >= 2 or n == len(body)]
    left = float(min(recurring or starts))
    ends = sorted(ln.x1 for ln in body)
    return left, ends[len(ends) * 9 // 10]
