"""Readers: PDF (pypdf), Markdown and plain text, the format detected from the content."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from papercoder.paper.model import Paper, Section

_BIB_HEADINGS = re.compile(r"^(references|bibliography|literature cited)$", re.IGNORECASE)
_UNNUMBERED = {"abstract", "introduction", "related work", "background", "method", "methods", "methodology",
               "experiments", "experimental setup", "results", "discussion", "conclusion", "conclusions",
               "limitations", "acknowledgements", "acknowledgments", "appendix", "references",
               "broader impact", "ethics statement", "bibliography"}


class PaperReadError(ValueError):
    """The paper could not be read; the message names the input and the problem."""


def load_paper(source: str | Path, *, title: str = "") -> Paper:
    """Read a paper from a path, or treat ``source`` as the paper's text when it is not a file.

    Raises:
        PaperReadError: For a missing, empty, unreadable or image-only input.

    """
    text_source = str(source)
    path = Path(text_source).expanduser() if len(text_source) < 4096 and "\n" not in text_source else None
    if path is not None and path.exists():
        if path.is_dir():
            raise PaperReadError(f"{path}: is a folder; give a PDF, Markdown or text file")
        data = path.read_bytes()
        if data[:5] == b"%PDF-":
            paper = read_pdf(path)
        else:
            paper = read_text(_decode(data, path), source=str(path))
        paper.source = str(path)
    elif path is not None and re.search(r"\.(pdf|md|markdown|txt|tex)$", text_source, re.IGNORECASE):
        raise PaperReadError(f"{text_source}: no such file")
    else:
        paper = read_text(text_source, source="<text>")
    if title:
        paper.title = title
    if not any(s.text.strip() for s in paper.sections):
        raise PaperReadError(f"{paper.source or source}: no text found in the paper")
    return paper


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data[:4096]:
        raise PaperReadError(f"{path}: binary file that is not a PDF; give a PDF, Markdown or text file")
    for enc in ("utf-8", "latin-1"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise PaperReadError(f"{path}: cannot decode text")  # pragma: no cover - latin-1 decodes anything


def read_text(text: str, *, source: str = "") -> Paper:
    """Read Markdown (``#`` headings) or plain text into sections."""
    text = normalize(text)
    sections: list[Section] = []
    title = ""
    current = Section(heading="", level=1)
    in_fence = False
    for line in text.splitlines():
        if re.match(r"^\s*(`{3,}|~{3,})", line):
            in_fence = not in_fence
        m = None if in_fence else re.match(r"^(#{1,6})\s+(.+?)\s*#*\s*$", line)
        if m:
            level = len(m.group(1))
            if level == 1 and not title and not sections and not current.text.strip():
                title = m.group(2)
                continue
            sections.append(current)
            current = Section(heading=m.group(2), level=max(1, level - 1))
        else:
            current.text += line + "\n"
    sections.append(current)
    return _split_bibliography(Paper(title=title, source=source, format="markdown", sections=sections))


def read_pdf(path: Path) -> Paper:
    """Read a PDF's text layer with pypdf; headings are found from numbered or known section titles."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise PaperReadError(f"{path}: corrupt or unreadable PDF ({exc})") from exc
    if not "".join(pages).strip():
        raise PaperReadError(f"{path}: the PDF has no text layer (scanned?); OCR it first or give the LaTeX source")
    lines: list[str] = []
    for page in pages:
        for line in normalize(page).splitlines():
            stripped = line.strip()
            if re.fullmatch(r"\d{1,4}", stripped):  # page and review line numbers
                continue
            if re.match(r"^arXiv:\d{4}\.\d{4,5}", stripped):
                continue
            lines.append(stripped)
    sections: list[Section] = []
    current = Section(heading="", level=1)
    title = ""
    for line in lines:
        heading = _pdf_heading(line)
        if heading:
            sections.append(current)
            current = Section(heading=heading[0], level=heading[1])
            continue
        if not title and not sections and len(line) > 8 and not current.text:
            title = line
            continue
        current.text += line + "\n"
    sections.append(current)
    for s in sections:
        s.text = _join_lines(s.text)
    return _split_bibliography(Paper(title=title, source=str(path), format="pdf", sections=sections))


def _pdf_heading(line: str) -> tuple[str, int] | None:
    m = re.match(r"^((?:\d{1,2}|[A-H])(?:\.\d{1,2}){0,2})\.?\s+([A-Z][A-Za-z0-9 ,:&()'/-]{2,70})$", line)
    if m and not re.search(r"[.,;]$", line) and len(m.group(2).split()) <= 10:
        return f"{m.group(1)} {m.group(2)}", m.group(1).count(".") + 1
    if line.lower().rstrip(":") in _UNNUMBERED:
        return line.rstrip(":"), 1
    return None


def _join_lines(text: str) -> str:
    """Join a PDF's broken lines into paragraphs, repairing end-of-line hyphenation."""
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    text = re.sub(r"(?<![.:!?])\n(?=[a-z(\[])", " ", text)
    return text.strip()


def normalize(text: str) -> str:
    """Normalise Unicode (ligatures, odd spaces) and line endings."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.replace("\u00ad", "").replace("\u200b", "")


def _split_bibliography(paper: Paper) -> Paper:
    kept: list[Section] = []
    bib: list[str] = []
    in_bib = False
    for s in paper.sections:
        name = re.sub(r"^[\d.]+\s*", "", s.heading).strip()
        if _BIB_HEADINGS.match(name):
            in_bib = True
        elif in_bib and (s.level == 1 and re.match(r"^(appendix|[A-H]\b)", name, re.IGNORECASE)):
            in_bib = False
        (bib.append(s.text) if in_bib else kept.append(s))
    paper.sections = kept
    paper.bibliography = "\n".join(bib).strip()
    return paper
