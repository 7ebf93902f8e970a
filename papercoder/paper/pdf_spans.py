"""Opening a PDF and cutting its pages into lines, for the PDF reader.

Holds :class:`Span` (a run of text in one font at one position) and :class:`Line` (a line as pypdf broke it,
with its geometry), the one ``extract_text`` pass per page that collects the spans (embedded figures hidden),
and :func:`open_pages` / :func:`read_lines`, which open the file and read every page's lines.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from pypdf import PdfReader
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import DictionaryObject, NameObject

from papercoder.paper.errors import PaperReadError
from papercoder.paper.pdf_fonts import Font, clean, font_from_resource

# ----------------------------------------------------------------------------------------------------------
# Spans and lines


class Span(NamedTuple):
    """A run of text in one font at one position (user space, points)."""

    text: str
    x: float
    y: float
    size: float
    width: float
    font: Font
    upright: bool


@dataclass
class Line:
    """A line of text as pypdf broke it, with its geometry and type."""

    page: int
    spans: list[Span]
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

    def measure(self) -> Line:
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


def _page_spans(page: Any, fonts: dict[int, tuple[Any, Font]]) -> list[Span]:
    """Run one pypdf ``extract_text`` pass over a page and collect its text chunks as spans.

    Embedded figures (form XObjects) are hidden from the extractor: their labels and tick numbers are not
    the paper's text, and pypdf would parse every drawing operator of them for a visitor. A page whose own
    content shows almost no text (some producers wrap the whole page in a form) is read with its forms.
    """
    spans: list[Span] = []

    def visit(text: str, cm: list[float], tm: list[float], resource: Any, size: float) -> None:
        if not text:
            return
        a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
        c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
        x, y = tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        known = fonts.get(id(resource))
        if known is None or known[0] is not resource:
            known = fonts[id(resource)] = (resource, font_from_resource(resource))
        font = known[1]
        eff = abs(size) * math.hypot(c, d)
        upright = a > 0 and d > 0 and abs(b) <= 0.05 * a and abs(c) <= 0.05 * d
        spans.append(Span(text, x, y, eff, font.width(text, eff), font, upright))

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


LETTER = re.compile(r"[^\W\d_]")


def _letter_count(spans: Iterable[Span]) -> int:
    return sum(len(LETTER.findall(s.text)) for s in spans)


def _page_lines(spans: list[Span], page_no: int) -> list[Line]:
    """Cut a page's spans into lines at pypdf's line breaks; drop rotated text (margin stamps)."""
    upright = spans
    if not all(s.upright for s in spans):
        upright = [s for s in spans if s.upright or s.text == "\n"]
        if _letter_count(upright) * 2 < _letter_count(spans):
            upright = spans  # a landscape page: keep its text
    lines: list[Line] = []
    current: list[Span] = []

    def flush() -> None:
        if any(s.text.strip() for s in current):
            lines.append(Line(page=page_no, spans=list(current)).measure())
        current.clear()

    for span in upright:
        text = clean(span.text)
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


def open_pages(path: Path) -> list[Any]:
    """Open ``path`` with pypdf (decrypting with the empty password when needed) and return its pages.

    Raises:
        PaperReadError: For a missing, corrupt or password-protected file.

    """
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


def read_lines(pdf_pages: list[Any], path: Path, warnings: list[str]) -> list[list[Line]]:
    """All pages' lines; a page pypdf cannot parse is skipped with a warning."""
    fonts: dict[int, tuple[Any, Font]] = {}  # by id of the font dictionary, kept alive with it
    pages: list[list[Line]] = []
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
