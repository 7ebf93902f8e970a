r"""The bibliography of a LaTeX paper (``thebibliography``, a BibTeX ``.bbl`` or a biblatex ``.bbl``) and citations.

Citations are rendered as the PDF shows them: ``[3, 12]`` for numeric styles, ``(Vaswani et al., 2017)`` and
``Vaswani et al. (2017)`` for author-year styles (natbib labels from the ``.bbl``). The entries themselves go to
``Paper.bibliography``, never into the body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from papercoder.paper.latex_macros import collect_definitions, expand_macros
from papercoder.paper.latex_scan import read_group, read_optional, skip_space

_BIBITEM = re.compile(r"\\bibitem\s*")
_NATBIB_LABEL = re.compile(r"^(?P<authors>.*?)\s*\((?P<year>[^()]*)\)(?P<full>.*)$", re.DOTALL)
_ENTRY = re.compile(r"\\entry\s*\{([^{}]*)\}\s*\{[^{}]*\}\s*\{[^{}]*\}(.*?)\\endentry", re.DOTALL)
_PAREN_CITES = {"citep", "parencite", "autocite", "footcite", "citeyearpar", "Citep", "Parencite", "Autocite",
                "smartcite", "supercite"}
_TEXT_CITES = {"citet", "cite", "textcite", "Citet", "Cite", "Textcite", "citeA", "citeN"}


@dataclass
class BibEntry:
    """One reference: its key, the LaTeX of its text, and the label the citation commands print."""

    key: str
    latex: str
    authors: str = ""
    year: str = ""
    number: int = 0


@dataclass
class Bibliography:
    """A document's references in order, and whether its citations are numeric."""

    entries: dict[str, BibEntry] = field(default_factory=dict)
    numeric: bool = True

    def merge(self, other: Bibliography) -> None:
        """Add the entries of ``other`` that are new (numbering continues)."""
        for key, entry in other.entries.items():
            if key not in self.entries:
                entry.number = len(self.entries) + 1
                self.entries[key] = entry
        self.numeric = self.numeric and other.numeric

    def cite(self, command: str, keys: list[str], pre: str | None, post: str | None) -> str:
        """The text a citation command prints."""
        found = [self.entries.get(k) for k in keys]
        if command in ("nocite",):
            return ""
        if command.lower() in ("citeauthor", "citeauthor*", "citeauthors"):
            return "; ".join(e.authors or k if e else k for e, k in zip(found, keys, strict=True))
        if command.lower() in ("citeyear", "citeyearpar"):
            years = ", ".join(e.year if e and e.year else k for e, k in zip(found, keys, strict=True))
            return f"({years})" if command.lower() == "citeyearpar" else years
        if command.lower() == "citenum":
            return ", ".join(str(e.number) if e else k for e, k in zip(found, keys, strict=True))
        if self.numeric or not any(e and e.authors for e in found):
            return self._numeric(command, found, keys, pre, post)
        return self._author_year(command, found, keys, pre, post)

    def _numeric(self, command: str, found: list[BibEntry | None], keys: list[str], pre: str | None,
                 post: str | None) -> str:
        nums = ", ".join(str(e.number) if e else k for e, k in zip(found, keys, strict=True))
        inner = _notes(nums, pre, post)
        if command.rstrip("*") in ("citet", "textcite", "Citet", "Textcite"):
            names = [e.authors for e in found if e and e.authors]
            if names and len(names) == len(found):
                return "; ".join(f"{a} [{e.number}]" for a, e in zip(names, found, strict=True) if e)
        return inner if command.startswith("citealp") else f"[{inner}]"

    def _author_year(self, command: str, found: list[BibEntry | None], keys: list[str], pre: str | None,
                     post: str | None) -> str:
        base = command.rstrip("*")
        if base in _PAREN_CITES or base in ("citealp",):
            body = "; ".join(f"{e.authors}, {e.year}" if e else k for e, k in zip(found, keys, strict=True))
            inner = _notes(body, pre, post)
            return inner if base == "citealp" else f"({inner})"
        if base == "citealt":
            return "; ".join(f"{e.authors} {e.year}" if e else k for e, k in zip(found, keys, strict=True))
        parts = [f"{e.authors} ({e.year})" if e else k for e, k in zip(found, keys, strict=True)]
        if post and parts and found[-1]:
            parts[-1] = f"{found[-1].authors} ({found[-1].year}, {post})"
        text = "; ".join(parts)
        return f"{pre} {text}" if pre else text


