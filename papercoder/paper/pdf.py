"""A structure-aware PDF reader built on pypdf's text layer (fonts and positions, pure Python).

One ``extract_text`` pass per page reports every text chunk with its matrix and font. The reader turns
the chunks into lines that carry a position, a font size and a weight, removes page furniture (running
heads and feet, page numbers, line numbers in the margin of review copies, text inside embedded figures),
checks the reading order of two-column pages, and rebuilds the paper: the title (largest type on page 1),
the abstract, headings found by size and boldness against the body font (numbering as support), paragraphs
with end-of-line hyphenation repaired, captions, display equations, tables, the bibliography, the appendix
and a trailing venue checklist.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

from papercoder.paper.errors import PaperReadError
from papercoder.paper.model import Paper, Section

__all__ = ["read_pdf"]

# ----------------------------------------------------------------------------------------------------------
# Fonts

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|medi|-bd\b|cmbx|cmmib|cmbsy|bx\d", re.IGNORECASE)
_MATH_NAME = re.compile(
    r"^(cmmi|cmsy|cmex|cmbsy|msbm|msam|eufm|eusm|eurm|rsfs|stmary|wasy|txmi|txsy|txex|pxmi|pxsy|pxex|ntxmi|"
    r"ntxsy|zxmi|mtmi|mtsy|mtex|lmmi|lmsy|lmex|esint|bbm|dsrom)|math|^symbol",
    re.IGNORECASE,
)
_CM_TEXT_NAME = re.compile(r"^(cmr|cmbx|cmb\d|cmti|cmsl|cmss|cmcsc|lmroman|sfrm|sfbx|sfti)", re.IGNORECASE)
_MONO_NAME = re.compile(r"mono|courier|cmtt|sftt|lmtt|consol|inconsolata|typewriter", re.IGNORECASE)


@dataclass(frozen=True)
class _Font:
    """What the reader needs to know about one font resource."""

    name: str
    bold: bool
    math: bool
    cm_text: bool
    mono: bool
    widths: dict[int, float] = field(default_factory=dict)
    default_width: float = 0.5

    def width(self, text: str, size: float) -> float:
        """Width of ``text`` set at ``size`` points, from the font's /Widths where known."""
        return sum(map(self.widths.get, map(ord, text), repeat(self.default_width, len(text)))) * size


_UNKNOWN_FONT = _Font(name="", bold=False, math=False, cm_text=False, mono=False)


def _font_from_resource(resource: Any) -> _Font:
    """Build a :class:`_Font` from a pypdf font dictionary (a damaged one only loses its metrics)."""
    if resource is None:
        return _UNKNOWN_FONT
    name = str(resource.get("/BaseFont", "")).lstrip("/").split("+")[-1]
    widths = _font_widths(resource)
    values = [w for w in widths.values() if w > 0]
    return _Font(name=name, bold=bool(_BOLD_NAME.search(name)) or _declared_bold(resource),
                 math=bool(_MATH_NAME.search(name)), cm_text=bool(_CM_TEXT_NAME.match(name)),
                 mono=bool(_MONO_NAME.search(name)), widths=widths,
                 default_width=sum(values) / len(values) if values else 0.5)


def _font_widths(resource: Any) -> dict[int, float]:
    """Glyph widths of a simple font in em units, keyed by character code (empty when unknown)."""
    try:
        raw = resource.get("/Widths")
        first = int(resource.get("/FirstChar", 0) or 0)
        return {first + i: float(w) / 1000.0 for i, w in enumerate(raw.get_object())} if raw is not None else {}
    except (TypeError, ValueError, AttributeError):
        return {}


def _declared_bold(resource: Any) -> bool:
    """Boldness declared in the font descriptor (weight 600+ or the ForceBold flag)."""
    try:
        descriptor = resource.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        weight = float(descriptor.get("/FontWeight", 0) or 0)
        flags = int(descriptor.get("/Flags", 0) or 0)
    except (TypeError, ValueError, AttributeError):
        return False
    return weight >= 600 or bool(flags & (1 << 18))


# ----------------------------------------------------------------------------------------------------------
# Text clean-up

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ODD_SPACE = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


_SPACING_ACCENTS = {"\u00b4": "\u0301", "\u00a8": "\u0308", "\u02dc": "\u0303", "\u02c6": "\u0302",
                    "\u00af": "\u0304", "\u02c7": "\u030c", "\u02d8": "\u0306", "\u02da": "\u030a",
                    "\u00b8": "\u0327"}
_LOOSE_ACCENT = re.compile("([" + "".join(_SPACING_ACCENTS) + "])([A-Za-z])")


def _attach_accent(match: re.Match[str]) -> str:
    """Put a LaTeX accent typeset as its own glyph ("F´evry") back on its letter when they compose."""
    composed = unicodedata.normalize("NFC", match.group(2) + _SPACING_ACCENTS[match.group(1)])
    return composed if len(composed) == 1 else match.group(0)


def _clean(text: str) -> str:
    """NFKC-normalise a chunk: ligatures, odd spaces, zero-width and control characters.

    A soft hyphen that ends the chunk marks a line-end hyphenation and becomes ``-``; others are dropped.
    Spacing accents are kept as they are (NFKC would turn them into a space and a combining mark).
    """
    if "\u00ad" in text:
        text = re.sub("\u00ad(?=\n?$)", "-", text)
    text = _LOOSE_ACCENT.sub(_attach_accent, text)
    text = "".join(ch if ch in _SPACING_ACCENTS else unicodedata.normalize("NFKC", ch) for ch in text) \
        if any(ch in _SPACING_ACCENTS for ch in text) else unicodedata.normalize("NFKC", text)
    return _ODD_SPACE.sub(" ", _CONTROL.sub("", text.translate(_ZERO_WIDTH)))


# ----------------------------------------------------------------------------------------------------------
# Spans and lines


class _Span(NamedTuple):
    """A run of text in one font at one position (user space, points)."""

    text: str
    x: float
    y: float
    size: float
    width: float
    font: _Font
    upright: bool


@dataclass
class _Line:
    """A line of text as pypdf broke it, with its geometry and type."""

    page: int
    spans: list[_Span]
    text: str = ""
    x0: float = 0.0
    x1: float = 0.0
    y: float = 0.0
    size: float = 0.0
    bold: float = 0.0
    col: int = 0
    """0 for a single-column page or a line across both columns, 1 left column, 2 right column."""
    gap: float | None = None
    """Vertical distance from the previous line of the same column (None at a column's top)."""
    left: float = 0.0
    right: float = 0.0

    def measure(self) -> _Line:
        """Compute text and geometry from the spans."""
        self.text = re.sub(r"\s+", " ", "".join(s.text for s in self.spans)).strip()
        inked = [s for s in self.spans if s.text.strip()] or self.spans
        chars: Counter[float] = Counter()
        bold = letters = 0
        for s in inked:
            chars[round(s.size, 1)] += len(s.text.strip())
            n = sum(ch.isalpha() for ch in s.text)
            letters += n
            bold += n if s.font.bold else 0
        self.size = chars.most_common(1)[0][0] if chars else 0.0
        self.bold = bold / letters if letters else 0.0
        self.x0 = min(s.x for s in inked)
        self.x1 = max(s.x + s.width for s in inked)
        self.y = max(inked, key=lambda s: len(s.text)).y
        return self


