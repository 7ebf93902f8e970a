r"""Math for the LaTeX converter: inline and display math, and the display math environments.

Math is kept as LaTeX: inline math as ``$...$`` on one line, display math as ``$$ ... $$`` blocks, where the
numbered rows of ``equation``/``align``-like environments get ``\tag{n}`` and their labels that number; labels
are dropped from the math and references become placeholders resolved later.
"""

from __future__ import annotations

import re

from papercoder.paper.latex_scan import ROW_BREAK, read_args, split_top_level
from papercoder.paper.latex_state import Label, RenderState

MATH = {"equation", "equation*", "align", "align*", "alignat", "alignat*", "gather", "gather*", "multline",
        "multline*", "flalign", "flalign*", "eqnarray", "eqnarray*", "displaymath", "dmath", "dmath*", "math",
        "IEEEeqnarray", "IEEEeqnarray*", "dgroup", "dgroup*"}
_MULTI_ROW_MATH = ("align", "alignat", "gather", "flalign", "eqnarray", "IEEEeqnarray")


def render_math(r: RenderState, s: str, i: int, out: list[str]) -> int:
    """``$...$`` or ``$$...$$`` at ``s[i]``."""
    if s.startswith("$$", i):
        return render_display_math(r, s, i + 2, out, close="$$")
    return render_inline_math(r, s, i + 1, out, close="$")


def _find_close(s: str, i: int, close: str) -> int:
    j = i
    while True:
        k = s.find(close, j)
        if k < 0:
            return len(s)
        backslashes = len(s[j:k]) - len(s[j:k].rstrip("\\"))
        if close[0] == "\\" or backslashes % 2 == 0:
            return k
        j = k + 1


def render_inline_math(r: RenderState, s: str, i: int, out: list[str], *, close: str) -> int:
    """Inline math kept as LaTeX on one line (labels dropped, references resolved later)."""
    end = _find_close(s, i, close)
    content = " ".join(_clean_math(r, s[i:end]).split())
    if content:
        previous = next((piece for piece in reversed(out) if piece), "")
        out.append(f" ${content}$" if previous.endswith("$") else f"${content}$")
    return min(len(s), end + len(close))


def render_display_math(r: RenderState, s: str, i: int, out: list[str], *, close: str) -> int:
    r"""Unnumbered display math (``\[...\]``, ``$$...$$``) as a ``$$`` block."""
    end = _find_close(s, i, close)
    out.append(_math_block(r, _clean_math(r, s[i:end])))
    return min(len(s), end + len(close))


def _math_block(r: RenderState, latex: str) -> str:
    lines = [line.strip() for line in latex.strip().splitlines() if line.strip()]
    latex = "\n".join(lines)
    if not latex:
        return ""
    r.equations.append(latex)
    return r.block("math", f"$$\n{latex}\n$$" if "\n" in latex else f"$$ {latex} $$")


def _clean_math(r: RenderState, latex: str, number: str = "") -> str:
    """Math source without labels and numbering switches; references become placeholders."""
    def label(m: re.Match[str]) -> str:
        r.labels.setdefault(m.group(1).strip(), Label("equation", number, ""))
        return ""

    latex = re.sub(r"\\label\s*\{([^{}]*)\}", label, latex)
    latex = re.sub(r"\\(?:nonumber|notag|protect)(?![A-Za-z])", "", latex)
    latex = re.sub(r"\\eqref\s*\{([^{}]*)\}", lambda m: f"\x01e:{m.group(1)}\x01", latex)
    latex = re.sub(r"\\(?:c|C|auto)?ref\s*\{([^{}]*)\}", lambda m: f"\x01r:{m.group(1)}\x01", latex)
    return latex


def render_math_environment(r: RenderState, name: str, body: str) -> str:
    r"""A display math environment; numbered rows get ``\tag{n}`` and their labels that number."""
    base = name.rstrip("*")
    if base == "alignat":
        body = body[read_args(body, 0, "{")[1]:]
    if base == "math":
        return f"${' '.join(_clean_math(r, body).split())}$"
    numbered = not name.endswith("*") and base not in ("displaymath", "dgroup")
    rows = split_top_level(body, ROW_BREAK) if base.startswith(_MULTI_ROW_MATH) else [body]
    rows = [row for row in rows if row.strip()]
    out_rows = [_math_row(r, row, numbered) for row in rows]
    latex = " \\\\\n".join(out_rows)
    if len(out_rows) > 1:
        env = "gathered" if base == "gather" else "aligned"
        latex = f"\\begin{{{env}}}\n{latex}\n\\end{{{env}}}"
    return _math_block(r, latex)


def _math_row(r: RenderState, row: str, numbered: bool) -> str:
    tag = re.search(r"\\tag\*?\s*\{([^{}]*)\}", row)
    if tag:
        number = tag.group(1)
    elif numbered and not re.search(r"\\(?:nonumber|notag)(?![A-Za-z])", row):
        number = equation_number(r)
    else:
        number = ""
    r.current = Label("equation", number, "")
    latex = " ".join(_clean_math(r, row, number).split())
    return f"{latex} \\tag{{{number}}}" if number and not tag else latex


def equation_number(r: RenderState) -> str:
    """The next equation number (``3.2`` when equations are numbered within sections)."""
    n = r.step("equation")
    if r.equations_within_section and r.section_numbers[0]:
        top = r.section_numbers[0]
        return f"{chr(64 + top) if r.appendix else top}.{n}"
    return str(n)
