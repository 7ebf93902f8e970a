r"""LaTeX environments for :class:`~papercoder.paper.latex_render.Renderer`.

Lists become Markdown lists, tabulars Markdown tables, floats their captions (``Figure 2: ...``) and content,
algorithms indented pseudo-code, theorems bold-labelled paragraphs; figures' graphics are dropped. Display math
environments are converted by :mod:`papercoder.paper.latex_math`.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

from papercoder.paper.latex_algorithms import algorithm_float, render_algorithmic
from papercoder.paper.latex_macros import Theorem
from papercoder.paper.latex_math import MATH, render_math_environment
from papercoder.paper.latex_scan import ROW_BREAK, find_env_end, read_args, read_optional, skip_space, split_top_level
from papercoder.paper.latex_state import BOLD_CLOSE, BOLD_OPEN, FOOTNOTE, LINE_BREAK, FloatState, Label, RenderState

_CELL = re.compile(r"&")
_ITEM = re.compile(r"\\item(?![A-Za-z@])")
_RULES = re.compile(r"^(?:\s*\\(?:hline|toprule|midrule|bottomrule|endhead|endfirsthead|endfoot|endlastfoot|"
                    r"hdashline|Xhline\{[^}]*\}|cline\{[^}]*\}|cmidrule(?:\([^)]*\))?\{[^}]*\}|"
                    r"specialrule\{[^}]*\}\{[^}]*\}\{[^}]*\}|addlinespace(?:\[[^\]]*\])?|"
                    r"noalign\{[^}]*\}|morecmidrules|rowcolor(?:\[[^\]]*\])?\{[^}]*\})\s*)+")
_WHOLE_BOLD = re.compile(f"{BOLD_OPEN}([^{BOLD_OPEN}{BOLD_CLOSE}\x00]+){BOLD_CLOSE}((?:\x08\\d+\x08)*)")
FLOATS = {
    "figure": "figure", "figure*": "figure", "wrapfigure": "figure", "SCfigure": "figure", "sidewaysfigure": "figure",
    "floatingfigure": "figure", "marginfigure": "figure", "table": "table", "table*": "table", "wraptable": "table",
    "SCtable": "table", "sidewaystable": "table", "margintable": "table", "algorithm": "algorithm",
    "algorithm*": "algorithm", "algorithm2e": "algorithm", "listing": "listing", "listing*": "listing",
}
_FLOAT_ARGS = {"wrapfigure": "[{[{", "wraptable": "[{[{", "floatingfigure": "[{", "SCfigure": "[["}
SUBFLOATS = {"subfigure", "subtable", "subfloat"}
TABULARS = {"tabular": "[{", "tabular*": "{[{", "tabularx": "{[{", "tabulary": "{{", "longtable": "[{",
            "longtable*": "[{", "supertabular": "{", "xtabular": "[{", "NiceTabular": "[{", "tblr": "[{",
            "longtblr": "[{{", "tabu": "{", "array": "[{", "xltabular": "{[{", "tabularew": "{"}
LISTS = {"itemize", "enumerate", "description", "compactitem", "compactenum", "compactdesc", "inparaenum",
         "asparaenum", "asparaitem", "itemize*", "enumerate*", "description*", "todolist", "checklist",
         "outline", "list", "tasks"}
VERBATIM = {"verbatim", "verbatim*", "Verbatim", "lstlisting", "minted", "BVerbatim", "LVerbatim", "alltt",
            "code", "pycode", "python", "lstlisting*", "sourcecode", "spverbatim"}
DROPPED = {"tikzpicture", "pgfpicture", "picture", "axis", "forest", "pspicture", "filecontents", "filecontents*",
           "CCSXML", "IEEEkeywords", "keywords", "keyword", "comment", "titlepage", "groupplot", "overpic",
           "thebibliography", "references", "biblist", "acronym", "icmlauthorlist", "authorlist", "affiliations",
           "abstract*"}
TRANSPARENT_ARGS = {"minipage": "[[[{", "adjustbox": "{", "spacing": "{", "multicols": "{[", "multicols*": "{[",
                    "tcolorbox": "[", "mdframed": "[", "list": "{{", "subequations": "", "resizebox": "{{",
                    "scope": "[", "threeparttable": "[", "tablenotes": "[", "center": "", "flushleft": "",
                    "flushright": "", "quote": "", "quotation": "", "document": "", "small": "", "footnotesize": "",
                    "landscape": "", "framed": "", "appendices": "", "samepage": "", "sloppypar": "",
                    "addmargin": "[{", "changemargin": "{{", "widepage": "", "fullwidth": "", "boxedminipage": "[{"}
DEFAULT_THEOREMS = {
    "theorem": "Theorem", "thm": "Theorem", "lemma": "Lemma", "lem": "Lemma", "proposition": "Proposition",
    "prop": "Proposition", "corollary": "Corollary", "cor": "Corollary", "definition": "Definition",
    "defn": "Definition", "remark": "Remark", "example": "Example", "assumption": "Assumption", "claim": "Claim",
    "conjecture": "Conjecture", "observation": "Observation", "fact": "Fact", "hypothesis": "Hypothesis",
    "problem": "Problem", "question": "Question", "note": "Note", "property": "Property", "exercise": "Exercise",
    "notation": "Notation", "axiom": "Axiom", "principle": "Principle",
}
_KIND_TITLES = {"figure": "Figure", "table": "Table", "algorithm": "Algorithm", "listing": "Listing"}


def render_environment(r: RenderState, s: str, j: int, out: list[str]) -> int:
    r"""Render ``\begin{name}...\end{name}`` starting after ``\begin``; return the index after ``\end{name}``."""
    args, j = read_args(s, j, "{")
    name = (args[0] or "").strip()
    body_end, end = find_env_end(s, j, name)
    body = s[j:body_end]
    saved = r.current
    out.append(_environment(r, name, body))
    if name not in ("appendices", "appendix", "document"):
        r.current = saved
    return end


def _environment(r: RenderState, name: str, body: str) -> str:
    handler = _ENVIRONMENTS.get(name)
    if handler is not None:
        return handler(r, name, body)
    if name in FLOATS:
        return render_float(r, name, body)
    if name in SUBFLOATS:
        return _render_subfloat(r, name, body)
    if name in TABULARS:
        return render_table(r, name, body)
    if name in MATH:
        return render_math_environment(r, name, body)
    if name in LISTS:
        return render_list(r, name, body)
    if name in VERBATIM:
        return _render_verbatim(r, name, body)
    if name in DROPPED:
        return ""
    if name in r.defs.theorems or name.rstrip("*") in DEFAULT_THEOREMS:
        return _render_theorem(r, name, body)
    if name in TRANSPARENT_ARGS:
        start = read_args(body, 0, TRANSPARENT_ARGS[name])[1] if TRANSPARENT_ARGS[name] else 0
        return "\n\n" + r.render(body[start:]) + "\n\n"
    got = read_optional(body, 0)
    return r.render(body[got[1]:] if got else body)


# ----------------------------------------------------------------------------------------------- lists
def render_list(r: RenderState, name: str, body: str) -> str:
    """A list as Markdown bullets (numbers for ``enumerate``); a bold-only item followed by text is a heading."""
    got = read_optional(body, skip_space(body, 0))
    body = body[got[1]:] if got else body
    parts = split_top_level(body, _ITEM)
    ordered = "enum" in name
    lead = r.render(parts[0]).strip()
    rendered: list[tuple[str, str]] = []  # (label, rendered content)
    counter = 0
    for raw in parts[1:]:
        label_got = read_optional(raw, skip_space(raw, 0))
        if label_got is None and ordered:
            counter += 1
            r.current = Label("item", str(counter), "")
        label = r.text(label_got[0]) if label_got else (f"{counter}." if ordered else "")
        content = raw[label_got[1]:] if label_got else raw
        rendered.append((label, r.render(content)))
    return ("\n\n" + lead + "\n\n" if lead else "") + _list_blocks(r, rendered, name)


def _list_blocks(r: RenderState, items: list[tuple[str, str]], name: str) -> str:
    out: list[str] = []
    pending: list[str] = []
    for k, (label, content) in enumerate(items):
        title = _bold_only(content)
        following = items[k + 1][1] if k + 1 < len(items) else None
        if title and following is not None and not _bold_only(following):
            if pending:
                out.append(r.block("list", "\n".join(pending)))
                pending = []
            heading = f"{label} {title}".strip() if label and label[:1].isdigit() else title
            out.append(r.block("pseudo", heading))
            continue
        pending.append(_list_item(r, label, content, name))
    if pending:
        out.append(r.block("list", "\n".join(pending)))
    return "".join(out)


def _bold_only(rendered: str) -> str:
    """The text of a rendered paragraph that is nothing but bold text (a heading in disguise), else ''."""
    m = _WHOLE_BOLD.fullmatch(" ".join(rendered.split()))
    if not m:
        return ""
    title = " ".join(m.group(1).split()).strip()
    return title if title and len(title.split()) <= 15 and LINE_BREAK not in title else ""


def _list_item(r: RenderState, label: str, content: str, name: str) -> str:
    text = r.markdown(content).strip()
    if name.startswith("description") and label:
        marker, text = "-", f"**{label}** {text}".strip()
    elif label and label[:1].isdigit() and label.endswith("."):
        marker = label
    elif label:
        marker, text = "-", f"{label} {text}".strip()
    else:
        marker = "-"
    pad = " " * (len(marker) + 1)
    lines = text.splitlines() or [""]
    return "\n".join([f"{marker} {lines[0]}".rstrip()] + [pad + line if line.strip() else "" for line in lines[1:]])


# ---------------------------------------------------------------------------------------------- tables
def render_table(r: RenderState, name: str, body: str) -> str:
    """A tabular as a Markdown pipe table (a nested tabular becomes its cells' text)."""
    body = body[read_args(body, 0, TABULARS[name])[1]:]
    captions: list[str] = []
    rows: list[list[str]] = []
    r.table_depth += 1
    try:
        for raw in split_top_level(body, ROW_BREAK):
            if re.search(r"\\caption(?:of)?(?![A-Za-z])", raw):
                captions.append(r.render(raw))
                continue
            cells = _row_cells(r, _RULES.sub("", raw))
            if any(c.strip() for c in cells):
                rows.append(cells)
    finally:
        r.table_depth -= 1
    if r.table_depth > 0:
        return " ".join(" ".join(c for c in row if c) for row in rows)
    if not rows:
        return "".join(captions)
    table = _markdown_table(rows)
    r.tables.append(table)
    if r.floats:
        r.floats[-1].tables.append(len(r.tables) - 1)
    return "".join(captions) + r.block("table", table)


def _row_cells(r: RenderState, raw: str) -> list[str]:
    cells: list[str] = []
    for cell in split_top_level(raw, _CELL):
        text = FOOTNOTE.sub("", r.inline(r.render(cell)))
        cells.append(text.replace("|", "\\|"))
        span = re.match(r"\s*\\multicolumn\s*\{\s*(\d+)\s*\}", cell)
        if span:
            cells.extend([""] * (int(span.group(1)) - 1))
    return cells


def _markdown_table(rows: list[list[str]]) -> str:
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    return "\n".join([_pipe_row(rows[0]), _pipe_row(["---"] * width)] + [_pipe_row(row) for row in rows[1:]])


def _pipe_row(cells: list[str]) -> str:
    return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"


# ---------------------------------------------------------------------------------------------- floats
def render_float(r: RenderState, name: str, body: str) -> str:
    """A figure, table, algorithm or listing float: its content and caption; graphics are dropped."""
    body = body[read_args(body, 0, _FLOAT_ARGS.get(name, "["))[1]:]
    kind = FLOATS[name]
    state = FloatState(kind)
    r.floats.append(state)
    saved_mode = r.algorithm_mode
    a2e = kind == "algorithm" and not re.search(r"\\begin\s*\{algorithmic", body)
    if a2e:
        r.algorithm_mode = "a2e"
    try:
        rendered = r.render(body)
    finally:
        r.algorithm_mode = saved_mode
        r.floats.pop()
    if a2e:
        rendered = algorithm_float(r, rendered)
    if state.captions:
        for idx in state.tables:
            r.tables[idx] = state.captions[0] + "\n\n" + r.tables[idx]
    return "\n\n" + rendered + "\n\n"


def render_caption(r: RenderState, latex: str, *, kind: str | None = None, numbered: bool = True) -> str:
    """A caption: ``Figure N: text`` (or ``(a) text`` inside a sub-float), numbered like LaTeX does."""
    state = r.floats[-1] if r.floats else None
    if kind is None and state is not None and state.kind == "sub":
        return render_subcaption(r, latex)
    kind = kind or (state.kind if state else "figure")
    kind = kind if kind in _KIND_TITLES else "figure"
    if not numbered:
        text = FOOTNOTE.sub("", r.inline(r.render(latex))).strip()
        r.captions.append(text)
        return r.block("caption", text) if text else ""
    number = str(r.step(kind))
    r.current = Label(kind, number, "")  # before the text: a \label inside the caption names this float
    text = FOOTNOTE.sub("", r.inline(r.render(latex))).strip()
    r.current.title = text
    if state is not None and state.kind == kind:
        state.number = number
    caption = f"{_KIND_TITLES[kind]} {number}: {text}"
    if state is not None:
        state.captions.append(caption)
    r.captions.append(caption)
    return r.block("caption", caption)


def render_subcaption(r: RenderState, latex: str) -> str:
    """A sub-figure caption ``(a) text``; its label reads ``2a``."""
    parent = next((f for f in reversed(r.floats) if f.kind != "sub"), None)
    kind = parent.kind if parent else "figure"
    if parent is not None:
        parent.subs += 1
    letter = chr(ord("a") + (parent.subs - 1 if parent else 0) % 26)
    number = parent.number if parent and parent.number else str(r.counters.get(kind, 0) + 1)
    text = FOOTNOTE.sub("", r.inline(r.render(latex))).strip()
    r.current = Label(kind, f"{number}{letter}", text)
    return r.block("caption", f"({letter}) {text}") if text else ""


def _render_subfloat(r: RenderState, name: str, body: str) -> str:
    body = body[read_args(body, 0, "[[{")[1]:]
    r.floats.append(FloatState("sub"))
    try:
        return r.render(body)
    finally:
        r.floats.pop()


# ------------------------------------------------------------------------------------------ the others
def _render_verbatim(r: RenderState, name: str, body: str) -> str:
    language = ""
    if name.startswith("minted"):
        args, k = read_args(body, 0, "[{")
        language, body = (args[1] or "").strip(), body[k:]
    elif body.lstrip(" \t").startswith("["):
        got = read_optional(body, skip_space(body, 0))
        if got:
            m = re.search(r"language\s*=\s*\{?([A-Za-z+#]+)", got[0])
            language = m.group(1).lower() if m else ""
            body = body[got[1]:]
    code = textwrap.dedent(body.strip("\n")).rstrip()
    return r.block("code", f"```{language}\n{code}\n```") if code.strip() else ""


def _render_theorem(r: RenderState, name: str, body: str) -> str:
    theorem = r.defs.theorems.get(name) or Theorem(DEFAULT_THEOREMS.get(name.rstrip("*"), name.capitalize()),
                                                   name.rstrip("*"), numbered=not name.endswith("*"))
    got = read_optional(body, skip_space(body, 0))
    note = r.text(got[0]) if got else ""
    body = body[got[1]:] if got else body
    number = ""
    if theorem.numbered:
        number = str(r.step(f"theorem:{theorem.counter}"))
        owner = r.defs.theorems.get(theorem.counter)
        within = theorem.within or (owner.within if owner else None)
        if within in ("section", "chapter") and r.section_numbers[0]:
            top = r.section_numbers[0]
            number = f"{chr(64 + top) if r.appendix else top}.{number}"
    display = r.text(theorem.display) if "\\" in theorem.display else theorem.display
    r.current = Label(display, number, note)
    head = " ".join(p for p in (display, number) if p) + (f" ({note})" if note else "")
    return f"\n\n**{head}.** " + r.render(body) + "\n\n"


def _render_proof(r: RenderState, name: str, body: str) -> str:
    got = read_optional(body, skip_space(body, 0))
    head = r.text(got[0]).rstrip(".") if got else "Proof"
    body = body[got[1]:] if got else body
    return f"\n\n*{head}.* " + r.render(body) + " ∎\n\n"


def _render_abstract(r: RenderState, name: str, body: str) -> str:
    if not r.abstract:
        r.abstract = r.markdown(r.render(body))
    return ""


def _render_bibliography(r: RenderState, name: str, body: str) -> str:
    r.after_bibliography = True
    return ""


def _render_appendices(r: RenderState, name: str, body: str) -> str:
    r.start_appendix()
    return "\n\n" + r.render(body) + "\n\n"


def _render_acknowledgments(r: RenderState, name: str, body: str) -> str:
    heading = r.block("heading", "Acknowledgments", level=1, appendix=r.appendix or r.after_bibliography)
    return heading + "\n\n" + r.render(body) + "\n\n"


_ENVIRONMENTS: dict[str, Callable[[RenderState, str, str], str]] = {
    "acks": _render_acknowledgments,
    "acknowledgments": _render_acknowledgments,
    "acknowledgements": _render_acknowledgments,
    "abstract": _render_abstract,
    "thebibliography": _render_bibliography,
    "appendices": _render_appendices,
    "appendix": _render_appendices,
    "proof": _render_proof,
    "algorithmic": render_algorithmic,
    "algorithmic*": render_algorithmic,
    "algpseudocode": render_algorithmic,
}