def _page_spans(page: Any, fonts: dict[int, tuple[Any, _Font]]) -> list[_Span]:
    """Run one pypdf ``extract_text`` pass over a page and collect its text chunks as spans.

    Embedded figures (form XObjects) are hidden from the extractor: their labels and tick numbers are not
    the paper's text, and pypdf would parse every drawing operator of them for a visitor. A page whose own
    content shows almost no text (some producers wrap the whole page in a form) is read with its forms.
    """
    spans: list[_Span] = []

    def visit(text: str, cm: list[float], tm: list[float], resource: Any, size: float) -> None:
        if not text:
            return
        a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
        c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
        x, y = tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        known = fonts.get(id(resource))
        if known is None or known[0] is not resource:
            known = fonts[id(resource)] = (resource, _font_from_resource(resource))
        font = known[1]
        eff = abs(size) * math.hypot(c, d)
        upright = a > 0 and d > 0 and abs(b) <= 0.05 * a and abs(c) <= 0.05 * d
        spans.append(_Span(text, x, y, eff, font.width(text, eff), font, upright))

    hide = _shows_text(page)
    with _forms_hidden(page, hide):
        page.extract_text(visitor_text=visit)
    if hide and sum(len(s.text) for s in spans) < 400 and _letter_count(spans) < 100 and _forms_show_text(page):
        spans.clear()
        page.extract_text(visitor_text=visit)
    return spans


_TEXT_OPERATOR = re.compile(rb"(\)|\]|>)\s*(Tj|TJ|'|\")")


def _content_bytes(page: Any) -> bytes:
    contents = page.get("/Contents")
    if contents is None:
        return b""
    contents = contents.get_object()
    parts = contents if isinstance(contents, list) else [contents]
    return b"".join(part.get_object().get_data() for part in parts)


def _shows_text(page: Any) -> bool:
    """Whether the page's own content stream shows any text."""
    return _TEXT_OPERATOR.search(_content_bytes(page)) is not None


