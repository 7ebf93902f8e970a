"""``load_paper``: detect a paper's format from its content and hand it to the right reader."""

from __future__ import annotations

import json
import re
from pathlib import Path

from papercoder.paper.errors import PaperReadError
from papercoder.paper.model import Paper

FORMATS = ("pdf", "latex", "archive", "s2orc", "markdown", "text")
_TEXT_SUFFIXES = re.compile(r"\.(pdf|md|markdown|txt|tex|json|zip|tar|tgz|gz)$", re.IGNORECASE)


def detect_format(data: bytes) -> str:
    """The format of a file's bytes: one of :data:`FORMATS` (``archive`` for tar, gzip and zip)."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head[:2] == b"\x1f\x8b" or head[:4] == b"PK\x03\x04" or data[257:262] == b"ustar":
        return "archive"
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return "s2orc"
    sample = data[:200_000].decode("utf-8", errors="ignore")
    if re.search(r"\\documentclass|\\begin\{document\}|^\s*\\(section|subsection|input)\{", sample, re.MULTILINE):
        return "latex"
    from papercoder.paper.markdown import looks_like_markdown

    return "markdown" if looks_like_markdown(sample) else "text"


def load_paper(source: str | Path, *, title: str = "") -> Paper:
    """Read a paper from a file or folder, or treat ``source`` as the paper's own text when it is not a path.

    The format is detected from the content (PDF, LaTeX file/folder/archive, s2orc JSON, Markdown, text).

    Raises:
        PaperReadError: For a missing, empty, unreadable, hostile or image-only input (one line naming it).

    """
    text_source = str(source)
    path = Path(text_source).expanduser() if len(text_source) < 4096 and "\n" not in text_source else None
    if path is not None and (path.exists() or path.is_symlink()):
        paper = _read_path(path)
    elif path is not None and (_TEXT_SUFFIXES.search(text_source) or "/" in text_source):
        raise PaperReadError(f"{text_source}: no such file")
    else:
        from papercoder.paper.markdown import looks_like_markdown, read_markdown, read_plain_text

        reader = read_markdown if looks_like_markdown(text_source) else read_plain_text
        paper = reader(text_source, source="<text>")
    if title:
        paper.title = title
    if not paper.abstract.strip() and not any(s.text.strip() for s in paper.sections):
        raise PaperReadError(f"{paper.source or source}: no text found in the paper")
    return paper


def _read_path(path: Path) -> Paper:
    if path.is_dir():
        from papercoder.paper.latex import read_latex_path

        return read_latex_path(path)
    if not path.is_file():
        raise PaperReadError(f"{path}: not a regular file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PaperReadError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise PaperReadError(f"{path}: the file is empty")
    kind = detect_format(data)
    if kind == "pdf":
        from papercoder.paper.pdf import read_pdf

        paper = read_pdf(path)
    elif kind in ("archive", "latex"):
        from papercoder.paper.latex import read_latex_path

        paper = read_latex_path(path)
    elif kind == "s2orc":
        paper = _read_json(path, data)
    else:
        from papercoder.paper.markdown import read_markdown, read_plain_text

        text = decode(data, path)
        paper = (read_markdown if kind == "markdown" else read_plain_text)(text, source=str(path))
    paper.source = str(path)
    return paper


def _read_json(path: Path, data: bytes) -> Paper:
    from papercoder.paper.s2orc import looks_like_s2orc, read_s2orc

    try:
        obj = json.loads(decode(data, path))
    except json.JSONDecodeError as exc:
        raise PaperReadError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(obj, dict) or not looks_like_s2orc(obj):
        raise PaperReadError(f"{path}: JSON that is not an s2orc paper (expected title, abstract and body_text)")
    return read_s2orc(obj, source=str(path))


def decode(data: bytes, path: Path | str) -> str:
    """Decode a text file: UTF-8, else Latin-1 when the bytes read as text; binary input is refused."""
    if b"\x00" in data[:4096]:
        raise PaperReadError(f"{path}: binary file of an unknown kind; give a PDF, LaTeX, Markdown or text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("latin-1")
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f" or 0x7F <= ord(ch) < 0xA0)
        if controls > max(2, len(text) // 1000):
            raise PaperReadError(f"{path}: not UTF-8 text (byte {exc.start}) and not Latin-1 either") from exc
        return text
