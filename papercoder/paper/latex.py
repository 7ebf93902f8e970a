r"""LaTeX papers: a .tex file, a source folder or an arXiv archive, converted in pure Python.

The main file is found (``\documentclass`` + ``\begin{document}``), its ``\input``/``\include`` files spliced in,
comments and dead branches dropped, user macros expanded, then the body is converted to Markdown sections
(numbered like the PDF, ``A``/``B.1`` after ``\appendix``), with math kept as LaTeX and the bibliography
(``thebibliography`` or the ``.bbl`` beside the main file) kept apart.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from papercoder.paper.archive import folder_fetch, is_archive, read_archive, read_folder
from papercoder.paper.errors import PaperReadError
from papercoder.paper.latex_bib import Bibliography, parse_bibliography
from papercoder.paper.latex_macros import Definitions, collect_definitions, expand_macros
from papercoder.paper.latex_render import Renderer
from papercoder.paper.latex_scan import find_env_end, read_group, strip_comments
from papercoder.paper.latex_source import Fetch, assemble, decode_tex, find_main
from papercoder.paper.latex_state import FOOTNOTE, REF, Block
from papercoder.paper.model import Paper, Section
from papercoder.paper.text import APPENDIX_HEADING, heading_name

_TITLE = re.compile(r"\\(?P<name>[A-Za-z]*title)\*?\s*(?:\[[^\]]*\]\s*)?\{")
_NOT_TITLE = re.compile(r"running|short|head|page|format|font|style|sub|^make|^pdf|^set|^ttl|mark|^the|^new|^re",
                        re.IGNORECASE)
_WHOLE_BOLD = re.compile("\x02([^\x02\x03\x00]+)\x03((?:\x08\\d+\x08)*)")
_LEFTOVER = re.compile("[\x00-\x08]")
FOOTNOTE_MARKS = re.compile("\x08\\d+\x08")


def read_latex(files: Mapping[str, bytes], *, source: str) -> Paper:
    """Read a LaTeX project held in memory (relative POSIX path -> bytes).

    Args:
        files: The project's files (see :func:`papercoder.paper.archive.read_source`).
        source: What to name the input in messages (the archive or folder path).

    Raises:
        PaperReadError: No main .tex file, or a file that cannot be decoded (names it).

    """
    main = find_main(files, source=source)
    return _guarded(lambda: _read_project(main, files.get, source=source, names=list(files)), source)


def _guarded(read: Callable[[], Paper], source: str) -> Paper:
    """Run a conversion; LaTeX nested beyond what the converter can follow is refused, not a crash."""
    try:
        return read()
    except RecursionError as exc:
        raise PaperReadError(f"{source}: LaTeX nested too deeply to convert") from exc


def read_latex_path(path: Path) -> Paper:
    """Read a LaTeX paper from a .tex file, a source folder, or an archive (.tar.gz, .tar, .zip, .gz).

    A lone .tex file is read with the files it inputs from its folder (read on demand, confined to it).

    Raises:
        PaperReadError: Unreadable, hostile or main-less input (one line naming it).

    """
    path = Path(path)
    if path.is_dir():
        return read_latex(read_folder(path), source=str(path))
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        raise PaperReadError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if is_archive(head):
        return read_latex(read_archive(path), source=str(path))
    fetch = folder_fetch(path.parent)
    return _guarded(lambda: _read_project(path.name, fetch, source=str(path), names=None), str(path))


def _read_project(main: str, fetch: Fetch, *, source: str, names: list[str] | None) -> Paper:
    assembled = assemble(main, fetch, source=source)
    preamble, body = split_document(assembled.text)
    defs = Definitions()
    _style_definitions(preamble, main, fetch, defs)
    preamble, defs = collect_definitions(preamble, defs)
    body, defs = collect_definitions(body, defs)
    body = expand_macros(body, defs)
    helper = Renderer(defs)
    bib = _bibliography(preamble, body, main, fetch, names, helper)
    renderer = Renderer(defs, bib, secnumdepth=_secnumdepth(preamble),
                        equations_within_section=bool(re.search(r"\\numberwithin\s*\{equation\}\s*\{section\}",
                                                                preamble + body)))
    renderer.algorithm_keywords = _algorithm_keywords(preamble + body)
    rendered = renderer.render(body)
    paper = Paper(title=_title(preamble + "\n" + body, defs, helper), source=source, format="latex")
    paper.sections = _sections(renderer, rendered)
    if not renderer.abstract:
        _preamble_abstract(renderer, preamble)
    paper.abstract = _with_footnotes(renderer, renderer.abstract)
    if not paper.abstract and paper.sections and heading_name(paper.sections[0].heading).lower() == "abstract":
        paper.abstract = paper.sections.pop(0).text
    paper.equations = renderer.equations
    paper.tables = renderer.tables
    paper.captions = renderer.captions
    paper.bibliography = [e for e in (_entry_text(helper, entry.latex) for entry in bib.entries.values()) if e]
    paper.warnings = assembled.warnings + defs.warnings + renderer.warnings
    _finish(paper, renderer)
    return paper


def split_document(text: str) -> tuple[str, str]:
    r"""(preamble, body): around ``\begin{document}``; a file without it is all body."""
    begin = re.search(r"\\begin\s*\{document\}", text)
    preamble, body = (text[:begin.start()], text[begin.end():]) if begin else ("", text)
    end = re.search(r"\\end\s*\{document\}", body)
    return preamble, body[:end.start()] if end else body


def _style_definitions(preamble: str, main: str, fetch: Fetch, defs: Definitions) -> None:
    r"""Simple macros from the project's own packages (``\usepackage{macros}`` with macros.sty beside main)."""
    folder = posixpath.dirname(main)
    for m in re.finditer(r"\\(?:usepackage|RequirePackage)\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}", preamble):
        for name in (n.strip() for n in m.group(1).split(",")):
            data = fetch(posixpath.join(folder, name + ".sty")) if name else None
            if data is None:
                continue
            try:
                text = strip_comments(decode_tex(data, name + ".sty"))
            except PaperReadError as exc:
                defs.warnings.append(str(exc))
                continue
            collect_definitions(text, defs, cautious=True)


