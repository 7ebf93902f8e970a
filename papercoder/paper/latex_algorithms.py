r"""Algorithms as indented pseudo-code: ``algorithmic``/``algpseudocode`` and ``algorithm2e``.

While an algorithm is read, :func:`algorithm_command` turns its keywords into text with line, indent and dedent
marks; :func:`algorithm_lines` turns the marks into lines, kept as a ``text`` code block.
"""

from __future__ import annotations

import re

from papercoder.paper.latex_scan import read_args, read_optional, skip_space
from papercoder.paper.latex_state import (
    ALGO_DEDENT,
    ALGO_INDENT,
    ALGO_LINE,
    BLOCK,
    BOLD_CLOSE,
    BOLD_OPEN,
    FOOTNOTE,
    LINE_BREAK,
    RenderState,
)

_ALGPSEUDO: dict[str, tuple[str, int, str]] = {
    # name -> (text before the arguments, number of arguments, pattern: {0}, {1} are the arguments)
    "state": (ALGO_LINE, 0, ""), "statex": (ALGO_LINE, 0, ""),
    "if": (ALGO_LINE, 1, "if {0} then" + ALGO_INDENT), "elsif": (ALGO_DEDENT + ALGO_LINE, 1, "else if {0} then"
                                                                 + ALGO_INDENT),
    "else": (ALGO_DEDENT + ALGO_LINE, 0, "else" + ALGO_INDENT), "endif": (ALGO_DEDENT + ALGO_LINE, 0, "end if"),
    "for": (ALGO_LINE, 1, "for {0} do" + ALGO_INDENT), "forall": (ALGO_LINE, 1, "for all {0} do" + ALGO_INDENT),
    "endfor": (ALGO_DEDENT + ALGO_LINE, 0, "end for"), "while": (ALGO_LINE, 1, "while {0} do" + ALGO_INDENT),
    "endwhile": (ALGO_DEDENT + ALGO_LINE, 0, "end while"), "repeat": (ALGO_LINE, 0, "repeat" + ALGO_INDENT),
    "until": (ALGO_DEDENT + ALGO_LINE, 1, "until {0}"), "loop": (ALGO_LINE, 0, "loop" + ALGO_INDENT),
    "endloop": (ALGO_DEDENT + ALGO_LINE, 0, "end loop"), "require": (ALGO_LINE, 0, "Require: "),
    "ensure": (ALGO_LINE, 0, "Ensure: "), "input": (ALGO_LINE, 0, "Input: "), "output": (ALGO_LINE, 0, "Output: "),
    "return": (ALGO_LINE, 0, "return "), "print": (ALGO_LINE, 0, "print "),
    "function": (ALGO_LINE, 2, "function {0}({1})" + ALGO_INDENT),
    "endfunction": (ALGO_DEDENT + ALGO_LINE, 0, "end function"),
    "procedure": (ALGO_LINE, 2, "procedure {0}({1})" + ALGO_INDENT),
    "endprocedure": (ALGO_DEDENT + ALGO_LINE, 0, "end procedure"), "comment": ("", 1, "  ▷ {0}"),
    "call": ("", 2, "{0}({1})"), "algorithmicrequire": ("", 0, "Require:"), "algorithmicensure": ("", 0, "Ensure:"),
    "to": ("", 0, " to "), "true": ("", 0, "true"), "false": ("", 0, "false"), "and": ("", 0, " and "),
    "or": ("", 0, " or "), "not": ("", 0, "not "), "algorithmicdo": ("", 0, "do"), "algorithmicthen": ("", 0, "then"),
}
_A2E: dict[str, tuple[int, str]] = {
    # name -> (number of arguments, pattern); {b0}... are arguments rendered as nested statements
    "KwData": (1, ALGO_LINE + "Data: {0}" + ALGO_LINE), "KwResult": (1, ALGO_LINE + "Result: {0}" + ALGO_LINE),
    "KwIn": (1, ALGO_LINE + "Input: {0}" + ALGO_LINE), "KwOut": (1, ALGO_LINE + "Output: {0}" + ALGO_LINE),
    "KwRet": (1, ALGO_LINE + "return {0}"), "Return": (1, ALGO_LINE + "return {0}"), "KwTo": (0, " to "),
    "While": (2, ALGO_LINE + "while {0} do" + ALGO_INDENT + "{b1}" + ALGO_DEDENT + ALGO_LINE + "end"),
    "For": (2, ALGO_LINE + "for {0} do" + ALGO_INDENT + "{b1}" + ALGO_DEDENT + ALGO_LINE + "end"),
    "ForEach": (2, ALGO_LINE + "foreach {0} do" + ALGO_INDENT + "{b1}" + ALGO_DEDENT + ALGO_LINE + "end"),
    "ForAll": (2, ALGO_LINE + "forall {0} do" + ALGO_INDENT + "{b1}" + ALGO_DEDENT + ALGO_LINE + "end"),
    "If": (2, ALGO_LINE + "if {0} then" + ALGO_INDENT + "{b1}" + ALGO_DEDENT + ALGO_LINE + "end"),
    "uIf": (2, ALGO_LINE + "if {0} then" + ALGO_INDENT + "{b1}" + ALGO_DEDENT),
    "ElseIf": (2, ALGO_LINE + "else if {0} then" + ALGO_INDENT + "{b1}" + ALGO_DEDENT + ALGO_LINE + "end"),
    "uElseIf": (2, ALGO_LINE + "else if {0} then" + ALGO_INDENT + "{b1}" + ALGO_DEDENT),
    "Else": (1, ALGO_LINE + "else" + ALGO_INDENT + "{b0}" + ALGO_DEDENT + ALGO_LINE + "end"),
    "uElse": (1, ALGO_LINE + "else" + ALGO_INDENT + "{b0}" + ALGO_DEDENT),
    "eIf": (3, ALGO_LINE + "if {0} then" + ALGO_INDENT + "{b1}" + ALGO_DEDENT + ALGO_LINE + "else" + ALGO_INDENT
            + "{b2}" + ALGO_DEDENT + ALGO_LINE + "end"),
    "lIf": (2, ALGO_LINE + "if {0} then {1}"), "lElse": (1, ALGO_LINE + "else {0}"),
    "lElseIf": (2, ALGO_LINE + "else if {0} then {1}"), "lFor": (2, ALGO_LINE + "for {0} do {1}"),
    "lForEach": (2, ALGO_LINE + "foreach {0} do {1}"), "lForAll": (2, ALGO_LINE + "forall {0} do {1}"),
    "lWhile": (2, ALGO_LINE + "while {0} do {1}"),
    "Repeat": (2, ALGO_LINE + "repeat" + ALGO_INDENT + "{b1}" + ALGO_DEDENT + ALGO_LINE + "until {0}"),
    "Begin": (1, ALGO_LINE + "begin" + ALGO_INDENT + "{b0}" + ALGO_DEDENT + ALGO_LINE + "end"),
    "tcp": (1, "  // {0}"), "tcc": (1, "  /* {0} */"), "tcp*": (1, "  // {0}"), "tcc*": (1, "  /* {0} */"),
    "nl": (0, ""), "BlankLine": (0, ALGO_LINE), "emph": (1, "{0}"), "KwSty": (1, "{0}"), "FuncSty": (1, "{0}"),
    "ArgSty": (1, "{0}"), "DataSty": (1, "{0}"), "CommentSty": (1, "{0}"), "TitleOfAlgo": (1, "{0}"),
}


