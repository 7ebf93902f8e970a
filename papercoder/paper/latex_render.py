r"""LaTeX body to Markdown: the converter's core (text, commands, math, headings, references, footnotes).

The converter walks the source once. Prose is written as text; everything that must stay a block of its own
(display math, tables, lists, code, captions, headings) is stored in :attr:`Renderer.blocks` and written as a
placeholder, so paragraphs can be normalised afterwards without touching blocks. Cross-references are written
as placeholders too and resolved when the whole document has been read (labels may come after their use).

The converter's state and output helpers are in :mod:`papercoder.paper.latex_state`, the commands it interprets
itself in :mod:`papercoder.paper.latex_commands`, environments in :mod:`papercoder.paper.latex_envs`, math in
:mod:`papercoder.paper.latex_math` and algorithms in :mod:`papercoder.paper.latex_algorithms`; they all work on
a :class:`~papercoder.paper.latex_state.RenderState` and none imports this module.
"""

from __future__ import annotations

import re

from papercoder.paper.latex_algorithms import algorithm_command
from papercoder.paper.latex_commands import HANDLERS
from papercoder.paper.latex_math import render_display_math, render_inline_math, render_math
from papercoder.paper.latex_scan import CONTROL_WORD, read_args, read_group, read_optional, read_token, skip_space
from papercoder.paper.latex_state import (
    ALGO_LINE,
    BOLD_CLOSE,
    BOLD_OPEN,
    FOOTNOTE,
    LINE_BREAK,
    REF,
    Label,
    RenderState,
)
from papercoder.paper.latex_text import (
    ACCENTS,
    BOLD_DECLARATIONS,
    BOLD_UNWRAP,
    CITES,
    CONTROL_SYMBOLS,
    DECLARATIONS,
    DROP,
    LAST,
    METADATA,
    PRIMITIVES_WITH_NUMBER,
    REFS,
    SECTIONS,
    SYMBOLS,
    UNWRAP,
    accent,
    skip_dimension,
)

_SPECIAL = re.compile(r"[\\{}$~&]|``|''|---?|`")
_TEXT_MARKS = {"``": "“", "''": "”", "---": "—", "--": "–", "`": "‘", "~": " ", "&": " "}


