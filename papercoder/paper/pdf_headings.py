"""Headings for the PDF reader: finding them in the line sequence and giving them levels.

Holds :class:`Heading`, the numbering parser ("3.1 Title", "A.2. Title", "Appendix B: Title"), the test of a
line (and its wrapped continuation) as a heading by type size, boldness and spacing, the levels from numbering
depth and size, and the patterns naming the bibliography, appendix and checklist headings.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from papercoder.paper.pdf_layout import Layout
from papercoder.paper.pdf_line_types import is_caption_start, is_table_row
from papercoder.paper.pdf_spans import Line

_NUMBERED = re.compile(
    r"^(?:(appendix|section)\s+)?((?:\d{1,2}|[A-Z]|[IVX]{2,5})(?:\.\d{1,2}){0,3})(\.|:)?\s+(\S.*)$", re.IGNORECASE)
_ROMAN = re.compile(r"^[IVX]{1,5}$")
_KNOWN = re.compile(
    r"^(abstract|references|bibliography|literature cited|acknowledge?ments?|appendix|appendices|"
    r"supplementary material|limitations|broader impacts?|impact statements?|ethics statement|"
    r"reproducibility statement|conclusions?|introduction|related work)$",
    re.IGNORECASE,
)
BIB = re.compile(r"^(\d+\.?\s*)?(references|bibliography|literature cited|references and notes)$", re.IGNORECASE)
APPENDIX = re.compile(r"^(appendix|appendices|supplementary material|supplemental material)\b", re.IGNORECASE)
CHECKLIST = re.compile(r"checklist", re.IGNORECASE)


@dataclass
class Heading:
    """A heading found in the line sequence."""

    start: int
    end: int
    text: str
    size: float
    bold: bool
    number: str = ""
    level: int = 1


def numbering(text: str) -> tuple[str, str] | None:
    """Split "3.1 Title" / "A.2. Title" / "Appendix B: Title" into number and title."""
    match = _NUMBERED.match(text)
    if not match:
        return None
    number, title = match.group(2), match.group(4)
    if match.group(3) == ":" and not match.group(1):
        return None  # "1: repeat" is an algorithm step
    if not title[:1].isalpha() or (title[:1].islower() and len(number) == 1 and number.isalpha()):
        return None
    if number[0].isalpha() and not (number.isupper() or match.group(1)):
        return None
    if len(number) > 1 and _ROMAN.match(number) and not (title.isupper() and match.group(3) == "."):
        return None  # roman numbers only number capitalised sections ("II. RELATED WORK")
    if len(number) == 1 and number.isalpha() and not (match.group(1) or match.group(3)):
        return None  # "A Simple Baseline", "X Desktop Group": a bare capital is a word, not a number
    return number, title


def heading_name(heading: Heading) -> str:
    """A heading's title without its number ("3.1 Setup" -> "Setup")."""
    return re.sub(r"^[\dA-Z](\.\d+)*\.?\s+|^\d+(\.\d+)*\.?\s*", "", heading.text).strip().rstrip(":.")


def roman_section(heading: Heading) -> bool:
    """Whether a heading is numbered in roman numerals and set in capitals ("II. RELATED WORK")."""
    return bool(_ROMAN.match(heading.number)) and heading_name(heading).isupper()


def heading_at(lines: list[Line], i: int, layout: Layout) -> Heading | None:
    """A heading starting at line ``i`` (possibly wrapped over the next lines), judged by type first."""
    line = lines[i]
    text = line.text
    if not text or len(text) > 160 or not re.search(r"[A-Za-z]{2}", text):
        return None
    large = line.size >= layout.size * 1.12
    bold = line.bold >= 0.8
    known = bool(_KNOWN.match(text.rstrip(":."))) and (bold or large or text.isupper())
    number = numbering(text)
    capitals = bool(number) and number[1].isupper() and len(number[1]) >= 3  # "II. RELATED WORK"
    if not (large or (bold and line.size >= layout.size - 0.6) or known or capitals):
        return None
    if is_caption_start(line, layout) or (is_table_row(line) and not number) or text.endswith((",", ";")):
        return None
    if number and not large and line.gap is not None and line.gap < layout.pitch * 1.15:
        return None  # numbered lines in running layout: lists, algorithm steps
    if not (number or known or _stands_apart(lines, i, layout)):
        return None
    if not large and not known and _run_in(line, bool(number)):
        return None
    end = _heading_end(lines, i, layout)
    if not number and not large and not known and _leads_into_text(lines, end, layout):
        return None
    full = " ".join(ln.text for ln in lines[i:end + 1])
    if len(full.split()) > 18:
        return None
    return Heading(start=i, end=end, text=full, size=line.size, bold=bold, number=number[0] if number else "")


