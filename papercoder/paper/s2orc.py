"""s2orc-doc2json papers (the JSON the original PaperCoder scripts used), full or cleaned.

Body paragraphs are grouped into sections by their ``section`` name, numbered from ``sec_num``. Equations are
kept as ``$$ ... $$`` blocks from ``eq_spans`` (or formula entries of ``ref_entries``); the cleaned form drops
the formula text, so its equations are reported missing. Figure and table captions (and tables, as Markdown)
come from ``ref_entries`` and are placed after the paragraph that first refers to them; ``bib_entries`` go to
the bibliography, never into the body.
"""

from __future__ import annotations

import html
import re
from typing import Any

from papercoder.paper.errors import PaperReadError
from papercoder.paper.model import Paper, Section

_FOOTNOTE_START = re.compile(r"^\s*[*†‡§¶]")
_FOOTNOTE_TAIL = re.compile(r"\s[*†‡§¶]\s+(?=[A-Z])")
_APPENDIX = re.compile(r"^(appendix|appendices|supplementary|supplemental)\b", re.IGNORECASE)
_LETTERED = re.compile(r"^[A-Z](\.\d+)*$")
_FORMULA_WORDS = ("EQUATION", "FORMULA")
_STRAY_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,2})\.?\s+([A-Z][\w\-]*(?:\s+[\w\-&:]+){0,8})$")


def _parse(data: dict[str, Any]) -> dict[str, Any]:
    """The part holding ``body_text``: ``pdf_parse`` (doc2json) or the document itself (S2ORC releases)."""
    inner = data.get("pdf_parse")
    return inner if isinstance(inner, dict) and "body_text" in inner else data


def looks_like_s2orc(data: object) -> bool:
    """Whether a decoded JSON document is an s2orc paper: ``body_text`` paragraphs with ``text`` and ``section``."""
    if not isinstance(data, dict):
        return False
    body = _parse(data).get("body_text")
    if not isinstance(body, list) or not body:
        return False
    sample = [p for p in body[:20] if isinstance(p, dict)]
    return bool(sample) and all("text" in p and "section" in p for p in sample)


def read_s2orc(data: dict[str, Any], *, source: str) -> Paper:
    """Read an s2orc-doc2json paper.

    Args:
        data: The decoded JSON document.
        source: What to name the input in messages.

    Raises:
        PaperReadError: When the document is not an s2orc paper.

    """
    if not looks_like_s2orc(data):
        raise PaperReadError(f"{source}: not an s2orc paper (expected pdf_parse.body_text paragraphs)")
    parse = _parse(data)
    refs = parse.get("ref_entries") or {}
    paper = Paper(source=source, format="s2orc")
    paper.title, title_note = _title(str(data.get("title") or ""))
    if title_note:
        paper.warnings.append(title_note)
    paper.abstract = _abstract(data, parse)
    placed: set[str] = set()
    paper.sections = _sections(paper, parse.get("body_text") or [], refs, placed)
    _mark_appendix(paper.sections)
    _place_unreferenced(paper, refs, placed)
    paper.sections += _sections(paper, parse.get("back_matter") or [], refs, placed, back=True)
    _mark_appendix(paper.sections)
    paper.bibliography = [_bib_entry(e) for e in (parse.get("bib_entries") or {}).values() if isinstance(e, dict)]
    paper.bibliography = [e for e in paper.bibliography if e]
    missing = sum(1 for p in parse.get("body_text") or [] if _missing_formula(p))
    if missing:
        paper.warnings.append(f"{missing} equation(s) have no text in this JSON (a cleaned s2orc file drops "
                              "eq_spans); they are marked as not available")
    return paper


def _title(title: str) -> tuple[str, str]:
    """The title, without a notice GROBID sometimes glues in front of it (the last short sentence is kept)."""
    title = " ".join(title.split())
    if len(title.split()) > 25 and ". " in title:
        tail = title.rsplit(". ", 1)[1].strip()
        if 1 <= len(tail.split()) <= 20:
            return tail, f"title cut to its last sentence (the JSON title was {len(title.split())} words long)"
    return title, ""