def _secnumdepth(preamble: str) -> int:
    m = re.search(r"\\setcounter\s*\{secnumdepth\}\s*\{\s*(-?\d+)\s*\}", preamble)
    return int(m.group(1)) if m else 3


def _algorithm_keywords(text: str) -> dict[str, tuple[str, str]]:
    r"""Keywords declared with ``\SetKwInOut``/``\SetKwInput``/``\SetKw``/``\SetKwFunction`` (algorithm2e)."""
    kinds = {"InOut": "inout", "Input": "input", "": "keyword", "Function": "function"}
    found = {}
    for m in re.finditer(r"\\SetKw(InOut|Input|Function|)\s*\{\\?([A-Za-z]+)\}\s*\{([^{}]*)\}", text):
        found[m.group(2)] = (kinds[m.group(1)], m.group(3).strip())
    return found


def _bibliography(preamble: str, body: str, main: str, fetch: Fetch, names: list[str] | None,
                  helper: Renderer) -> Bibliography:
    """The references: ``thebibliography`` in the text, else the ``.bbl`` beside the main file."""
    chunks = []
    for m in re.finditer(r"\\begin\s*\{thebibliography\}", body):
        chunks.append(body[m.start():find_env_end(body, m.end(), "thebibliography")[1]])
    if not chunks:
        bbl = _bbl(main, fetch, names)
        if bbl:
            chunks.append(bbl)
    bib = Bibliography()
    for chunk in chunks:
        bib.merge(parse_bibliography(chunk, helper.text))
    style = _citation_style(preamble)
    if style is not None:
        bib.numeric = style
    return bib


def _bbl(main: str, fetch: Fetch, names: list[str] | None) -> str:
    stem = posixpath.splitext(main)[0]
    data = fetch(stem + ".bbl")
    if data is None and names is not None:
        bbls = [n for n in names if n.lower().endswith(".bbl")]
        data = fetch(bbls[0]) if len(bbls) == 1 else None
    if data is None:
        return ""
    try:
        return strip_comments(decode_tex(data, stem + ".bbl"))
    except PaperReadError:
        return ""


def _citation_style(preamble: str) -> bool | None:
    """True for numeric citations, False for author-year, None when the preamble does not say."""
    options = " ".join(m.group(1) for m in re.finditer(
        r"\\(?:usepackage\s*\[([^\]]*)\]\s*\{(?:natbib|biblatex)\}|PassOptionsToPackage\s*\{([^}]*)\}\s*\{natbib\}|"
        r"setcitestyle\s*\{([^}]*)\}|citestyle\s*\{([^}]*)\})", preamble) if m.group(1))
    options += " ".join(g for m in re.finditer(r"\\PassOptionsToPackage\s*\{([^}]*)\}\s*\{natbib\}|"
                                               r"\\(?:set)?citestyle\s*\{([^}]*)\}", preamble) for g in m.groups() if g)
    if re.search(r"\bnumbers\b|style\s*=\s*(numeric|ieee|nature|vancouver)", options):
        return True
    if re.search(r"\bauthoryear\b|style\s*=\s*(authoryear|apa|chicago)", options):
        return False
    return None