class Renderer(RenderState):
    """Converts a LaTeX document body to Markdown with placeholders; collects equations, tables and captions.

    The state and the output helpers are :class:`~papercoder.paper.latex_state.RenderState`'s; this class walks
    the source: text, commands, math, headings and references.
    """

    # ------------------------------------------------------------------------------------------- rendering
    def render(self, s: str) -> str:
        """Convert LaTeX to text with block, reference and bold placeholders."""
        out: list[str] = []
        i = 0
        n = len(s)
        while i < n:
            m = _SPECIAL.search(s, i)
            if m is None:
                out.append(s[i:])
                break
            out.append(s[i:m.start()])
            i = m.start()
            token = m.group(0)
            if token == "\\":
                i = self._command(s, i, out)
            elif token == "{":
                i = self._group(s, i, out)
            elif token == "}":
                i += 1
            elif token == "$":
                i = render_math(self, s, i, out)
            else:
                out.append(_TEXT_MARKS[token])
                i = m.end()
        return "".join(out)

    def _group(self, s: str, i: int, out: list[str]) -> int:
        content, end = read_group(s, i) or ("", i + 1)
        m = re.match(r"\s*\\([A-Za-z]+)(?![A-Za-z])", content)
        if m and m.group(1) in BOLD_DECLARATIONS:
            out.append(BOLD_OPEN + self.render(content[m.end():]) + BOLD_CLOSE)
        else:
            out.append(self.render(content))
        return end

    def _command(self, s: str, i: int, out: list[str]) -> int:
        before = len(out)
        end = self._dispatch(s, i, out)
        if not any(out[before:]) and _alone_on_line(s, i, end):
            return s.index("\n", end) + 1  # a line of output-less commands is not a blank line: drop it whole
        return end

    def _dispatch(self, s: str, i: int, out: list[str]) -> int:
        m = CONTROL_WORD.match(s, i)
        if m is None:
            return self._symbol(s, i + 1, out)
        name, j = m.group(1), m.end()
        handler = HANDLERS.get(name)
        if handler is not None:
            return handler(self, name, s, j, out)
        if self.algorithm_mode is not None:
            end = algorithm_command(self, name, s, j, out)
            if end is not None:
                return end
        return self._generic(name, s, j, out)

    def _generic(self, name: str, s: str, j: int, out: list[str]) -> int:
        """Commands known by table; the others vanish and leave their braced arguments as text."""
        if name in SYMBOLS:
            out.append(SYMBOLS[name])
            return skip_space(s, j)
        if name in ACCENTS:  # \c{c}, \v{s}, \u{g}...
            letter, j = read_token(s, skip_space(s, j))
            rendered = letter if letter in ("\\i", "\\j") or not letter.startswith("\\") else self.render(letter)
            out.append(accent(name, rendered))
            return j
        if name in UNWRAP:
            args, j = read_args(s, j, "*[{")
            text = self.render(args[2] or "")
            out.append(BOLD_OPEN + text + BOLD_CLOSE if name in BOLD_UNWRAP else text)
            return j
        if name in LAST:
            args, j = read_args(s, j, LAST[name])
            out.append(self.render(args[-1] or ""))
            return j
        if name in DROP:
            if name in PRIMITIVES_WITH_NUMBER or not DROP[name]:
                return skip_dimension(s, j)
            if name in ("bibliography", "printbibliography"):
                self.after_bibliography = True
            return read_args(s, j, DROP[name])[1]
        if name in PRIMITIVES_WITH_NUMBER:
            return skip_dimension(s, j)
        if name in DECLARATIONS:
            return skip_space(s, j)
        if name in SECTIONS:
            return self._heading(name, s, j, out)
        if CITES.match(name):
            return self._cite(name, s, j, out)
        if name in REFS:
            return self._ref(name, s, j, out)
        if METADATA.search(name):
            return self.drop_groups(s, j)
        if re.match(r"(Set|Dont|Lines|IncMargin|DecMargin|Reset|Restyle|SetAlgo)", name):
            return self.drop_groups(s, j)
        return self._unknown(s, j)

    def _unknown(self, s: str, j: int) -> int:
        """An unknown command: drop its name and an optional argument right after it."""
        if j < len(s) and s[j] == "*":
            j += 1
        if j < len(s) and s[j] == "[":
            got = read_optional(s, j)
            if got is not None:
                return got[1]
        return skip_space(s, j) if j < len(s) and s[j] in " \t\n" else j

    def _symbol(self, s: str, i: int, out: list[str]) -> int:
        r"""A control symbol (``\%``, ``\\``, ``\'e``, ``\[``...); ``i`` is the index after the backslash."""
        c = s[i] if i < len(s) else ""
        if c == "\\":
            return self._line_break(s, i + 1, out)
        if c in "'`^\"~=.":
            letter, j = read_token(s, i + 1)
            out.append(accent(c, letter))
            return j
        if c == "[":
            return render_display_math(self, s, i + 1, out, close="\\]")
        if c == "(":
            return render_inline_math(self, s, i + 1, out, close="\\)")
        if c == ";" and self.algorithm_mode == "a2e":
            out.append(ALGO_LINE)
            return i + 1
        out.append(CONTROL_SYMBOLS.get(c, c))
        return i + 1

    def _line_break(self, s: str, j: int, out: list[str]) -> int:
        if j < len(s) and s[j] == "*":
            j += 1
        k = skip_space(s, j)
        got = read_optional(s, k) if k < len(s) and s[k] == "[" else None
        out.append(ALGO_LINE if self.algorithm_mode else LINE_BREAK)
        return got[1] if got else j

    # ---------------------------------------------------------------------------------------- structure
    def _heading(self, name: str, s: str, j: int, out: list[str]) -> int:
        args, j = read_args(s, j, "*[{")
        depth = SECTIONS[name]
        number = ""
        if not args[0] and depth <= min(3, self.secnumdepth) and name not in ("part", "chapter"):
            number = self._number_section(depth)
        self.current = Label("appendix" if self.appendix else "section", number, "")
        known = len(self.labels)
        title = FOOTNOTE.sub("", self.inline(self.render(args[2] or ""))).strip()
        if name in ("paragraph", "subparagraph"):
            title = title.rstrip(".:").strip()
        self.current.title = title
        for key in list(self.labels)[known:]:  # a \label inside the title names this heading
            self.labels[key].title = title
        level = min(depth, 3)
        heading = f"{number} {title}".strip()
        out.append(self.block("heading", heading, level=level, number=number,
                              appendix=self.appendix or self.after_bibliography))
        return j

    def _number_section(self, depth: int) -> str:
        nums = self.section_numbers
        nums[depth - 1] += 1
        for k in range(depth, 3):
            nums[k] = 0
        if depth == 1 and self.equations_within_section:
            self.counters["equation"] = 0
        parts = [str(x) for x in nums[:depth]]
        if self.appendix:
            parts[0] = _letters(nums[0])
        return ".".join(parts)

    # ---------------------------------------------------------------------------------- references etc.
    def _cite(self, name: str, s: str, j: int, out: list[str]) -> int:
        args, j = read_args(s, j, "*[[{")
        pre, post = (args[1], args[2]) if args[2] is not None else (None, args[1])
        keys = [k.strip() for k in (args[3] or "").split(",") if k.strip()]
        if name == "nocite":
            return j
        pre = self.inline(self.render(pre)) if pre else None
        post = self.inline(self.render(post)) if post else None
        out.append(self.bib.cite(name, keys, pre or None, post or None))
        return j

    def _ref(self, name: str, s: str, j: int, out: list[str]) -> int:
        args, j = read_args(s, j, "*[{{" if name in ("crefrange", "Crefrange") else "*[{")
        keys = [k.strip() for k in (args[2] or "").split(",") if k.strip()]
        if name in ("crefrange", "Crefrange"):
            keys = [k for k in (args[2] or "", args[3] or "") if k]
        style = REFS[name]
        if style == "p":
            return j
        out.append(" and ".join(f"\x01{style}:{k}\x01" for k in keys) if style == "c" and len(keys) > 1 else
                   ", ".join(f"\x01{style}:{k}\x01" for k in keys))
        return j

    def resolve(self, text: str) -> str:
        """Replace reference placeholders by the numbers their labels got (``??`` for unknown labels)."""
        return REF.sub(self._reference, text)

    def _reference(self, m: re.Match[str]) -> str:
        style, key = m.group(1), m.group(2).strip()
        label = self.labels.get(key)
        if label is None:
            return "??"
        if style == "e":
            return f"({label.value})"
        if style == "n":
            return label.title or label.value
        if style == "c":
            return f"{_KIND_NAMES.get(label.kind, label.kind.capitalize())} {label.value}".strip()
        return label.value


def _alone_on_line(s: str, start: int, end: int) -> bool:
    """Whether ``s[start:end]`` is preceded on its line by blanks only and followed by blanks and a line end."""
    k = start - 1
    while k >= 0 and s[k] in " \t":
        k -= 1
    if k >= 0 and s[k] != "\n":
        return False
    k = end
    while k < len(s) and s[k] in " \t":
        k += 1
    return k < len(s) and s[k] == "\n"


def _letters(n: int) -> str:
    """Appendix numbering: 1 -> A, 26 -> Z, 27 -> AA."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(ord("A") + r) + out
    return out or "A"


_KIND_NAMES = {"section": "Section", "appendix": "Appendix", "figure": "Figure", "table": "Table",
               "equation": "Equation", "algorithm": "Algorithm", "item": "item", "listing": "Listing",
               "footnote": "footnote", "line": "line"}
