"""Rendering for the PDF reader: blocks to Markdown.

Holds :class:`Words` (the document's vocabulary, to repair line-end hyphenation), :func:`inline` (a line with
its math runs wrapped in ``$...$``), :func:`render_blocks` (a section's blocks as Markdown) and
:func:`join_lines`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from papercoder.paper.model import Paper
from papercoder.paper.pdf_blocks import Block
from papercoder.paper.pdf_layout import Layout
from papercoder.paper.pdf_spans import Line


@dataclass
class Words:
    """The document's vocabulary, to decide whether a line-end hyphen belongs to the word."""

    hyphenated: set[str] = field(default_factory=set)
    plain: set[str] = field(default_factory=set)

    @classmethod
    def collect(cls, lines: Iterable[Line]) -> Words:
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


def inline(line: Line, layout: Layout) -> str:
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


def _math_spans(line: Line, layout: Layout) -> list[bool]:
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


def render_blocks(blocks: list[Block], layout: Layout, words: Words, paper: Paper) -> str:
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
            body = "\n".join(inline(ln, layout) for ln in block.lines)
            paper.tables.append(body)
            out.append(body)
        elif block.kind == "algorithm":
            out.append("\n".join(inline(ln, layout) for ln in block.lines))
        elif block.kind == "caption":
            caption = join_lines([inline(ln, layout) for ln in block.lines], words)
            paper.captions.append(caption)
            out.append(caption)
        else:
            text = join_lines([inline(ln, layout) for ln in block.lines], words)
            out.append(re.sub(r"^[•◦▪‣●]\s*", "- ", text))
    text = "\n\n".join(t for t in out if t.strip())
    return re.sub(r"(?m)^(\s*)#", r"\1\\#", text)


def join_lines(texts: list[str], words: Words) -> str:
    """Join the lines of a paragraph into one text, repairing the hyphenation at the breaks."""
    joined = ""
    for text in texts:
        joined = words.join(joined, text.strip())
    return joined