def _preamble_abstract(r: Renderer, preamble: str) -> None:
    r"""An abstract given in the preamble (``\abstract{...}`` or the environment, as some classes allow)."""
    begin = re.search(r"\\begin\s*\{abstract\}", preamble)
    if begin is not None:
        end = find_env_end(preamble, begin.end(), "abstract")[0]
        r.abstract = r.markdown(r.render(preamble[begin.end():end]))
        return
    command = re.search(r"\\abstract\s*\{", preamble)
    group = read_group(preamble, command.end() - 1) if command else None
    if group is not None:
        r.abstract = r.markdown(r.render(group[0]))


def _title(text: str, defs: Definitions, helper: Renderer) -> str:
    r"""The title: ``\title{...}``, else the first ``\...title{...}`` command (``\icmltitle``...)."""
    candidates = [m for m in _TITLE.finditer(text) if not _NOT_TITLE.search(m.group("name"))]
    candidates.sort(key=lambda m: (m.group("name") != "title", m.start()))
    for m in candidates:
        group = read_group(text, m.end() - 1)
        if group is None:
            continue
        latex = re.sub(r"\\(?:thanks|footnote)\s*\{(?:[^{}]|\{[^{}]*\})*\}", "", expand_macros(group[0], defs))
        title = " ".join(helper.text(latex).split())
        if title:
            return title
    return ""


def _sections(r: Renderer, rendered: str) -> list[Section]:
    """Split the rendered body at its headings (and at bold-only paragraphs that serve as headings)."""
    sections: list[Section] = []
    current = Section(heading="", level=1)
    parts: list[str] = []
    level = 1

    def flush() -> None:
        current.text = _with_footnotes(r, "\n\n".join(parts))
        if current.heading or current.text.strip():
            sections.append(current)

    items = r.paragraphs(rendered)
    for k, item in enumerate(items):
        title = _pseudo_heading(item, items[k + 1] if k + 1 < len(items) else None)
        if isinstance(item, Block) and item.kind == "heading":
            flush()
            current, parts, level = Section(heading=item.text, level=item.level, appendix=item.appendix), [], item.level
        elif title:
            flush()
            current, parts = Section(heading=title, level=min(3, level + 1), appendix=current.appendix), []
            parts += FOOTNOTE_MARKS.findall(item) if isinstance(item, str) else []  # keep a title's footnotes
        else:
            text = item if isinstance(item, str) else r.block_markdown(item)
            parts.append(re.sub("[\x02\x03]", "", text))
    flush()
    return sections


def _pseudo_heading(item: str | Block, following: str | Block | None) -> str:
    """The title of a paragraph that is only bold text followed by more text, or of a list's heading item."""
    if isinstance(item, Block):
        return item.text if item.kind == "pseudo" else ""
    m = _WHOLE_BOLD.fullmatch(item)
    if not m or following is None or (isinstance(following, Block) and following.kind == "heading"):
        return ""
    title = " ".join(m.group(1).split())
    return title if len(title.split()) <= 15 and "\n" not in m.group(1) else ""


def _with_footnotes(r: Renderer, text: str) -> str:
    """Footnote marks as ``[^n]`` and their texts appended (Markdown footnotes)."""
    notes: list[str] = []

    def mark(m: re.Match[str]) -> str:
        block = r.blocks[int(m.group(1))]
        notes.append(f"[^{block.number}]: {block.text}")
        return f"[^{block.number}]"

    text = FOOTNOTE.sub(mark, text)
    return text + ("\n\n" + "\n".join(notes) if notes else "")


def _entry_text(helper: Renderer, latex: str) -> str:
    text = helper.text(latex.replace("\\newblock", " "))
    return REF.sub("", text).strip()


def _finish(paper: Paper, r: Renderer) -> None:
    """Resolve references, mark the appendix (a heading named Appendix starts it), drop leftover marks."""
    def clean(text: str) -> str:
        return _LEFTOVER.sub("", r.resolve(text)).strip()

    paper.title = clean(paper.title)
    paper.abstract = clean(paper.abstract)
    in_appendix = False
    for s in paper.sections:
        s.heading, s.text = clean(s.heading), clean(s.text)
        in_appendix = in_appendix or s.appendix or bool(APPENDIX_HEADING.match(heading_name(s.heading)))
        s.appendix = in_appendix
    paper.equations = [clean(e) for e in paper.equations]
    paper.tables = [clean(t) for t in paper.tables]
    paper.captions = [clean(c) for c in paper.captions]