def _notes(body: str, pre: str | None, post: str | None) -> str:
    if pre:
        body = f"{pre} {body}"
    if post:
        body = f"{body}, {post}"
    return body


def parse_bibliography(latex: str, to_text: Callable[[str], str]) -> Bibliography:
    """Read the entries of a ``thebibliography`` environment or a ``.bbl`` file (BibTeX or biblatex).

    Args:
        latex: The LaTeX holding the bibliography.
        to_text: Converts a LaTeX fragment to plain text (for natbib labels and years).

    """
    if "\\entry" in latex and "\\endentry" in latex:
        return _parse_biblatex(latex, to_text)
    latex, defs = collect_definitions(latex)
    latex = expand_macros(latex, defs)
    bib = Bibliography()
    items = list(_BIBITEM.finditer(latex))
    labelled = 0
    for n, m in enumerate(items):
        end = items[n + 1].start() if n + 1 < len(items) else _end_of_list(latex, m.end())
        entry = _read_bibitem(latex[m.end():end], to_text)
        if entry is None or entry.key in bib.entries:
            continue
        entry.number = len(bib.entries) + 1
        labelled += bool(entry.authors)
        bib.entries[entry.key] = entry
    bib.numeric = labelled < max(1, len(bib.entries) // 2)
    return bib


def _end_of_list(latex: str, start: int) -> int:
    at = latex.find("\\end{thebibliography}", start)
    return len(latex) if at < 0 else at


def _read_bibitem(chunk: str, to_text: Callable[[str], str]) -> BibEntry | None:
    r"""One ``\bibitem[label]{key} text``."""
    i = skip_space(chunk, 0)
    label = read_optional(chunk, i)
    if label is not None:
        i = skip_space(chunk, label[1])
    key = read_group(chunk, i)
    if key is None:
        return None
    entry = BibEntry(key=key[0].strip(), latex=chunk[key[1]:].strip())
    if label is not None:
        m = _NATBIB_LABEL.match(to_text(label[0]).strip())
        if m and m.group("authors").strip() and re.search(r"\d|n\.d\.|in press|forthcoming", m.group("year")):
            entry.authors = m.group("authors").strip()
            entry.year = m.group("year").strip()
    return entry


def _parse_biblatex(latex: str, to_text: Callable[[str], str]) -> Bibliography:
    r"""A biblatex ``.bbl``: ``\entry{key}{type}{}`` blocks with ``\name``, ``\field`` and ``\list`` parts."""
    bib = Bibliography(numeric=False)
    for m in _ENTRY.finditer(latex):
        key, body = m.group(1).strip(), m.group(2)
        families = [to_text(f) for f in re.findall(r"family=\{((?:[^{}]|\{[^{}]*\})*)\}", _names(body, "author"))]
        fields = {f: _field(body, f) for f in ("title", "journaltitle", "booktitle", "year", "extradate", "eprint")}
        if not fields["year"]:
            date = re.search(r"\\field\{(?:labelyear|date)\}\{(\d{4})", body)
            fields["year"] = date.group(1) if date else ""
        authors = _short_authors(families)
        extra = fields["extradate"]
        year = fields["year"] + (chr(ord("a") + int(extra) - 1) if extra.isdigit() else "")
        eprint = f"arXiv:{fields['eprint']}" if fields["eprint"] else ""
        venue = fields["journaltitle"] or fields["booktitle"] or eprint
        parts = (", ".join(families), to_text(fields["title"]), to_text(venue), fields["year"])
        text = ". ".join(p for p in parts if p)
        bib.entries[key] = BibEntry(key=key, latex=text, authors=authors, year=year, number=len(bib.entries) + 1)
    bib.numeric = not any(e.authors for e in bib.entries.values())
    return bib


def _names(body: str, role: str) -> str:
    r"""The name list of ``\name{role}{count}{options}{names}``."""
    at = body.find(f"\\name{{{role}}}")
    if at < 0:
        return ""
    i = at + len("\\name")
    for _ in range(3):
        group = read_group(body, skip_space(body, i))
        if group is None:
            return ""
        i = group[1]
    group = read_group(body, skip_space(body, i))
    return group[0] if group else ""


def _field(body: str, name: str) -> str:
    at = body.find(f"\\field{{{name}}}")
    if at < 0:
        return ""
    group = read_group(body, at + len(f"\\field{{{name}}}"))
    return group[0] if group else ""


def _short_authors(families: list[str]) -> str:
    if not families:
        return ""
    if len(families) == 1:
        return families[0]
    if len(families) == 2:
        return f"{families[0]} and {families[1]}"
    return f"{families[0]} et al."