def _forms_show_text(page: Any) -> bool:
    """Whether a form XObject of the page shows text (checked only for pages with little text of their own)."""
    resources = page.get_inherited("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    for xobject in (xobjects.get_object().values() if xobjects is not None else []):
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form" and _TEXT_OPERATOR.search(xobject.get_data()):
            return True
    return False


@contextmanager
def _forms_hidden(page: Any, hide: bool) -> Iterator[None]:
    """Stand an image in for every form XObject of the page while it is read (when ``hide`` is true)."""
    from pypdf.generic import DictionaryObject, NameObject

    resources = page.get_inherited("/Resources") if hide else None
    resources = resources.get_object() if resources is not None else None
    xobjects = resources.get("/XObject") if isinstance(resources, DictionaryObject) else None
    if xobjects is None:
        yield
        return
    image = DictionaryObject({NameObject("/Subtype"): NameObject("/Image")})
    shown = DictionaryObject(resources)
    shown[NameObject("/XObject")] = DictionaryObject({name: image for name in xobjects.get_object()})
    saved = page.get("/Resources")  # None when the page inherits its resources
    page[NameObject("/Resources")] = shown
    try:
        yield
    finally:
        if saved is None:
            del page["/Resources"]
        else:
            page[NameObject("/Resources")] = saved


_LETTER = re.compile(r"[^\W\d_]")


def _letter_count(spans: Iterable[_Span]) -> int:
    return sum(len(_LETTER.findall(s.text)) for s in spans)


def _page_lines(spans: list[_Span], page_no: int) -> list[_Line]:
    """Cut a page's spans into lines at pypdf's line breaks; drop rotated text (margin stamps)."""
    upright = spans
    if not all(s.upright for s in spans):
        upright = [s for s in spans if s.upright or s.text == "\n"]
        if _letter_count(upright) * 2 < _letter_count(spans):
            upright = spans  # a landscape page: keep its text
    lines: list[_Line] = []
    current: list[_Span] = []

    def flush() -> None:
        if any(s.text.strip() for s in current):
            lines.append(_Line(page=page_no, spans=list(current)).measure())
        current.clear()

    for span in upright:
        text = _clean(span.text)
        if "\n" not in text:
            current.append(span._replace(text=text))
            continue
        parts = text.split("\n")
        for k, part in enumerate(parts):
            if part:
                share = len(part) / max(1, len(text))
                current.append(span._replace(text=part, width=span.width * share))
            if k < len(parts) - 1:
                flush()
    flush()
    return lines


# ----------------------------------------------------------------------------------------------------------
# Opening the file


def _open(path: Path) -> list[Any]:
    """Open ``path`` with pypdf (decrypting with the empty password when needed) and return its pages.

    Raises:
        PaperReadError: For a missing, corrupt or password-protected file.

    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    if path.is_dir():
        raise PaperReadError(f"{path}: is a folder, not a PDF file")
    if not path.is_file():
        raise PaperReadError(f"{path}: no such file")
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PaperReadError(f"{path}: the PDF is encrypted with a password; give an unprotected copy")
        pages = list(reader.pages)
        if not pages:
            raise PaperReadError(f"{path}: the PDF has no pages")
    except PaperReadError:
        raise
    except DependencyError as exc:
        raise PaperReadError(f"{path}: encrypted PDF that pypdf cannot decrypt here ({_one_line(exc)})") from exc
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise PaperReadError(f"{path}: corrupt or unreadable PDF ({_one_line(exc)})") from exc
    return pages


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _read_lines(pdf_pages: list[Any], path: Path, warnings: list[str]) -> list[list[_Line]]:
    """All pages' lines; a page pypdf cannot parse is skipped with a warning."""
    fonts: dict[int, tuple[Any, _Font]] = {}  # by id of the font dictionary, kept alive with it
    pages: list[list[_Line]] = []
    failures: list[str] = []
    for number, page in enumerate(pdf_pages):
        try:
            pages.append(_page_lines(_page_spans(page, fonts), number))
        except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on damaged content
            failures.append(f"page {number + 1}: {_one_line(exc)}")
            pages.append([])
    if failures and len(failures) == len(pages):
        raise PaperReadError(f"{path}: corrupt or unreadable PDF ({failures[0]})")
    warnings.extend(f"text of {f} could not be read" for f in failures)
    return pages


# ----------------------------------------------------------------------------------------------------------
# The page's typography


@dataclass
class _Layout:
    """Measurements of the whole document: the body font and the line pitch."""

    size: float
    pitch: float
    cm_body: bool

    @classmethod
    def measure(cls, pages: list[list[_Line]]) -> _Layout:
        """Take the body size as the size of most characters, the pitch as the commonest line step."""
        sizes: Counter[float] = Counter()
        names: Counter[str] = Counter()
        for line in _flat(pages):
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
        return cls(size=size, pitch=pitch, cm_body=bool(_CM_TEXT_NAME.match(body_font)))

    def is_math(self, span: _Span) -> bool:
        """Whether a span is set in a math font (Computer Modern counts when the body is not CM)."""
        font = span.font
        return font.math or (font.cm_text and not self.cm_body and not font.mono)

    def math_share(self, line: _Line) -> float:
        """Share of a line's visible characters set in math fonts."""
        total = math_chars = 0
        for s in line.spans:
            n = sum(1 for ch in s.text if not ch.isspace() and not ch.isdigit() and ch not in ".,")
            total += n
            math_chars += n if self.is_math(s) else 0
        return math_chars / total if total else 0.0


def _flat(pages: list[list[_Line]]) -> list[_Line]:
    return [line for page in pages for line in page]


# ----------------------------------------------------------------------------------------------------------
# Page furniture: line numbers, running heads and feet, page numbers

_DIGITS = re.compile(r"^\d{1,4}$")
_LEADING_NUMBER = re.compile(r"^\s*\d{1,4}\s+")


def _text_block(lines: list[_Line], layout: _Layout) -> tuple[float, float] | None:
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


def _drop_margin_numbers(pages: list[list[_Line]], layout: _Layout) -> None:
    """Remove review-copy line numbers: runs of bare numbers set outside the text block."""
    block = _text_block(_flat(pages), layout)
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


def _edge_lines(page: list[_Line], count: int = 2) -> list[_Line]:
    """The top and bottom ``count`` lines of a page by position."""
    ordered = sorted(page, key=lambda ln: -ln.y)
    return ordered[:count] + ordered[-count:] if len(ordered) > 2 * count else ordered


def _drop_running_lines(pages: list[list[_Line]], layout: _Layout) -> None:
    """Remove page numbers and lines repeated at the same height at the top or bottom of many pages.

    Lines set larger than the body text (a heading that happens to open several pages) are kept.
    """
    seen: dict[str, list[_Line]] = {}
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


def _column_split(page: list[_Line], layout: _Layout, width: float) -> float | None:
    """The x where the right column starts, or None for a single-column page."""
    mid = width / 2
    body = [ln for ln in page if abs(ln.size - layout.size) < 0.6 and len(ln.text) >= 20]
    right = [ln.x0 for ln in body if ln.x0 >= mid - 0.08 * width]
    left = [ln for ln in body if ln.x1 <= mid + 0.05 * width and ln.x0 < mid - 0.08 * width]
    if len(right) < 4 or len(left) < 4:
        return None
    return min(right)


def _order_columns(page: list[_Line], layout: _Layout, width: float) -> None:
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

    def key(item: tuple[int, _Line]) -> tuple[int, int, int]:
        index, line = item
        above = sum(1 for y in spanning if y > line.y + 0.5)
        return (2 * above, 0, index) if line.col == 0 else (2 * above - 1, line.col, index)

    page[:] = [line for _, line in sorted(enumerate(page), key=key)]


def _assign_columns(page: list[_Line], split: float, reach: float) -> None:
    """Column of each line: 1 left, 2 right, 0 across both (and what hangs right under such a line)."""
    previous: _Line | None = None
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


def _split_at_gutter(line: _Line, split: float) -> list[_Line]:
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
    return [_Line(page=line.page, spans=left).measure(), _Line(page=line.page, spans=right).measure()]


def _measure_columns(pages: list[list[_Line]], layout: _Layout) -> None:
    """Set each line's column edges and its vertical gap from the previous line of its column."""
    for page in pages:
        edges = {col: _column_edges([ln for ln in page if ln.col == col], layout) for col in {ln.col for ln in page}}
        if 1 in edges and 2 in edges:
            edges[0] = (edges[1][0], edges[2][1])
        previous: dict[int, _Line] = {}
        for line in page:
            line.left, line.right = edges[line.col]
            prev = previous.get(line.col)
            line.gap = prev.y - line.y if prev is not None and prev.y > line.y else None
            previous[line.col] = line


def _column_edges(lines: list[_Line], layout: _Layout) -> tuple[float, float]:
    """A column's left edge (commonest start of body lines) and right edge (their usual end)."""
    body = [ln for ln in lines if abs(ln.size - layout.size) < 0.6 and len(ln.text) >= 20] or lines
    starts = Counter(round(ln.x0) for ln in body)
    recurring = [x for x, n in starts.items() if n >= 2 or n == len(body)]
    left = float(min(recurring or starts))
    ends = sorted(ln.x1 for ln in body)
    return left, ends[len(ends) * 9 // 10]


# ----------------------------------------------------------------------------------------------------------
# Line types

_CAPTION = re.compile(r"^(figure|fig\.|table|tab\.|algorithm|listing)\s*(\d+|[A-Z]\.?\d+|[IVX]+)\s*([.:|]|\s)",
                      re.IGNORECASE)
_NUMERIC_TOKEN = re.compile(r"^[-+−±~≈<>(\[]*\d[\d.,]*%?[)\]*†‡]*$|^[-–—✓✗×/]$|^n/?a$", re.IGNORECASE)
_MATH_CHARS = set("=+−±×÷·∑∏∫√∞∂∇∈∉⊂⊆∪∩≤≥≠≈∼≡→←↔⇒⇔∀∃∧∨¬|^_⊤⊥⟨⟩∥")
_BULLET = re.compile(r"^([•◦▪‣●○■□–-]\s|\(?[a-z0-9]{1,2}\)\s|\d{1,2}\.\s)")
_FOOTNOTE_MARK = re.compile(r"^[\d*†‡§¶∗⋆]")


def _is_caption_start(line: _Line, layout: _Layout) -> bool:
    """A line that opens a figure/table/algorithm caption ("Figure 3: ...", "Table 2. ...")."""
    match = _CAPTION.match(line.text)
    if not match or not line.text[0].isupper():
        return False
    label_bold = bool(line.spans) and line.spans[0].font.bold
    return match.group(3) in ".:|" or label_bold or line.size < layout.size - 0.4 or line.text.startswith("Algorithm")


def _is_table_row(line: _Line) -> bool:
    """A line of mostly numeric cells."""
    tokens = line.text.split()
    numeric = sum(1 for t in tokens if _NUMERIC_TOKEN.match(t))
    return len(tokens) >= 2 and numeric >= 2 and numeric >= 0.45 * len(tokens)


def _is_equation(line: _Line, layout: _Layout) -> bool:
    """A display-math line: mostly math type or symbols, set off from the margin or numbered."""
    text = line.text
    if re.fullmatch(r"\(\d{1,3}[a-z]?\)", text):
        return True
    share = layout.math_share(line)
    words = re.findall(r"[A-Za-z]{4,}", text)
    prose = sum(1 for s in line.spans for w in re.findall(r"[A-Za-z]{3,}", s.text) if not layout.is_math(s))
    symbols = sum(1 for ch in text if ch in _MATH_CHARS or "\u0370" <= ch <= "\u03ff")
    numbered = bool(re.search(r"\(\d{1,3}[a-z]?\)$", text))
    indented = line.x0 - line.left >= 1.2 * layout.size
    if share >= 0.6 and prose <= 1:
        return indented or numbered or line.x1 < line.right - 3 * layout.size
    single = len(re.findall(r"\b\w\b", text))
    symbolic = symbols >= 2 and len(words) <= 1 and symbols + single >= 0.4 * len(text.split())
    return symbolic and (indented or numbered) and len(text) < 120


def _looks_like_prose(line: _Line) -> bool:
    """Running words rather than cells: mostly lower-case words, or a sentence without numbers."""
    tokens = [t.strip(".,;:()[]") for t in line.text.split()]
    tokens = [t for t in tokens if t]
    if not tokens:
        return False
    words = sum(1 for t in tokens if re.fullmatch(r"[a-z][a-z'’-]{2,}", t))
    numeric = sum(1 for t in line.text.split() if _NUMERIC_TOKEN.match(t))
    return words >= 0.55 * len(tokens) or (_ends_sentence(line.text) and numeric == 0 and len(tokens) >= 3)


def _is_small(line: _Line, layout: _Layout) -> bool:
    return line.size < layout.size - 0.6


# ----------------------------------------------------------------------------------------------------------
# Headings

_NUMBERED = re.compile(
    r"^(?:(appendix|section)\s+)?((?:\d{1,2}|[A-Z]|[IVX]{2,5})(?:\.\d{1,2}){0,3})(\.|:)?\s+(\S.*)$", re.IGNORECASE)
_ROMAN = re.compile(r"^[IVX]{1,5}$")
_KNOWN = re.compile(
    r"^(abstract|references|bibliography|literature cited|acknowledge?ments?|appendix|appendices|"
    r"supplementary material|limitations|broader impacts?|impact statements?|ethics statement|"
    r"reproducibility statement|conclusions?|introduction|related work)$",
    re.IGNORECASE,
)
_BIB = re.compile(r"^(\d+\.?\s*)?(references|bibliography|literature cited|references and notes)$", re.IGNORECASE)
_APPENDIX = re.compile(r"^(appendix|appendices|supplementary material|supplemental material)\b", re.IGNORECASE)
_CHECKLIST = re.compile(r"checklist", re.IGNORECASE)


@dataclass
class _Heading:
    """A heading found in the line sequence."""

    start: int
    end: int
    text: str
    size: float
    bold: bool
    number: str = ""
    level: int = 1


def _numbering(text: str) -> tuple[str, str] | None:
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


def _roman_section(heading: _Heading) -> bool:
    return bool(_ROMAN.match(heading.number)) and _heading_name(heading).isupper()


def _heading_at(lines: list[_Line], i: int, layout: _Layout) -> _Heading | None:
    """A heading starting at line ``i`` (possibly wrapped over the next lines), judged by type first."""
    line = lines[i]
    text = line.text
    if not text or len(text) > 160 or not re.search(r"[A-Za-z]{2}", text):
        return None
    large = line.size >= layout.size * 1.12
    bold = line.bold >= 0.8
    known = bool(_KNOWN.match(text.rstrip(":."))) and (bold or large or text.isupper())
    number = _numbering(text)
    capitals = bool(number) and number[1].isupper() and len(number[1]) >= 3  # "II. RELATED WORK"
    if not (large or (bold and line.size >= layout.size - 0.6) or known or capitals):
        return None
    if _is_caption_start(line, layout) or (_is_table_row(line) and not number) or text.endswith((",", ";")):
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
    return _Heading(start=i, end=end, text=full, size=line.size, bold=bold, number=number[0] if number else "")


def _run_in(line: _Line, numbered: bool) -> bool:
    """A bold paragraph lead-in ("Training details. We ...") rather than a heading of its own."""
    inked = [s for s in line.spans if s.text.strip()]
    mixed = any(s.font.bold for s in inked) and not inked[-1].font.bold
    if mixed and re.search(r"[A-Za-z]{2}", inked[-1].text):
        return True
    return not numbered and bool(re.search(r"[.!?]$|[.:!?]\s+[A-Z]?[a-z]", line.text))


def _leads_into_text(lines: list[_Line], end: int, layout: _Layout) -> bool:
    """A bold line whose bold words go on into the next line's text: a wrapped run-in heading."""
    if end + 1 >= len(lines):
        return False
    nxt = lines[end + 1]
    inked = [s for s in nxt.spans if s.text.strip()]
    close = nxt.gap is not None and nxt.gap < 1.6 * layout.size
    return close and bool(inked) and inked[0].font.bold and nxt.bold < 0.8


def _stands_apart(lines: list[_Line], i: int, layout: _Layout) -> bool:
    """An unnumbered heading: at the column's edge, space above, not followed by a table row."""
    line = lines[i]
    if line.x0 > line.left + 2 and line.col != 0:
        return False
    if line.col == 0 and line.x0 > line.left + 2 and line.size < layout.size * 1.12:
        return False
    if line.gap is not None and line.gap < layout.pitch * 1.3:
        return False
    following = lines[i + 1] if i + 1 < len(lines) else None
    return following is None or not _is_table_row(following)


def _heading_end(lines: list[_Line], i: int, layout: _Layout) -> int:
    """Index of the last line of a heading that wraps onto following lines of the same type."""
    end = i
    while end + 1 < len(lines) and end - i < 2:
        line, nxt = lines[end], lines[end + 1]
        same = abs(nxt.size - line.size) < 0.3 and (nxt.bold >= 0.8) == (line.bold >= 0.8)
        close = nxt.gap is not None and nxt.gap < 1.6 * line.size and nxt.page == line.page
        if not (same and close) or _numbering(nxt.text) or nxt.x0 < line.x0 - 2 or _is_caption_start(nxt, layout):
            break
        if line.size < layout.size * 1.12 and line.x1 < line.right - 4 * layout.size:
            break  # a short body-size heading line does not wrap
        end += 1
    return end


def _find_headings(lines: list[_Line], layout: _Layout) -> list[_Heading]:
    """All headings in reading order, with levels from numbering depth and type size."""
    found: list[_Heading] = []
    i = 0
    while i < len(lines):
        heading = _heading_at(lines, i, layout)
        if heading is None:
            i += 1
            continue
        found.append(heading)
        i = heading.end + 1
    _assign_levels(found, layout)
    return found


def _depth(heading: _Heading) -> int:
    """Numbering depth: 1 for "3", "B" and "IV", 2 for "3.1", 3 for "3.1.2"."""
    return heading.number.count(".") + 1


def _top_level_size(headings: list[_Heading], layout: _Layout) -> float:
    """The type size of section headings: the largest size used by two numbered sections (or headings)."""
    for pool in ([h for h in headings if h.number and "." not in h.number], headings):
        sizes = Counter(round(h.size * 2) / 2 for h in pool)
        recurring = [size for size, n in sizes.items() if n >= 2]
        if recurring:
            return max(recurring)
    return max((h.size for h in headings), default=layout.size * 1.2)


def _assign_levels(headings: list[_Heading], layout: _Layout) -> None:
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


# ----------------------------------------------------------------------------------------------------------
# Blocks: paragraphs, captions, equations, tables, footnotes


@dataclass
class _Block:
    """A run of lines of one kind, rendered as one Markdown block."""

    kind: str
    lines: list[_Line]


def _classify(lines: list[_Line], layout: _Layout) -> list[str]:
    """Type each line: caption, algorithm, equation, table, footnote or body."""
    kinds = ["body"] * len(lines)
    bottoms = _lowest_body_lines(lines, layout)
    i = 0
    while i < len(lines):
        line = lines[i]
        if i > 0 and _is_fragment(lines[i - 1], line, layout):
            kinds[i] = kinds[i - 1]
        elif _is_caption_start(line, layout) and not _mid_sentence(lines, i, kinds, layout):
            i = _mark_caption(lines, i, kinds, layout)
            continue
        elif _is_table_row(line) and not re.search(r"[=≤≥≈<>]", line.text):
            kinds[i] = "table"
        elif _is_equation(line, layout):
            kinds[i] = "equation"
        elif _is_footnote(lines, i, kinds, bottoms, layout):
            kinds[i] = "footnote"
        elif _is_small(line, layout):
            kinds[i] = "small"  # labels of a drawn figure, notes under a table: kept apart from the prose
        i += 1
    _extend_equations(lines, kinds, layout)
    _extend_tables(lines, kinds, layout)
    _attach_fragments(lines, kinds, layout)
    return kinds


def _attach_fragments(lines: list[_Line], kinds: list[str], layout: _Layout) -> None:
    """Pieces of an inline fraction or sum drawn before their line of prose take that line's type."""
    for i, line in enumerate(lines):
        if len(line.text) > 12 or kinds[i] == "body":
            continue
        host = next((k for k in range(i + 1, min(i + 4, len(lines))) if len(lines[k].text) > 12), None)
        if host is not None and kinds[host] == "body" and _is_fragment(lines[host], line, layout):
            kinds[i] = "body"


def _is_fragment(prev: _Line, line: _Line, layout: _Layout) -> bool:
    """A short piece set within the height of the line before it: a stacked fraction, a limit, an index."""
    same_band = prev.page == line.page and prev.col == line.col and abs(prev.y - line.y) < 0.75 * layout.size
    return same_band and len(line.text) <= 12


def _mid_sentence(lines: list[_Line], i: int, kinds: list[str], layout: _Layout) -> bool:
    """Whether line ``i`` continues the sentence of the body line just above ("... shown in / Figure 2.")."""
    if i == 0 or kinds[i - 1] != "body":
        return False
    prev, line = lines[i - 1], lines[i]
    close = line.gap is not None and line.gap <= layout.pitch * 1.15 and abs(prev.size - line.size) < 0.3
    return close and not _ends_sentence(prev.text)


def _lowest_body_lines(lines: list[_Line], layout: _Layout) -> dict[tuple[int, int], float]:
    """For each page and column, the height of its lowest body-size line."""
    lowest: dict[tuple[int, int], float] = {}
    for line in lines:
        if abs(line.size - layout.size) < 0.6 and len(line.text) > 30:
            key = (line.page, line.col)
            lowest[key] = min(lowest.get(key, line.y), line.y)
    return lowest


def _is_footnote(lines: list[_Line], i: int, kinds: list[str], bottoms: dict[tuple[int, int], float],
                 layout: _Layout) -> bool:
    """Small type below the column's last body line, opened by a mark (or continuing a footnote)."""
    line = lines[i]
    bottom = bottoms.get((line.page, line.col))
    if bottom is None or not _is_small(line, layout) or line.y >= bottom:
        return False
    follows = i > 0 and kinds[i - 1] == "footnote" and lines[i - 1].page == line.page
    return follows or bool(_FOOTNOTE_MARK.match(line.text)) or line.spans[0].size < line.size - 1


def _mark_caption(lines: list[_Line], i: int, kinds: list[str], layout: _Layout) -> int:
    """Mark a caption and its continuation lines; an algorithm's body follows its one-line title."""
    first = lines[i]
    kinds[i] = "caption"
    j = i + 1
    limit = 1.5 * max(first.size, 1.0)
    algorithm = first.text.lower().startswith("algorithm")
    while j < len(lines) and not algorithm:
        nxt = lines[j]
        if (nxt.page != first.page or nxt.gap is None or nxt.gap > limit or abs(nxt.size - first.size) > 0.3
                or _is_caption_start(nxt, layout) or _is_table_row(nxt) or _heading_at(lines, j, layout)
                or not (_looks_like_prose(nxt) or lines[j - 1].x1 >= lines[j - 1].right - 2.5 * nxt.size)):
            break
        kinds[j] = "caption"
        j += 1
    if re.match(r"tab", first.text, re.IGNORECASE):
        _mark_table_above(lines, i, kinds, layout)
        return _mark_table_body(lines, j, kinds, layout)
    return _mark_algorithm_body(lines, j, kinds, layout) if algorithm else j


def _mark_table_above(lines: list[_Line], i: int, kinds: list[str], layout: _Layout) -> None:
    """Mark the rows of a table whose caption sits below it: cell-like lines right above the caption."""
    k = i
    while k > 0:
        line, row = lines[k], lines[k - 1]
        if row.page != line.page or line.gap is None or line.gap > 2.5 * layout.pitch:
            break
        if kinds[k - 1] not in ("body", "small", "table") or _looks_like_prose(row):
            break
        if _heading_at(lines, k - 1, layout):
            break
        kinds[k - 1] = "table"
        k -= 1


def _mark_algorithm_body(lines: list[_Line], j: int, kinds: list[str], layout: _Layout) -> int:
    """Mark the steps under an algorithm's title, kept line by line, up to the space after the box."""
    page = lines[j - 1].page
    while j < len(lines):
        line = lines[j]
        if line.page != page or line.gap is None or line.gap > 1.6 * layout.pitch or _is_caption_start(line, layout):
            break
        kinds[j] = "algorithm"
        j += 1
    return j


def _mark_table_body(lines: list[_Line], j: int, kinds: list[str], layout: _Layout) -> int:
    """Mark the rows under a table caption: small or short lines up to the next prose line or gap."""
    start = j
    while j < len(lines):
        line = lines[j]
        limit = (3.5 if j == start else 2.5) * layout.pitch
        if line.page != lines[start - 1].page or line.gap is None or line.gap > limit:
            break
        if _is_caption_start(line, layout) or _heading_at(lines, j, layout):
            break
        if _looks_like_prose(line) and not (_is_small(line, layout) or _is_table_row(line)):
            break
        kinds[j] = "table"
        j += 1
    return j


def _extend_equations(lines: list[_Line], kinds: list[str], layout: _Layout) -> None:
    """Small fragments (limits, under-brace labels) between or after equation lines belong to them."""
    for i in range(1, len(lines)):
        if kinds[i] not in ("body", "small") or kinds[i - 1] != "equation":
            continue
        line = lines[i]
        if (_is_small(line, layout) or len(line.text) <= 3) and line.gap is not None and line.gap < 2 * layout.pitch:
            kinds[i] = "equation"


def _extend_tables(lines: list[_Line], kinds: list[str], layout: _Layout) -> None:
    """Grow table rows into tables: short lines between rows and a header line just above."""
    rows = [i for i, k in enumerate(kinds) if k == "table"]
    for a, b in zip(rows, rows[1:], strict=False):
        between = range(a + 1, b)
        if 0 < b - a <= 4 and all(kinds[k] in ("body", "small") and not _looks_like_prose(lines[k]) for k in between):
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


def _is_short(line: _Line, layout: _Layout) -> bool:
    return line.x1 - line.x0 < 0.5 * max(line.right - line.left, 10 * layout.size) and not line.text.endswith(".")


def _is_header_row(line: _Line, below: _Line, layout: _Layout) -> bool:
    """A column-header line: short, close above the first row, not a sentence."""
    close = below.gap is not None and below.gap < 2.2 * layout.pitch and line.page == below.page
    return close and _is_short(line, layout) and not _is_caption_start(line, layout)


def _blocks(lines: list[_Line], layout: _Layout) -> list[_Block]:
    """Group a section's lines into blocks in reading order.

    A paragraph interrupted by a float or a footnote (at a column or page break) is continued by the body
    line after it when that line does not open a new paragraph.
    """
    kinds = _classify(lines, layout)
    blocks: list[_Block] = []
    paragraph: _Block | None = None
    last_kind = ""
    for line, kind in zip(lines, kinds, strict=True):
        if kind != "body":
            if last_kind == kind and _continues_block(blocks[-1], line, layout):
                blocks[-1].lines.append(line)
            else:
                blocks.append(_Block(kind, [line]))
            last_kind = kind
            continue
        if paragraph is not None and (
                (last_kind == "body" and not _starts_paragraph(paragraph.lines[-1], line, layout))
                or (last_kind != "body" and _resumes(paragraph, line, layout))):
            paragraph.lines.append(line)
        else:
            paragraph = _Block("body", [line])
            blocks.append(paragraph)
        last_kind = "body"
    return blocks


def _continues_block(block: _Block, line: _Line, layout: _Layout) -> bool:
    """Whether a non-body line extends the block before it rather than opening a new one."""
    prev = block.lines[-1]
    if block.kind == "caption":
        return not _is_caption_start(line, layout)
    if block.kind == "footnote":
        return line.page == prev.page and not (_FOOTNOTE_MARK.match(line.text) and _ends_sentence(prev.text))
    if block.kind in ("table", "algorithm"):
        return line.page == prev.page
    if block.kind == "equation":
        return line.page == prev.page and (line.gap is None or line.gap < 3 * layout.pitch)
    if block.kind == "small":
        return abs(line.size - prev.size) < 0.3 and not _starts_paragraph(prev, line, layout)
    return line.page == prev.page


def _ends_sentence(text: str) -> bool:
    return bool(re.search(r"[.!?:]['\")\]]*$", text))


def _starts_paragraph(prev: _Line, line: _Line, layout: _Layout) -> bool:
    """Whether ``line`` opens a new paragraph after ``prev`` (space above, indent, short last line, list)."""
    size = layout.size
    if _is_fragment(prev, line, layout):
        return False
    if line.gap is not None and line.gap > layout.pitch * 1.35 and line.page == prev.page:
        return True
    if len(line.text) <= 12 or (len(prev.text) <= 12 and not _ends_sentence(prev.text)):
        return False  # pieces of inline math set on lines of their own
    if _BULLET.match(line.text) and (line.x0 <= prev.x0 + 1 or _ends_sentence(prev.text)):
        return True
    indented = 0.7 * size <= line.x0 - line.left <= 3 * size and prev.x0 - prev.left < 0.5 * size
    prev_short = prev.x1 < prev.right - 2.5 * size
    if indented and (prev_short or _ends_sentence(prev.text)):
        return True
    return prev_short and _ends_sentence(prev.text)


_DANGLING = re.compile(r"([,;-]|\b(and|or|of|the|a|an|to|in|with|for|by|on|as|from|that|which|is|are|was|were|"
                       r"between|than|such|using|via|at|into|we|our|its|their))$")


def _resumes(paragraph: _Block, line: _Line, layout: _Layout) -> bool:
    """Whether a body line after a float or footnote continues the paragraph the float interrupted."""
    last = paragraph.lines[-1]
    if _ends_sentence(last.text) or _BULLET.match(line.text):
        return False
    indented = line.x0 - line.left >= 0.7 * layout.size
    unfinished = bool(_DANGLING.search(last.text))
    return not indented and (line.text[:1].islower() or unfinished or line.gap is None)


# ----------------------------------------------------------------------------------------------------------
# Rendering


@dataclass
class _Words:
    """The document's vocabulary, to decide whether a line-end hyphen belongs to the word."""

    hyphenated: set[str] = field(default_factory=set)
    plain: set[str] = field(default_factory=set)

    @classmethod
    def collect(cls, lines: Iterable[_Line]) -> _Words:
        """Words hyphenated inside lines (real compounds) and unhyphenated words, lower-cased."""
        words = cls()
        broken = False
        for line in lines:
            text = line.text.lower()
            if broken:  # the line starts with the tail of a word split at the end of the previous one
                text = re.sub(r"^[a-z]+", "", text)
            broken = bool(re.search(r"[a-z][-‐]$", text))
            if broken:
                text = re.sub(r"[a-z]+[-‐]$", "", text)
            words.hyphenated.update(re.findall(r"(?<![a-z-])[a-z]+-[a-z]+(?![a-z-])", text))
            words.plain.update(re.findall(r"[a-z]{3,}", text))
        return words

    def join(self, head: str, tail: str) -> str:
        """Join two lines of a paragraph, repairing the hyphenation at the break."""
        if not head:
            return tail
        if not tail:
            return head
        if re.search(r"(https?://|www\.)\S*[/._#?=&-]$", head):
            return f"{head}{tail}"  # a URL broken at the end of the line
        match = re.search(r"([A-Za-z]+)[-‐]$", head)
        if not match or not tail[:1].isalpha():
            return f"{head} {tail}"
        first = match.group(1)
        rest = re.match(r"[A-Za-z]+(-?)", tail)
        second = rest.group(0).rstrip("-") if rest else ""
        chained = bool(rest and rest.group(1)) or bool(re.search(r"[A-Za-z]-[A-Za-z]+[-‐]$", head))
        return f"{head}{tail}" if self._keeps_hyphen(first, second, chained) else f"{head[:-1]}{tail}"

    def _keeps_hyphen(self, first: str, second: str, chained: bool) -> bool:
        """Whether ``first-`` + ``second`` at a line break is a compound rather than a split word."""
        if second[:1].isupper() or (first.isupper() and len(first) > 1) or chained:
            return True
        low_first, low_second = first.lower(), second.lower()
        if (low_first + low_second) in self.plain:
            return False
        if f"{low_first}-{low_second}" in self.hyphenated:
            return True
        return len(first) >= 3 and len(second) >= 3 and low_first in self.plain and low_second in self.plain


def _inline(line: _Line, layout: _Layout) -> str:
    """A line's text with runs of math type wrapped in ``$...$`` and literal dollars escaped."""
    parts: list[str] = []
    run: list[str] = []

    def close() -> None:
        if not run:
            return
        text = "".join(run)
        core = text.strip()
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
        plain = not re.search(r"[A-Za-z0-9\u0370-\u03ff]", core) or core in "∗†‡§¶⋆*"
        parts.append(text if plain else f"{lead}${core}${trail}")
        run.clear()

    for span, is_math in zip(line.spans, _math_spans(line, layout), strict=True):
        text = span.text.replace("$", r"\$")
        if is_math or (run and not text.strip()):
            run.append(text)
        else:
            close()
            parts.append(text)
    close()
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _math_spans(line: _Line, layout: _Layout) -> list[bool]:
    """Which spans of a line are math: math fonts, and sub/superscripts in text type attached to them."""
    spans = line.spans
    flags = [layout.is_math(s) for s in spans]
    small = [s.size < line.size - 1.0 and bool(s.text.strip()) for s in spans]
    changed = True
    while changed:
        changed = False
        for k in range(len(spans)):
            if not flags[k] and small[k] and ((k > 0 and flags[k - 1]) or (k + 1 < len(spans) and flags[k + 1])):
                flags[k] = changed = True
    return flags


def _render(blocks: list[_Block], layout: _Layout, words: _Words, paper: Paper) -> str:
    """Markdown for a section's blocks; captions, equations and tables are also listed on the paper."""
    out: list[str] = []
    for block in blocks:
        texts = [ln.text for ln in block.lines]
        if block.kind == "footnote" and block.lines[0].page == 0:
            continue  # first-page footnotes: affiliations, correspondence, venue notice
        if block.kind == "equation":
            body = "\n".join(texts).replace("$", r"\$")
            paper.equations.append(body)
            out.append(f"$$\n{body}\n$$")
        elif block.kind == "table":
            body = "\n".join(_inline(ln, layout) for ln in block.lines)
            paper.tables.append(body)
            out.append(body)
        elif block.kind == "algorithm":
            out.append("\n".join(_inline(ln, layout) for ln in block.lines))
        elif block.kind == "caption":
            caption = _join([_inline(ln, layout) for ln in block.lines], words)
            paper.captions.append(caption)
            out.append(caption)
        else:
            text = _join([_inline(ln, layout) for ln in block.lines], words)
            out.append(re.sub(r"^[•◦▪‣●]\s*", "- ", text))
    text = "\n\n".join(t for t in out if t.strip())
    return re.sub(r"(?m)^(\s*)#", r"\1\\#", text)


def _join(texts: list[str], words: _Words) -> str:
    joined = ""
    for text in texts:
        joined = words.join(joined, text.strip())
    return joined


# ----------------------------------------------------------------------------------------------------------
# The bibliography

_ENTRY_NUMBER = re.compile(r"^(\[\d{1,4}\]|\d{1,4}\.)\s")


def _split_references(lines: list[_Line], layout: _Layout, words: _Words) -> list[str]:
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
    return [_join(e, words) for e in entries if " ".join(e).strip()]


def _opens_entry(prev: _Line, line: _Line, layout: _Layout, numbered: bool, hanging: bool) -> bool:
    if numbered:
        return bool(_ENTRY_NUMBER.match(line.text))
    if line.gap is not None and line.gap > layout.pitch * 1.25:
        return True
    if hanging:
        return line.x0 - line.left <= 3
    return _ends_sentence(prev.text) and line.gap is None


def _pull_floats(lines: list[_Line], layout: _Layout) -> tuple[list[_Line], list[_Line]]:
    """Separate floats (captions and their tables) set among the references from the entries."""
    sizes = Counter(round(ln.size, 1) for ln in lines)
    ref_size = sizes.most_common(1)[0][0] if sizes else layout.size
    entries: list[_Line] = []
    floats: list[_Line] = []
    in_float = False
    for line in lines:
        if _is_caption_start(line, layout) and line.x0 - line.left <= 3:
            in_float = True
        elif in_float and abs(line.size - ref_size) < 0.3 and not _is_table_row(line):
            in_float = False
        (floats if in_float else entries).append(line)
    return entries, floats


# ----------------------------------------------------------------------------------------------------------
# Title and assembly


def _take_title(lines: list[_Line], layout: _Layout) -> tuple[str, int]:
    """The title: the largest type on the first page. Returns it and the index after its last line."""
    if not lines:
        return "", 0
    first = [i for i, ln in enumerate(lines) if ln.page == lines[0].page and re.search(r"[A-Za-z]{2}", ln.text)]
    if not first:
        return "", 0
    biggest = max(lines[i].size for i in first)
    if biggest < layout.size * 1.15:
        return "", 0
    start = next(i for i in first if lines[i].size >= biggest - 0.5)
    if _numbering(lines[start].text):
        return "", 0  # the largest type is a numbered section heading: the file has no title page
    end = start
    while end + 1 < len(lines) and lines[end + 1].page == lines[start].page \
            and abs(lines[end + 1].size - lines[start].size) < 0.6 and end - start < 3:
        end += 1
    return " ".join(ln.text for ln in lines[start:end + 1]), end + 1


@dataclass
class _Part:
    """A stretch of lines under one heading (or before the first heading)."""

    heading: _Heading | None
    lines: list[_Line]


def _parts(lines: list[_Line], headings: list[_Heading], start: int) -> list[_Part]:
    parts = [_Part(None, lines[start:headings[0].start] if headings else lines[start:])]
    for h, nxt in zip(headings, [*headings[1:], None], strict=False):
        parts.append(_Part(h, lines[h.end + 1:nxt.start if nxt else len(lines)]))
    return parts


def _heading_name(heading: _Heading) -> str:
    return re.sub(r"^[\dA-Z](\.\d+)*\.?\s+|^\d+(\.\d+)*\.?\s*", "", heading.text).strip().rstrip(":.")


def _front_abstract(blocks: list[_Block], layout: _Layout, words: _Words) -> str:
    """The abstract when it has no heading: a paragraph opened by "Abstract", else the longest one."""
    paragraphs = [_join([_inline(ln, layout) for ln in b.lines], words) for b in blocks if b.kind == "body"]
    for text in paragraphs:
        match = re.match(r"^abstract\b[\s.:—–-]*", text, re.IGNORECASE)
        if match and len(text) > len(match.group(0)) + 40:
            return text[match.end():]
    long = [t for t in paragraphs if len(t.split()) >= 60]
    return max(long, key=len) if long else ""


def _assemble(lines: list[_Line], title: str, start: int, layout: _Layout) -> Paper:
    """Build the paper from the ordered lines: sections, abstract, bibliography, appendix, checklist."""
    headings = _find_headings(lines[start:], layout)
    for h in headings:
        h.start, h.end = h.start + start, h.end + start
    abstract_at = next((k for k, h in enumerate(headings) if _heading_name(h).lower() == "abstract"), None)
    if abstract_at is not None:
        headings = headings[abstract_at:]  # headings above the abstract are authors and affiliations
    assembly = _Assembly(Paper(title=title, format="pdf"), layout, _Words.collect(lines))
    for part in _parts(lines, headings, start):
        if part.heading is not None:
            assembly.add(part.heading, part.lines)
        elif abstract_at is None:
            _front(part, assembly, bool(headings))
    return assembly.finish()


@dataclass
class _Assembly:
    """The paper being built, section by section, and where the reader is (references, appendix, checklist)."""

    paper: Paper
    layout: _Layout
    words: _Words
    state: dict[str, bool] = field(default_factory=lambda: {"refs": False, "appendix": False, "checklist": False})
    carried: list[_Line] = field(default_factory=list)
    """Floats found among the references; they go to the next section."""

    def render(self, lines: list[_Line]) -> str:
        """Markdown for lines of running text (captions, tables and equations are listed on the paper)."""
        return _render(_blocks(lines, self.layout), self.layout, self.words, self.paper)

    def add(self, heading: _Heading, lines: list[_Line]) -> None:
        """Add what a heading opens: the abstract, the bibliography or a section."""
        role = _role(heading, self.state)
        if role == "abstract" and not self.paper.abstract:
            self.paper.abstract = self.render(lines)
        elif role == "references":
            entries, floats = _pull_floats(lines, self.layout)
            self.paper.bibliography.extend(_split_references(entries, self.layout, self.words))
            self.carried.extend(floats)
        else:
            body, self.carried = self.carried + lines, []
            appendix = self.state["appendix"] or self.state["checklist"]
            self.paper.sections.append(Section(heading=heading.text, level=heading.level, text=self.render(body),
                                               appendix=appendix))

    def finish(self) -> Paper:
        """Put floats left over after the references at the end of the last section."""
        if self.carried and self.paper.sections:
            last = self.paper.sections[-1]
            last.text = f"{last.text}\n\n{self.render(self.carried)}".strip()
        return self.paper


def _role(heading: _Heading, state: dict[str, bool]) -> str:
    """What a heading opens, updating the reader's state (references, appendix, checklist)."""
    name = _heading_name(heading)
    if _CHECKLIST.search(heading.text) and heading.level == 1:
        state["checklist"], state["refs"] = True, False
        return "checklist"
    if _BIB.match(heading.text) or _BIB.match(name):
        state["refs"] = True
        return "references"
    lettered = heading.number[:1].isalpha() and not _roman_section(heading)
    if _APPENDIX.match(heading.text) or (lettered and heading.level == 1):
        state["appendix"], state["refs"] = True, False
        return "appendix"
    if state["refs"]:
        if heading.level > 1:
            return "references"
        state["refs"], state["appendix"] = False, True
        return "appendix"
    if name.lower() == "abstract":
        return "abstract"
    return "body"


def _front(part: _Part, assembly: _Assembly, has_headings: bool) -> None:
    """Text before the first heading: authors and affiliations, or the abstract when it has no heading."""
    if not has_headings:
        assembly.paper.sections.append(Section(heading="", text=assembly.render(part.lines)))
        return
    assembly.paper.abstract = _front_abstract(_blocks(part.lines, assembly.layout), assembly.layout, assembly.words)


# ----------------------------------------------------------------------------------------------------------
# Entry point


def read_pdf(path: Path) -> Paper:
    """Read a PDF paper into a structured :class:`Paper` (title, abstract, sections, bibliography, ...).

    Args:
        path: The PDF file.

    Returns:
        The paper; ``format`` is ``"pdf"`` and ``source`` the path. What the reader could not find or
        pypdf had to work around is in ``warnings``.

    Raises:
        PaperReadError: For a missing, corrupt or password-protected file, or one without a text layer
            (a scan), with a one-line message naming the file and the cause.

    """
    path = Path(path)
    pages, widths, warnings = _read_document(path)
    if sum(len(_LETTER.findall(ln.text)) for ln in _flat(pages)) < min(200, 20 * len(pages)):
        raise PaperReadError(f"{path}: the PDF has no text layer (a scan?); give the LaTeX source or an OCRed PDF")
    layout = _Layout.measure(pages)
    lines = _lay_out(pages, widths, layout)
    title, start = _take_title(lines, layout)
    paper = _assemble(lines, title, start, layout)
    paper.source, paper.warnings = str(path), warnings + _structure_warnings(paper)
    return paper


def _read_document(path: Path) -> tuple[list[list[_Line]], list[float], list[str]]:
    """Each page's lines and width, and warnings (pages that failed, damage pypdf worked around)."""
    with _PypdfWarnings() as noticed:
        pdf_pages = _open(path)
        warnings: list[str] = []
        pages = _read_lines(pdf_pages, path, warnings)
        widths = [_page_width(page) for page in pdf_pages]
    if noticed.messages:
        more = f" and {len(noticed.messages) - 1} more" if len(noticed.messages) > 1 else ""
        warnings.append(f"pypdf worked around damage in the file: {noticed.messages[0]}{more}")
    return pages, widths, warnings


def _page_width(page: Any) -> float:
    try:
        return float(page.mediabox.width)
    except (TypeError, ValueError, KeyError, AttributeError):
        return 612.0


def _lay_out(pages: list[list[_Line]], widths: list[float], layout: _Layout) -> list[_Line]:
    """Remove page furniture, put columns in reading order and measure them; all lines in reading order."""
    _drop_margin_numbers(pages, layout)
    _drop_running_lines(pages, layout)
    for page, width in zip(pages, widths, strict=True):
        _order_columns(page, layout, width)
    _measure_columns(pages, layout)
    return [ln for ln in _flat(pages) if ln.text]


def _structure_warnings(paper: Paper) -> list[str]:
    """What the user should know about the structure the reader could not find."""
    found = []
    if not paper.title:
        found.append("no title found on the first page")
    if not any(s.heading for s in paper.sections):
        found.append("no section headings found; the text is kept as one section")
    if not paper.abstract:
        found.append("no abstract found")
    return found


class _PypdfWarnings(logging.Handler):
    """Collect pypdf's log warnings (damaged objects it worked around) instead of printing them."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []
        self._logger = logging.getLogger("pypdf")
        self._propagate = self._logger.propagate

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the message once."""
        message = " ".join(record.getMessage().split())[:200]
        if message not in self.messages:
            self.messages.append(message)

    def __enter__(self) -> _PypdfWarnings:
        self._logger.addHandler(self)
        self._logger.propagate = False
        return self

    def __exit__(self, *_: object) -> None:
        self._logger.removeHandler(self)
        self._logger.propagate = self._propagate