def _run_in(line: Line, numbered: bool) -> bool:
    """A bold paragraph lead-in ("Training details. We ...") rather than a heading of its own."""
    inked = [s for s in line.spans if s.text.strip()]
    mixed = any(s.font.bold for s in inked) and not inked[-1].font.bold
    if mixed and re.search(r"[A-Za-z]{2}", inked[-1].text):
        return True
    return not numbered and bool(re.search(r"[.!?]$|[.:!?]\s+[A-Z]?[a-z]", line.text))


def _leads_into_text(lines: list[Line], end: int, layout: Layout) -> bool:
    """A bold line whose bold words go on into the next line's text: a wrapped run-in heading."""
    if end + 1 >= len(lines):
        return False
    nxt = lines[end + 1]
    inked = [s for s in nxt.spans if s.text.strip()]
    close = nxt.gap is not None and nxt.gap < 1.6 * layout.size
    return close and bool(inked) and inked[0].font.bold and nxt.bold < 0.8


def _stands_apart(lines: list[Line], i: int, layout: Layout) -> bool:
    """An unnumbered heading: at the column's edge, space above, not followed by a table row."""
    line = lines[i]
    if line.x0 > line.left + 2 and line.col != 0:
        return False
    if line.col == 0 and line.x0 > line.left + 2 and line.size < layout.size * 1.12:
        return False
    if line.gap is not None and line.gap < layout.pitch * 1.3:
        return False
    following = lines[i + 1] if i + 1 < len(lines) else None
    return following is None or not is_table_row(following)


def _heading_end(lines: list[Line], i: int, layout: Layout) -> int:
    """Index of the last line of a heading that wraps onto following lines of the same type."""
    end = i
    while end + 1 < len(lines) and end - i < 2:
        line, nxt = lines[end], lines[end + 1]
        same = abs(nxt.size - line.size) < 0.3 and (nxt.bold >= 0.8) == (line.bold >= 0.8)
        close = nxt.gap is not None and nxt.gap < 1.6 * line.size and nxt.page == line.page
        if not (same and close) or numbering(nxt.text) or nxt.x0 < line.x0 - 2 or is_caption_start(nxt, layout):
            break
        if line.size < layout.size * 1.12 and line.x1 < line.right - 4 * layout.size:
            break  # a short body-size heading line does not wrap
        end += 1
    return end


def find_headings(lines: list[Line], layout: Layout) -> list[Heading]:
    """All headings in reading order, with levels from numbering depth and type size."""
    found: list[Heading] = []
    i = 0
    while i < len(lines):
        heading = heading_at(lines, i, layout)
        if heading is None:
            i += 1
            continue
        found.append(heading)
        i = heading.end + 1
    _assign_levels(found, layout)
    return found


def _depth(heading: Heading) -> int:
    """Numbering depth: 1 for "3", "B" and "IV", 2 for "3.1", 3 for "3.1.2"."""
    return heading.number.count(".") + 1


def _top_level_size(headings: list[Heading], layout: Layout) -> float:
    """The type size of section headings: the largest size used by two numbered sections (or headings)."""
    for pool in ([h for h in headings if h.number and "." not in h.number], headings):
        sizes = Counter(round(h.size * 2) / 2 for h in pool)
        recurring = [size for size, n in sizes.items() if n >= 2]
        if recurring:
            return max(recurring)
    return max((h.size for h in headings), default=layout.size * 1.2)


def _assign_levels(headings: list[Heading], layout: Layout) -> None:
    """Level = numbering depth, at least 2 when set smaller than the top-level headings."""
    top = _top_level_size(headings, layout)
    styles: dict[tuple[float, bool], Counter[int]] = {}
    for h in headings:
        if h.number:
            styles.setdefault((round(h.size * 2) / 2, h.bold), Counter())[_depth(h)] += 1
    numbered_level = 0
    for h in headings:
        by_size = 1 if h.size >= top - 0.5 else 2
        if h.number:
            h.level = numbered_level = min(3, max(_depth(h), by_size))
            continue
        style = styles.get((round(h.size * 2) / 2, h.bold))
        h.level = max(by_size, style.most_common(1)[0][0]) if style else by_size
        if h.size < layout.size * 1.12 and numbered_level >= h.level:
            h.level = min(3, numbered_level + 1)  # an unnumbered run of body-size headings inside a subsection
