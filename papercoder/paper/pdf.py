"""A structure-aware PDF reader built on pypdf's text layer (fonts and positions, pure Python).

One ``extract_text`` pass per page reports every text chunk with its matrix and font. The reader turns
the chunks into lines that carry a position, a font size and a weight, removes page furniture (running
heads and feet, page numbers, line numbers in the margin of review copies, text inside embedded figures),
checks the reading order of two-column pages, and rebuilds the paper: the title (largest type on page 1),
the abstract, headings found by size and boldness against the body font (numbering as support), paragraphs
with end-of-line hyphenation repaired, captions, display equations, tables, the bibliography, the appendix
and a trailing venue checklist.

This module holds the entry point, :func:`read_pdf`; the steps are in modules of their own, in the order they
depend on each other: :mod:`~papercoder.paper.pdf_fonts` (fonts, text clean-up),
:mod:`~papercoder.paper.pdf_spans` (opening the file, spans and lines), :mod:`~papercoder.paper.pdf_layout`
(typography, page furniture, columns), :mod:`~papercoder.paper.pdf_line_types`,
:mod:`~papercoder.paper.pdf_headings`, :mod:`~papercoder.paper.pdf_blocks`, :mod:`~papercoder.paper.pdf_render`,
:mod:`~papercoder.paper.pdf_bibliography` and :mod:`~papercoder.paper.pdf_assembly` (title and sections).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from papercoder.paper.errors import PaperReadError
from papercoder.paper.model import Paper
from papercoder.paper.pdf_assembly import assemble, take_title
from papercoder.paper.pdf_layout import (
    Layout,
    drop_margin_numbers,
    drop_running_lines,
    flat,
    measure_columns,
    order_columns,
)
from papercoder.paper.pdf_spans import LETTER, Line, open_pages, read_lines

__all__ = ["read_pdf"]


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
    if sum(len(LETTER.findall(ln.text)) for ln in flat(pages)) < min(200, 20 * len(pages)):
        raise PaperReadError(f"{path}: the PDF has no text layer (a scan?); give the LaTeX source or an OCRed PDF")
    layout = Layout.measure(pages)
    lines = _lay_out(pages, widths, layout)
    title, start = take_title(lines, layout)
    paper = assemble(lines, title, start, layout)
    paper.source, paper.warnings = str(path), warnings + _structure_warnings(paper)
    return paper


def _read_document(path: Path) -> tuple[list[list[Line]], list[float], list[str]]:
    """Each page's lines and width, and warnings (pages that failed, damage pypdf worked around)."""
    with _PypdfWarnings() as noticed:
        pdf_pages = open_pages(path)
        warnings: list[str] = []
        pages = read_lines(pdf_pages, path, warnings)
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


def _lay_out(pages: list[list[Line]], widths: list[float], layout: Layout) -> list[Line]:
    """Remove page furniture, put columns in reading order and measure them; all lines in reading order."""
    drop_margin_numbers(pages, layout)
    drop_running_lines(pages, layout)
    for page, width in zip(pages, widths, strict=True):
        order_columns(page, layout, width)
    measure_columns(pages, layout)
    return [ln for ln in flat(pages) if ln.text]


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
