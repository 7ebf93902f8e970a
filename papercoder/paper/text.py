"""Text helpers every reader shares: Unicode clean-up, heading names, appendix and bibliography splitting."""

from __future__ import annotations

import re
import unicodedata

from papercoder.paper.model import Paper, Section

BIB_HEADING = re.compile(r"^(references?|bibliography|literature cited|works cited)$", re.IGNORECASE)
ABSTRACT_HEADING = re.compile(r"^abstract$", re.IGNORECASE)
APPENDIX_HEADING = re.compile(r"^(appendix|appendices|supplementary material|supplemental material)\b", re.IGNORECASE)
NUMBERED = re.compile(r"^(?P<num>(?:\d{1,2}|[A-Z])(?:\.\d{1,2}){0,3})\.?\s+(?P<name>\S.*)$")
LETTERED = re.compile(r"^[A-Z](?:\.\d{1,2}){0,3}\.?\s+\S")
_ODD_SPACES = dict.fromkeys(map(ord, "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f"
                                     "\u205f\u3000"), " ")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)


def normalize(text: str) -> str:
    """Normalise line endings, ligatures and compatibility characters (NFKC), odd spaces and invisible marks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE).translate(_ODD_SPACES)
    return unicodedata.normalize("NFKC", text)


def heading_name(heading: str) -> str:
    """A heading without its number (``"3.1 Outlier removal"`` -> ``"Outlier removal"``)."""
    m = NUMBERED.match(heading.strip())
    return (m.group("name") if m else heading).strip().rstrip(".:").strip()


def numbering_level(heading: str) -> int | None:
    """The level a heading's number implies (``"3"`` -> 1, ``"3.1"`` -> 2), or None when unnumbered."""
    m = NUMBERED.match(heading.strip())
    return m.group("num").count(".") + 1 if m else None


def is_bibliography(heading: str) -> bool:
    """Whether a heading opens the bibliography."""
    return bool(BIB_HEADING.match(heading_name(heading)))


def split_bibliography(sections: list[Section]) -> tuple[list[Section], list[Section]]:
    """Split sections into (kept, bibliography).

    The bibliography runs from a References heading to the next section that starts the appendix
    (an 'Appendix' heading, a lettered heading such as ``A Details`` / ``B.1 ...``) or to the end.
    """
    kept: list[Section] = []
    bib: list[Section] = []
    in_bib = False
    for s in sections:
        if is_bibliography(s.heading):
            in_bib = True
        elif in_bib and (s.appendix or APPENDIX_HEADING.match(heading_name(s.heading)) or LETTERED.match(s.heading)):
            in_bib = False
        (bib if in_bib else kept).append(s)
    return kept, bib


def mark_appendix(sections: list[Section]) -> None:
    """Flag the appendix: from an 'Appendix' heading, or a lettered heading after numbered ones, to the end."""
    numbered = in_appendix = False
    for s in sections:
        head = s.heading.strip()
        if not in_appendix:
            if re.match(r"^\d", head):
                numbered = True
            elif APPENDIX_HEADING.match(head) or (numbered and LETTERED.match(head)):
                in_appendix = True
        s.appendix = s.appendix or in_appendix


def bibliography_entries(text: str) -> list[str]:
    """Split a bibliography's text into entries (bullets, ``[n]`` labels, or blank-line paragraphs)."""
    text = text.strip()
    if not text:
        return []
    if re.search(r"^\s*(?:[-*]\s+|\[\d+\]\s*)", text, re.MULTILINE):
        parts = re.split(r"\n\s*(?=[-*]\s+|\[\d+\])", "\n" + text)
    else:
        parts = re.split(r"\n\s*\n", text)
    entries = [" ".join(re.sub(r"^\s*[-*]\s+", "", p).split()) for p in parts]
    return [e for e in entries if e]


def take_abstract(paper: Paper) -> None:
    """Move an 'Abstract' section's text into ``paper.abstract``."""
    for s in list(paper.sections):
        if ABSTRACT_HEADING.match(heading_name(s.heading)) and not paper.abstract:
            paper.abstract = s.text.strip()
            paper.sections.remove(s)
            return


def collect_blocks(paper: Paper) -> None:
    """Fill ``paper.equations``, ``tables`` and ``captions`` from the sections' Markdown, when empty."""
    body = "\n\n".join(s.text for s in paper.sections)
    if not paper.equations:
        paper.equations = [m.strip() for m in re.findall(r"\$\$(.+?)\$\$", body, re.DOTALL)]
    if not paper.tables:
        html = re.findall(r"<table.*?</table>", body, re.DOTALL | re.IGNORECASE)
        pipes = re.findall(r"(?:^\|.*\|[ \t]*\n){2,}", body + "\n", re.MULTILINE)
        paper.tables = [t.strip() for t in html + pipes]
    if not paper.captions:
        paper.captions = [m.strip() for m in re.findall(r"^((?:Figure|Fig\.|Table)\s+[A-Z]?\d+[.:].*)$", body,
                                                        re.MULTILINE)]
