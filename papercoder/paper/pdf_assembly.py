"""Title and assembly for the PDF reader: the ordered lines built into a :class:`~papercoder.paper.model.Paper`.

Holds :func:`take_title` (the largest type on the first page) and :func:`assemble`, which cuts the lines at
the headings and adds each part as the abstract, the bibliography, a section, the appendix or the checklist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from papercoder.paper.model import Paper, Section
from papercoder.paper.pdf_bibliography import pull_floats, split_references
from papercoder.paper.pdf_blocks import Block, group_blocks
from papercoder.paper.pdf_headings import (
    APPENDIX,
    BIB,
    CHECKLIST,
    Heading,
    find_headings,
    heading_name,
    numbering,
    roman_section,
)
from papercoder.paper.pdf_layout import Layout
from papercoder.paper.pdf_render import Words, inline, join_lines, render_blocks
from papercoder.paper.pdf_spans import Line


def take_title(lines: list[Line], layout: Layout) -> tuple[str, int]:
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
    if numbering(lines[start].text):
        return "", 0  # the largest type is a numbered section heading: the file has no title page
    end = start
    while end + 1 < len(lines) and lines[end + 1].page == lines[start].page \
            and abs(lines[end + 1].size - lines[start].size) < 0.6 and end - start < 3:
        end += 1
    return " ".join(ln.text for ln in lines[start:end + 1]), end + 1


@dataclass
class _Part:
    """A stretch of lines under one heading (or before the first heading)."""

    heading: Heading | None
    lines: list[Line]


def _parts(lines: list[Line], headings: list[Heading], start: int) -> list[_Part]:
    parts = [_Part(None, lines[start:headings[0].start] if headings else lines[start:])]
    for h, nxt in zip(headings, [*headings[1:], None], strict=False):
        parts.append(_Part(h, lines[h.end + 1:nxt.start if nxt else len(lines)]))
    return parts


def _front_abstract(blocks: list[Block], layout: Layout, words: Words) -> str:
    """The abstract when it has no heading: a paragraph opened by "Abstract", else the longest one."""
    paragraphs = [join_lines([inline(ln, layout) for ln in b.lines], words) for b in blocks if b.kind == "body"]
    for text in paragraphs:
        match = re.match(r"^abstract\b[\s.:—–-]*", text, re.IGNORECASE)
        if match and len(text) > len(match.group(0)) + 40:
            return text[match.end():]
    long = [t for t in paragraphs if len(t.split()) >= 60]
    return max(long, key=len) if long else ""


def assemble(lines: list[Line], title: str, start: int, layout: Layout) -> Paper:
    """Build the paper from the ordered lines: sections, abstract, bibliography, appendix, checklist."""
    headings = find_headings(lines[start:], layout)
    for h in headings:
        h.start, h.end = h.start + start, h.end + start
    abstract_at = next((k for k, h in enumerate(headings) if heading_name(h).lower() == "abstract"), None)
    if abstract_at is not None:
        headings = headings[abstract_at:]  # headings above the abstract are authors and affiliations
    assembly = _Assembly(Paper(title=title, format="pdf"), layout, Words.collect(lines))
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
    layout: Layout
    words: Words
    state: dict[str, bool] = field(default_factory=lambda: {"refs": False, "appendix": False, "checklist": False})
    carried: list[Line] = field(default_factory=list)
    """Floats found among the references; they go to the next section."""

    def render(self, lines: list[Line]) -> str:
        """Markdown for lines of running text (captions, tables and equations are listed on the paper)."""
        return render_blocks(group_blocks(lines, self.layout), self.layout, self.words, self.paper)

    def add(self, heading: Heading, lines: list[Line]) -> None:
        """Add what a heading opens: the abstract, the bibliography or a section."""
        role = _role(heading, self.state)
        if role == "abstract" and not self.paper.abstract:
            self.paper.abstract = self.render(lines)
        elif role == "references":
            entries, floats = pull_floats(lines, self.layout)
            self.paper.bibliography.extend(split_references(entries, self.layout, self.words))
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


def _role(heading: Heading, state: dict[str, bool]) -> str:
    """What a heading opens, updating the reader's state (references, appendix, checklist)."""
    name = heading_name(heading)
    if CHECKLIST.search(heading.text) and heading.level == 1:
        state["checklist"], state["refs"] = True, False
        return "checklist"
    if BIB.match(heading.text) or BIB.match(name):
        state["refs"] = True
        return "references"
    lettered = heading.number[:1].isalpha() and not roman_section(heading)
    if APPENDIX.match(heading.text) or (lettered and heading.level == 1):
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
    assembly.paper.abstract = _front_abstract(group_blocks(part.lines, assembly.layout), assembly.layout,
                                              assembly.words)
