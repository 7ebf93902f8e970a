"""Markdown and plain-text papers."""

from __future__ import annotations

import re

from papercoder.paper.model import Paper, Section
from papercoder.paper.text import (
    NUMBERED,
    bibliography_entries,
    collect_blocks,
    mark_appendix,
    normalize,
    numbering_level,
    split_bibliography,
    take_abstract,
)

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_KNOWN = re.compile(r"^(abstract|introduction|related work|background|preliminar(y|ies)|methods?|methodology|"
                    r"experiments?|experimental setup|results|discussion|conclusions?|limitations|"
                    r"acknowledge?ments|references|bibliography|appendix|appendices|broader impacts?|"
                    r"impact statements?|ethics statement)$", re.IGNORECASE)


def looks_like_markdown(text: str) -> bool:
    """Whether ``text`` uses Markdown headings."""
    return bool(re.search(r"^#{1,6}\s+\S", text, re.MULTILINE))


def read_markdown(text: str, *, source: str = "") -> Paper:
    """Read Markdown: ``#`` headings are sections; a first level-1 heading before any text is the title."""
    lines = normalize(text).splitlines()
    headings: list[tuple[int, str, int]] = []  # (line index, heading, markdown level)
    in_fence = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _MD_HEADING.match(line)
        if m:
            headings.append((i, m.group(2).strip(), len(m.group(1))))
    title = ""
    if headings and headings[0][2] == 1 and not "".join(lines[: headings[0][0]]).strip():
        title = headings[0][1]
    sections: list[Section] = []
    top = min((lvl for _, h, lvl in headings if h != title), default=1)
    starts = [h for h in headings if not (title and h[1] == title and h[0] == headings[0][0])]
    preface = "\n".join(lines[(headings[0][0] + 1 if title else 0): starts[0][0] if starts else len(lines)])
    if preface.strip():
        sections.append(Section(heading="", level=1, text=preface.strip()))
    for n, (i, heading, lvl) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        level = numbering_level(heading) or max(1, lvl - top + 1)
        sections.append(Section(heading=heading, level=min(level, 3), text="\n".join(lines[i + 1:end]).strip()))
    return _finish(Paper(title=title, source=source, format="markdown", sections=sections))


def read_plain_text(text: str, *, source: str = "") -> Paper:
    """Read plain text: numbered lines (``3.1 Name``) and well-known section names are headings."""
    sections: list[Section] = [Section(heading="", level=1)]
    title = ""
    for line in normalize(text).splitlines():
        stripped = line.strip()
        if _is_text_heading(stripped):
            sections.append(Section(heading=stripped.rstrip(":"), level=min(numbering_level(stripped) or 1, 3)))
        elif not title and stripped and len(sections) == 1 and not sections[0].text.strip():
            title = stripped
        else:
            sections[-1].text += line + "\n"
    sections = [s for s in sections if s.heading or s.text.strip()]
    for s in sections:
        s.text = s.text.strip()
    return _finish(Paper(title=title, source=source, format="text", sections=sections))


def _is_text_heading(line: str) -> bool:
    if not line or len(line) > 80 or line.endswith((".", ",", ";")):
        return False
    m = NUMBERED.match(line)
    if m and m.group("name")[:1].isupper() and len(m.group("name").split()) <= 10:
        return True
    return bool(_KNOWN.match(line.rstrip(":")))


def _finish(paper: Paper) -> Paper:
    take_abstract(paper)
    mark_appendix(paper.sections)
    kept, bib = split_bibliography(paper.sections)
    paper.sections = kept
    paper.bibliography = [e for s in bib for e in bibliography_entries(s.text)]
    collect_blocks(paper)
    return paper
