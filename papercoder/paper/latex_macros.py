r"""User macros: collect ``\newcommand``/``\def``/``\DeclareMathOperator``/``\newenvironment`` and expand them.

Definitions are removed from the text and every use is replaced by the body with its arguments substituted,
pass after pass (a macro may expand to another), bounded in passes and size. Redefinitions of the structural
commands the converter itself interprets (sections, captions, citations...) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from papercoder.paper.latex_scan import CONTROL_WORD, read_arg, read_group, read_optional, read_token, skip_space
from papercoder.paper.latex_text import CITES, REFS, SECTIONS, UNWRAP

MAX_PASSES = 12
PROTECTED = frozenset({
    "section", "subsection", "subsubsection", "paragraph", "subparagraph", "chapter", "part", "caption", "label",
    "ref", "eqref", "cref", "Cref", "autoref", "cite", "citep", "citet", "begin", "end", "item", "input", "include",
    "appendix", "footnote", "title", "author", "bibliography", "bibitem", "newblock", "textbf", "emph", "url", "href",
    "includegraphics", "maketitle", "thanks", "and", "newcommand", "renewcommand", "def", "abstract", "documentclass",
    "usepackage", "text", "textit", "centering", "hline", "bf", "it", "em", "left", "right", "frac",
})
PROTECTED_ENVIRONMENTS = frozenset({
    "abstract", "document", "thebibliography", "figure", "figure*", "table", "table*", "itemize", "enumerate",
    "description", "equation", "equation*", "align", "align*", "gather", "gather*", "multline", "multline*",
    "eqnarray", "eqnarray*", "proof", "appendices", "verbatim", "tabular", "tabular*", "tabularx", "longtable",
    "algorithm", "algorithm*", "algorithmic", "center", "quote", "quotation", "minipage", "lstlisting",
    "subfigure", "subtable", "wrapfigure", "wraptable", "displaymath", "math", "array", "theorem", "lemma",
})
_UNSAFE_BODY = re.compile(r"@|\\csname|\\expandafter|\\futurelet|\\afterassignment|\\(?:new|renew|provide)command|"
                          r"\\[gex]?def\b|\\let\b|\\if|\\fi\b|\\else\b|\\global|\\begingroup|\\endgroup|\\aftergroup")
_DEFINERS = re.compile(
    r"\\(?P<kind>newcommand|renewcommand|providecommand|DeclareRobustCommand|DeclareMathOperator|"
    r"newenvironment|renewenvironment|NewDocumentCommand|RenewDocumentCommand|ProvideDocumentCommand|"
    r"[gex]?def|newtheorem|let)(?![A-Za-z@])(?P<star>\*?)")


@dataclass
class Macro:
    """A user command: its argument count, the default of an optional first argument, and its body."""

    nargs: int
    body: str
    default: str | None = None


@dataclass
class Theorem:
    r"""A ``\newtheorem`` environment: the name it prints and the counter it shares."""

    display: str
    counter: str
    within: str | None = None
    numbered: bool = True


@dataclass
class Definitions:
    """Everything the definitions of a document declare."""

    macros: dict[str, Macro] = field(default_factory=dict)
    environments: dict[str, tuple[Macro, str]] = field(default_factory=dict)
    theorems: dict[str, Theorem] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def collect_definitions(text: str, defs: Definitions | None = None, *,
                        cautious: bool = False) -> tuple[str, Definitions]:
    r"""Remove the definitions from ``text`` and record them.

    Args:
        text: LaTeX source.
        defs: Definitions to extend (a later definition replaces an earlier one, except ``\providecommand``).
        cautious: Keep only simple definitions (for style files, whose internals are not meant for the reader).

    Returns:
        The text without its definitions, and the definitions.

    """
    defs = defs or Definitions()
    out: list[str] = []
    i = 0
    while (m := _DEFINERS.search(text, i)) is not None:
        out.append(text[i:m.start()])
        end = _read_definition(text, m, defs, cautious)
        if end is None:  # not a definition we understand: leave it to the converter
            out.append(m.group(0))
            i = m.end()
        else:
            i = end
    out.append(text[i:])
    return "".join(out), defs


def _read_definition(text: str, m: re.Match[str], defs: Definitions, cautious: bool) -> int | None:
    kind = m.group("kind")
    if kind == "newtheorem":
        return _read_theorem(text, m.end(), defs, starred=bool(m.group("star")))
    if kind == "let":
        got = re.compile(r"\s*(\\[A-Za-z@]+|\\.)\s*=?\s*(\\[A-Za-z@]+|\\.|[^\s])").match(text, m.end())
        return got.end() if got else None
    if kind.endswith("def"):
        return _read_def(text, m.end(), defs, cautious)
    if kind == "DeclareMathOperator":
        name, i = read_arg(text, m.end())
        body, i = read_arg(text, i)
        op = "\\operatorname*" if m.group("star") else "\\operatorname"
        _store(defs, name, Macro(0, f"{op}{{{body}}}"), kind, cautious)
        return i
    if kind.endswith("DocumentCommand"):
        return _read_xparse(text, m.end(), defs, kind, cautious)
    if kind.endswith("environment"):
        return _read_environment(text, m.end(), defs, cautious)
    name, i = read_arg(text, m.end())
    nargs, default, i = _read_params(text, i)
    body = read_group(text, skip_space(text, i))
    if body is None:
        return None
    _store(defs, name.strip(), Macro(nargs, body[0], default), kind, cautious)
    return body[1]


def _read_params(text: str, i: int) -> tuple[int, str | None, int]:
    """``[n][default]`` after a macro's name: (argument count, default of the first or None, next index)."""
    got = read_optional(text, skip_space(text, i))
    if got is None or not got[0].strip().isdigit():
        return 0, None, i
    nargs, i = int(got[0].strip()), got[1]
    default = read_optional(text, skip_space(text, i))
    return (nargs, default[0], default[1]) if default is not None else (nargs, None, i)