def _abstract(data: dict[str, Any], parse: dict[str, Any]) -> str:
    """The abstract's paragraphs, without the footnotes (author notes) GROBID appends to it."""
    paragraphs = [p.get("text", "") for p in parse.get("abstract") or [] if isinstance(p, dict)]
    if not paragraphs and isinstance(data.get("abstract"), str):
        paragraphs = [data["abstract"]]
    kept = []
    for text in paragraphs:
        if _FOOTNOTE_START.match(text):
            continue
        cut = _FOOTNOTE_TAIL.search(text)
        if cut and cut.start() > 200:
            text = text[:cut.start()]
        kept.append(" ".join(text.split()))
    return "\n\n".join(t for t in kept if t)


def _heading(section: str, number: str | None) -> str:
    return f"{number} {section}".strip() if number else section.strip()


def _sections(paper: Paper, paragraphs: list[Any], refs: dict[str, Any], placed: set[str], *,
              back: bool = False) -> list[Section]:
    """Group consecutive paragraphs of the same section; headings numbered from ``sec_num``."""
    sections: list[Section] = []
    level = 1
    for para in paragraphs:
        if not isinstance(para, dict):
            continue
        name = " ".join(str(para.get("section") or "").split())
        number = str(para.get("sec_num") or "").strip().rstrip(".") or None
        if back and name and not number:
            name = name[:1].upper() + name[1:]
        text = _paragraph(paper, para, refs, placed, name)
        stray = _STRAY_HEADING.match(text)
        if stray:  # a heading GROBID left as a paragraph ("6 Results")
            name, number, text = stray.group(2), stray.group(1), ""
        if name and (not sections or sections[-1].heading != _heading(name, number)):
            level = number.count(".") + 1 if number else (min(3, level + 1) if sections and not back else 1)
            sections.append(Section(heading=_heading(name, number), level=min(level, 3)))
        elif not sections:
            sections.append(Section(heading="", level=1))
        if text:
            sections[-1].text = f"{sections[-1].text}\n\n{text}".strip()
    return sections


def _paragraph(paper: Paper, para: dict[str, Any], refs: dict[str, Any], placed: set[str], name: str) -> str:
    """A paragraph's Markdown: its text with equations as math, then the floats it refers to first."""
    text = str(para.get("text") or "")
    repeated = re.match(rf"{re.escape(name)}\w*[:.]?\s+(?=[A-Z])", text, re.IGNORECASE) if name else None
    if repeated:  # back matter repeats its heading ("Acknowledgements We are ...")
        text = text[repeated.end():]
    text = _with_equations(paper, text, para.get("eq_spans") or [], refs)
    if _missing_formula(para):
        text = "[Equation not available in the source JSON.]"
    parts = [text.strip()] if text.strip() else []
    for span in para.get("ref_spans") or []:
        ref_id = span.get("ref_id") if isinstance(span, dict) else None
        if ref_id in refs and ref_id not in placed and _is_float(refs[ref_id]):
            placed.add(ref_id)
            parts.append(_float(paper, ref_id, refs[ref_id]))
    return "\n\n".join(parts)


def _missing_formula(para: Any) -> bool:
    return (isinstance(para, dict) and str(para.get("text") or "").strip() in _FORMULA_WORDS
            and not para.get("eq_spans"))


def _with_equations(paper: Paper, text: str, spans: list[Any], refs: dict[str, Any]) -> str:
    """Replace equation spans by math: a paragraph that is only the formula becomes a ``$$`` block."""
    for span in sorted((s for s in spans if isinstance(s, dict)), key=lambda s: -int(s.get("start") or 0)):
        latex = _formula_text(span, refs)
        if not latex:
            continue
        start, end = int(span.get("start") or 0), int(span.get("end") or 0)
        number = str(span.get("eq_num") or "").strip("() ")
        if not text[:start].strip() and not text[end:].strip():
            paper.equations.append(latex + (f" \\tag{{{number}}}" if number else ""))
            return f"$$ {paper.equations[-1]} $$"
        text = f"{text[:start]}${latex}${text[end:]}"
    return text


