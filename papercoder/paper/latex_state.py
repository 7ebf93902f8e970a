r"""The LaTeX converter's state and output: placeholders, blocks, labels, counters and Markdown.

:class:`RenderState` holds what the converter builds while it walks a document body (blocks, labels, counters,
floats, equations, tables, captions, footnotes) and the output helpers environments, commands and algorithms
use; :class:`~papercoder.paper.latex_render.Renderer` adds the walk over the source. What must stay a block of
its own is stored and written as a ``BLOCK`` placeholder, cross-references as ``REF`` placeholders, footnotes
as ``FOOTNOTE`` marks; bold, line-break and algorithm marks are control characters too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from papercoder.paper.latex_bib import Bibliography
from papercoder.paper.latex_macros import Definitions
from papercoder.paper.latex_scan import read_group, read_optional, skip_space

BLOCK = re.compile(r"\x00(\d+)\x00")
BLOCK_SPLIT = re.compile(r"(\x00\d+\x00)")
FOOTNOTE_MARK = "\x08"
FOOTNOTE = re.compile(r"\x08(\d+)\x08")
REF = re.compile(r"\x01([a-z]):([^\x01]*)\x01")
BOLD_OPEN, BOLD_CLOSE, LINE_BREAK = "\x02", "\x03", "\x04"
ALGO_LINE, ALGO_INDENT, ALGO_DEDENT = "\x05", "\x06", "\x07"
_MARKERS = re.compile(f"[{BOLD_OPEN}{BOLD_CLOSE}]")


@dataclass
class Block:
    """A piece of the output that is not prose: its kind and Markdown, and for headings their level and number."""

    kind: str
    text: str
    level: int = 0
    number: str = ""
    appendix: bool = False


@dataclass
class Label:
    r"""What a ``\label`` refers to: a kind (section, figure, equation...), the number printed, a title."""

    kind: str = ""
    value: str = ""
    title: str = ""


@dataclass
class FloatState:
    """The float being read: its kind, whether its caption was seen, its tables and sub-captions."""

    kind: str
    number: str = ""
    tables: list[int] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    subs: int = 0


class RenderState:
    """The converter's state and output helpers; :class:`~papercoder.paper.latex_render.Renderer` walks the source."""

    def __init__(self, defs: Definitions | None = None, bib: Bibliography | None = None, *,
                 secnumdepth: int = 3, equations_within_section: bool = False) -> None:
        self.defs = defs or Definitions()
        self.bib = bib or Bibliography()
        self.blocks: list[Block] = []
        self.labels: dict[str, Label] = {}
        self.current = Label()
        self.counters: dict[str, int] = {}
        self.section_numbers = [0, 0, 0]
        self.secnumdepth = secnumdepth
        self.equations_within_section = equations_within_section
        self.appendix = False
        self.after_bibliography = False
        self.floats: list[FloatState] = []
        self.abstract = ""
        self.equations: list[str] = []
        self.tables: list[str] = []
        self.captions: list[str] = []
        self.footnotes: dict[int, str] = {}
        self.algorithm_mode: str | None = None
        self.algorithm_keywords: dict[str, tuple[str, str]] = {}
        self.table_depth = 0
        self.warnings: list[str] = []

    # ----------------------------------------------------------------------------------------------- output
    def block(self, kind: str, text: str, **extra: object) -> str:
        """Store a block and return its placeholder (on its own paragraph, except inline footnotes)."""
        self.blocks.append(Block(kind, text, **extra))  # type: ignore[arg-type]
        if kind == "footnote":
            return f"{FOOTNOTE_MARK}{len(self.blocks) - 1}{FOOTNOTE_MARK}"
        return f"\n\n\x00{len(self.blocks) - 1}\x00\n\n"

    def step(self, counter: str) -> int:
        """Increment a counter and return its value."""
        self.counters[counter] = self.counters.get(counter, 0) + 1
        return self.counters[counter]

    # ------------------------------------------------------------------------------------------- rendering
    def render(self, s: str) -> str:
        """Convert LaTeX to text with block, reference and bold placeholders (the Renderer's walk)."""
        raise NotImplementedError

    def drop_groups(self, s: str, j: int) -> int:
        """Drop a command with all the optional and braced arguments that follow it."""
        while True:
            k = skip_space(s, j)
            if k < len(s) and s[k] == "*":
                k += 1
            if k < len(s) and s[k] in "[{":
                got = read_optional(s, k) if s[k] == "[" else read_group(s, k)
                if got is None:
                    return k
                j = got[1]
            else:
                return j

    def start_appendix(self) -> None:
        r"""``\appendix``: sections restart at A, and everything after is appendix."""
        self.appendix = True
        self.section_numbers = [0, 0, 0]

    # ---------------------------------------------------------------------------------- labels etc.
    def set_label(self, key: str) -> None:
        """Record a label for what was numbered last."""
        self.labels.setdefault(key.strip(), Label(self.current.kind, self.current.value, self.current.title))

    def footnote(self, text: str) -> str:
        """Store a footnote and return its inline placeholder."""
        number = self.step("footnote")
        self.footnotes[number] = text
        return self.block("footnote", text, number=str(number))

    # ------------------------------------------------------------------------------------------ finishing
    def paragraphs(self, text: str) -> list[str | Block]:
        """Split rendered text into normalised prose paragraphs and blocks (footnote marks stay inline)."""
        items: list[str | Block] = []
        for part in re.split(r"\n[ \t]*\n", text):
            for piece in BLOCK_SPLIT.split(part):
                m = BLOCK.fullmatch(piece)
                if m:
                    items.append(self.blocks[int(m.group(1))])
                elif prose := _normalize(piece):
                    items.append(prose)
        return items

    def markdown(self, text: str) -> str:
        """Rendered text as Markdown: paragraphs, blocks in their Markdown form; bold marks dropped."""
        parts = []
        for item in self.paragraphs(text):
            parts.append(item if isinstance(item, str) else self.block_markdown(item))
        return _MARKERS.sub("", "\n\n".join(p for p in parts if p.strip()))

    def block_markdown(self, block: Block) -> str:
        """A block's Markdown (headings met inside a nested context become bold lines)."""
        if block.kind in ("heading", "pseudo"):
            return f"**{block.text}**"
        return block.text

    def inline(self, text: str) -> str:
        """Rendered text on one line: blocks flattened (tables to their cells, math to ``$...$``)."""
        def flat(m: re.Match[str]) -> str:
            block = self.blocks[int(m.group(1))]
            if block.kind == "math":
                return " $" + " ".join(block.text.strip().strip("$").split()) + "$ "
            if block.kind == "table":
                rows = [" ".join(c.strip() for c in line.strip().strip("|").split(" | ") if c.strip())
                        for line in block.text.splitlines() if not re.match(r"^\|[\s|:-]+\|$", line)]
                return " " + " ".join(r for r in rows if r) + " "
            return " " + " ".join(block.text.replace("```text", "").replace("```", "").split()) + " "

        text = BLOCK.sub(flat, text)
        return _MARKERS.sub("", " ".join(text.replace(LINE_BREAK, " ").split()))

    def text(self, latex: str) -> str:
        """LaTeX to one line of plain text (titles, labels, bibliography entries)."""
        return FOOTNOTE.sub("", self.inline(self.render(latex))).strip()


def _normalize(text: str) -> str:
    """Collapse the whitespace of a prose paragraph; explicit line breaks become newlines."""
    text = " ".join(text.split())
    text = re.sub(rf"\s*{LINE_BREAK}\s*", "\n", text)
    text = re.sub(r" +([,.;:!?)\]])", lambda m: m.group(1) if m.group(1) not in ")]" else m.group(0), text)
    return text.strip("\n ")