def _read_def(text: str, i: int, defs: Definitions, cautious: bool) -> int | None:
    m = re.compile(r"\s*(\\[A-Za-z@]+|\\.)\s*((?:#\d\s*)*)([^{]*)").match(text, i)
    if m is None:
        return None
    body = read_group(text, m.end())
    if body is None:
        return None
    if not m.group(3).strip():  # delimited parameters (\def\a#1.{...}) are not expanded, only removed
        _store(defs, m.group(1), Macro(m.group(2).count("#"), body[0]), "def", cautious)
    return body[1]


def _read_xparse(text: str, i: int, defs: Definitions, kind: str, cautious: bool) -> int | None:
    name, i = read_arg(text, i)
    spec, i = read_arg(text, i)
    body = read_group(text, skip_space(text, i))
    if body is None:
        return None
    tokens = re.findall(r"[mMoOsgG]", spec)
    if tokens and set(tokens) == {"m"}:
        _store(defs, name.strip(), Macro(len(tokens), body[0]), kind, cautious)
    elif not tokens:
        _store(defs, name.strip(), Macro(0, body[0]), kind, cautious)
    return body[1]


def _read_environment(text: str, i: int, defs: Definitions, cautious: bool) -> int | None:
    name, i = read_arg(text, i)
    nargs, default, i = _read_params(text, i)
    begin = read_group(text, skip_space(text, i))
    if begin is None:
        return None
    end = read_group(text, skip_space(text, begin[1]))
    if end is None:
        return None
    name = name.strip()
    unsafe = cautious and (_UNSAFE_BODY.search(begin[0]) or _UNSAFE_BODY.search(end[0]))
    if name not in PROTECTED_ENVIRONMENTS and not unsafe:
        defs.environments[name] = (Macro(nargs, begin[0], default), end[0])
    return end[1]


def _read_theorem(text: str, i: int, defs: Definitions, *, starred: bool) -> int | None:
    name, i = read_arg(text, i)
    shared = read_optional(text, skip_space(text, i))
    if shared is not None:
        i = shared[1]
    display = read_group(text, skip_space(text, i))
    if display is None:
        return None
    i = display[1]
    within = read_optional(text, skip_space(text, i))
    if within is not None:
        i = within[1]
    name = name.strip()
    counter = shared[0].strip() if shared else name
    defs.theorems[name] = Theorem(display[0].strip(), counter, within[0].strip() if within else None, not starred)
    return i