def algorithm_command(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int | None:
    """Algorithm keywords (algorithmic/algpseudocode or algorithm2e); None when ``name`` is not one."""
    if r.algorithm_mode == "a2e":
        if j < len(s) and s[j] == "*" and f"{name}*" in _A2E:
            name, j = f"{name}*", j + 1
        spec = _A2E.get(name) or _declared_keyword(r, name)
        if spec is None:
            return None
        count, pattern = spec
        args, j = read_args(s, j, "{" * count)
        rendered = [r.render(a or "") for a in args]
        out.append(pattern.format(*rendered, **{f"b{k}": text for k, text in enumerate(rendered)}))
        return j
    spec2 = _ALGPSEUDO.get(name.lower())
    if spec2 is None:
        return None
    before, count, pattern = spec2
    args, j = read_args(s, j, "{" * count)
    out.append(before + pattern.format(*[r.inline(r.render(a or "")) for a in args]))
    return j if count else skip_space(s, j)


def _declared_keyword(r: RenderState, name: str) -> tuple[int, str] | None:
    r"""A keyword declared with ``\SetKwInOut``/``\SetKwInput``/``\SetKw``/``\SetKwFunction``."""
    kind, text = r.algorithm_keywords.get(name, ("", ""))
    if kind in ("input", "inout"):
        return 1, ALGO_LINE + text + ": {0}" + ALGO_LINE
    if kind == "keyword":
        return 0, text + " "
    if kind == "function":
        return 1, text + "({0})"
    return None


def algorithm_lines(r: RenderState, rendered: str) -> str:
    """Pseudo-code lines from rendered algorithm text (line and indentation marks)."""
    def flat(m: re.Match[str]) -> str:
        block = r.blocks[int(m.group(1))]
        return f" {r.inline(block.text) if block.kind != 'math' else block.text.replace('$$', '$')} "

    text = BLOCK.sub(flat, rendered)
    text = re.sub(r"\n[ \t]*\n", ALGO_LINE, text).replace(LINE_BREAK, ALGO_LINE)
    text = re.sub(f"[{BOLD_OPEN}{BOLD_CLOSE}]", "", FOOTNOTE.sub("", text))
    lines: list[str] = []
    indent = 0
    for piece in re.split(f"([{ALGO_LINE}{ALGO_INDENT}{ALGO_DEDENT}])", text):
        if piece in (ALGO_LINE, ALGO_INDENT, ALGO_DEDENT):
            indent += 1 if piece == ALGO_INDENT else -1 if piece == ALGO_DEDENT else 0
            indent = max(indent, 0)
            continue
        line = " ".join(piece.split())
        if line:
            lines.append("  " * indent + line)
    return "\n".join(lines)


def algorithm_float(r: RenderState, rendered: str) -> str:
    """An algorithm2e float: its captions first, then its statements as a code block."""
    captions = [m.group(0) for m in BLOCK.finditer(rendered) if r.blocks[int(m.group(1))].kind == "caption"]
    for mark in captions:
        rendered = rendered.replace(mark, "")
    code = algorithm_lines(r, rendered)
    head = "".join(f"\n\n{c}\n\n" for c in captions)
    return head + (r.block("code", f"```text\n{code}\n```") if code else "")


def render_algorithmic(r: RenderState, name: str, body: str) -> str:
    """An ``algorithmic`` environment (algorithmic/algpseudocode keywords) as a pseudo-code block."""
    got = read_optional(body, skip_space(body, 0))
    body = body[got[1]:] if got else body
    saved = r.algorithm_mode
    r.algorithm_mode = "algpseudo"
    try:
        rendered = r.render(body)
    finally:
        r.algorithm_mode = saved
    code = algorithm_lines(r, rendered)
    return r.block("code", f"```text\n{code}\n```") if code else ""