def _formula_text(span: dict[str, Any], refs: dict[str, Any]) -> str:
    entry = refs.get(span.get("ref_id")) if isinstance(refs.get(span.get("ref_id")), dict) else {}
    raw = span.get("latex") or span.get("raw_str") or entry.get("latex") or entry.get("text") or ""
    return " ".join(str(raw).split())


def _is_float(entry: Any) -> bool:
    return isinstance(entry, dict) and str(entry.get("type_str") or "").lower() in ("figure", "table")


def _float(paper: Paper, ref_id: str, entry: dict[str, Any]) -> str:
    """A figure or table: ``Figure N: caption`` (and the table as Markdown)."""
    kind = "Table" if str(entry.get("type_str")).lower() == "table" else "Figure"
    number = str(entry.get("fig_num") or entry.get("num") or "").strip()
    if not number:
        digits = re.search(r"(\d+)$", ref_id)
        number = str(int(digits.group(1)) + 1) if digits else ""
    caption = " ".join(str(entry.get("text") or "").split())
    caption = re.sub(rf"^{kind}\s*{re.escape(number)}\s*[:.]\s*", "", caption) if number else caption
    caption = f"{kind} {number}: {caption}".replace("  ", " ").strip()
    paper.captions.append(caption)
    table = _html_table(str(entry.get("content") or entry.get("html") or "")) if kind == "Table" else ""
    if table:
        paper.tables.append(f"{caption}\n\n{table}")
    return f"{caption}\n\n{table}".strip()


def _html_table(markup: str) -> str:
    """A GROBID ``<table>`` as a Markdown pipe table (``colspan`` cells padded)."""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", markup, re.DOTALL | re.IGNORECASE):
        cells = []
        for m in re.finditer(r"<t[dh]([^>]*?)(?:/>|>(.*?)</t[dh]>)", row, re.DOTALL | re.IGNORECASE):
            text = html.unescape(re.sub(r"<[^>]+>", " ", m.group(2) or ""))
            cells.append(" ".join(text.split()).replace("|", "\\|"))
            span = re.search(r'colspan="?(\d+)', m.group(1))
            cells += [""] * (int(span.group(1)) - 1 if span else 0)
        if any(cells):
            rows.append(cells)
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    return "\n".join([_pipe_row(rows[0]), _pipe_row(["---"] * width)] + [_pipe_row(r) for r in rows[1:]])


def _pipe_row(cells: list[str]) -> str:
    return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"


def _place_unreferenced(paper: Paper, refs: dict[str, Any], placed: set[str]) -> None:
    """Floats no paragraph refers to go at the end of the body (before the appendix)."""
    extra = [_float(paper, ref_id, entry) for ref_id, entry in refs.items() if ref_id not in placed and
             _is_float(entry)]
    if not extra:
        return
    body = [s for s in paper.sections if not s.appendix]
    if not body:
        paper.sections.insert(0, Section(heading="", level=1))
        body = paper.sections[:1]
    body[-1].text = "\n\n".join([body[-1].text, *extra]).strip()


def _mark_appendix(sections: list[Section]) -> None:
    """From a heading numbered with a letter (after numbered ones) or named Appendix on, sections are appendix."""
    numbered = in_appendix = False
    for s in sections:
        number, _, name = s.heading.partition(" ")
        if not in_appendix:
            numbered = numbered or number[:1].isdigit()
            in_appendix = bool(_APPENDIX.match(s.heading)) or (numbered and bool(_LETTERED.match(number)) and
                                                                bool(name))
        s.appendix = in_appendix


def _bib_entry(entry: dict[str, Any]) -> str:
    """A reference as text: the raw string GROBID kept, else authors, title, venue and year."""
    raw = " ".join(str(entry.get("raw_text") or "").split())
    if raw:
        return raw
    authors = ", ".join(" ".join(p for p in (a.get("first", ""), " ".join(a.get("middle") or []), a.get("last", ""))
                                 if p) for a in entry.get("authors") or [] if isinstance(a, dict))
    parts = [authors, str(entry.get("title") or ""), str(entry.get("venue") or ""), str(entry.get("year") or "")]
    return ". ".join(p.strip() for p in parts if p and p.strip())