def _store(defs: Definitions, name: str, macro: Macro, kind: str, cautious: bool) -> None:
    """Record a macro unless it is structural, internal, or (in a style file) not simple."""
    if not name.startswith("\\"):
        return
    bare = name[1:]
    if "@" in bare or (cautious and _UNSAFE_BODY.search(macro.body)):
        return
    if bare in PROTECTED and not _is_alias(bare, macro):
        return
    if kind == "providecommand" and bare in defs.macros:
        return
    defs.macros[bare] = macro


def _is_alias(name: str, macro: Macro) -> bool:
    r"""Whether a body only passes its arguments to another command (``\renewcommand{\cite}[1]{\citep{#1}}``)."""
    m = re.fullmatch(r"\s*\\([A-Za-z]+)\s*((?:\[#\d\]|\{#\d\})*)\s*", macro.body)
    if not m or name in SECTIONS or m.group(1) == name or m.group(2).count("#") != macro.nargs:
        return False
    target = m.group(1)  # only a command the converter knows (not \oldsection from a \let)
    return target in PROTECTED or target in REFS or target in UNWRAP or bool(CITES.match(target))


def expand_macros(text: str, defs: Definitions, *, limit: int | None = None) -> str:
    """Replace every use of a user macro or environment by its definition, until nothing changes.

    Args:
        text: LaTeX without its definitions.
        defs: The definitions to apply.
        limit: Stop growing past this many characters (default: four times the input plus 1 MB).

    """
    limit = limit or 4 * len(text) + 1_000_000
    for _ in range(MAX_PASSES):
        new = _expand_once(text, defs)
        if new == text:
            return text
        if len(new) > limit:
            defs.warnings.append("macro expansion stopped: the text grew too large (a recursive macro?)")
            return text
        text = new
    defs.warnings.append(f"macro expansion stopped after {MAX_PASSES} passes (a recursive macro?)")
    return text


_BEGIN_END = re.compile(r"\\(begin|end)\s*\{([^{}]+)\}")


def _expand_once(text: str, defs: Definitions) -> str:
    out: list[str] = []
    i = 0
    pattern = CONTROL_WORD
    while (m := pattern.search(text, i)) is not None:
        name = m.group(1)
        if name in ("begin", "end") and defs.environments:
            env = _BEGIN_END.match(text, m.start())
            if env and env.group(2) in defs.environments:
                out.append(text[i:m.start()])
                i = _expand_environment(text, env, defs, out)
                continue
        macro = defs.macros.get(name)
        if macro is None or (m.start() > 0 and text[m.start() - 1] == "\\"):
            out.append(text[i:m.end()])
            i = m.end()
            continue
        out.append(text[i:m.start()])
        body, i = _apply(macro, text, m.end())
        out.append(body)
    out.append(text[i:])
    return "".join(out)


def _apply(macro: Macro, text: str, i: int) -> tuple[str, int]:
    """A macro's body with the arguments read from ``text[i:]`` substituted; and where the use ends."""
    args: list[str] = []
    if macro.nargs == 0:
        j = skip_space(text, i)
        return macro.body + ("{}" if _glues(macro.body, text, j) else ""), j
    count = macro.nargs
    if macro.default is not None:
        got = read_optional(text, skip_space(text, i))
        args.append(got[0] if got else macro.default)
        i = got[1] if got else i
        count -= 1
    for _ in range(count):
        arg, i = read_token(text, skip_space(text, i))
        args.append(arg)
    return _substitute(macro.body, args), i


def _glues(body: str, text: str, i: int) -> bool:
    """Whether a body ending in a control word would fuse with the letters that follow the use."""
    return bool(re.search(r"\\[A-Za-z@]+$", body)) and i < len(text) and text[i].isalpha()


def _substitute(body: str, args: list[str]) -> str:
    def arg(m: re.Match[str]) -> str:
        if m.group(0) == "##":
            return "#"
        k = int(m.group(0)[1]) - 1
        return args[k] if 0 <= k < len(args) else ""

    return re.sub(r"##|#[1-9]", arg, body)


def _expand_environment(text: str, env: re.Match[str], defs: Definitions, out: list[str]) -> int:
    begin, end = defs.environments[env.group(2)]
    if env.group(1) == "end":
        out.append(end)
        return env.end()
    body, i = _apply(begin, text, env.end()) if begin.nargs else (begin.body, env.end())
    out.append(body)
    return i
