"""Compaction: fit the paper into a token budget, dropping what an implementer needs least.

Order of dropping (the bibliography is never sent by default): a venue checklist, related work,
acknowledgements, broader impact and similar statements, appendix sections that are not about the method,
experiments, hyperparameters or implementation, discussion and conclusion, then the rest of the appendix
(longest first). Then the longest remaining sections are shortened from their end. The method, experiments,
hyperparameters and implementation details of the body are never dropped whole.
"""

from __future__ import annotations

import re

from papercoder.llm.tokens import count_tokens
from papercoder.paper.model import Paper, Section
from papercoder.paper.text import heading_name

_KEEP = re.compile(r"method|model|approach|experiment|setup|set-up|implementation|training|hyper|dataset|result|"
                   r"algorithm|architecture|evaluation|detail|config|parameter|prompt",
                   re.IGNORECASE)
_BODY_RANKS = [
    (1, re.compile(r"related work|prior work|literature review", re.IGNORECASE)),
    (2, re.compile(r"acknowledg|funding", re.IGNORECASE)),
    (3, re.compile(r"broader impact|ethic|societal|impact statement|reproducibility statement|limitation|"
                   r"future work|author contribution|gpu usage", re.IGNORECASE)),
    (5, re.compile(r"discussion|conclusion", re.IGNORECASE)),
]
_CHECKLIST = re.compile(r"checklist", re.IGNORECASE)


def _groups(sections: list[Section]) -> list[list[Section]]:
    """Each top-level section with its subsections."""
    groups: list[list[Section]] = []
    for s in sections:
        if groups and s.level > groups[-1][0].level:
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def _trailing_checklist(sections: list[Section]) -> list[Section]:
    """A venue checklist: from a 'Checklist' heading, or numbering restarting at 1 after the appendix, to the end."""
    seen_appendix = False
    for i, s in enumerate(sections):
        if _CHECKLIST.search(s.heading):
            return sections[i:]
        if s.appendix:
            seen_appendix = True
        elif seen_appendix and re.match(r"^1\s", s.heading):
            return sections[i:]
    return []


def _rank(group: list[Section]) -> int | None:
    """Drop rank of a section group (lower goes first); None when it is never dropped whole."""
    head = group[0]
    name = heading_name(head.heading)
    if head.appendix:
        return 6 if any(_KEEP.search(heading_name(s.heading)) for s in group) else 4
    for rank, pattern in _BODY_RANKS:
        if pattern.search(name) and not _KEEP.search(name):
            return rank
    return None


def compact(paper: Paper, budget: int) -> tuple[str, dict[str, object]]:
    """Render ``paper`` as Markdown of at most about ``budget`` tokens.

    Returns:
        The Markdown and a record: tokens before and after, sections dropped and shortened, bibliography entries
        left out.

    """
    sections = [s.model_copy() for s in paper.sections]
    full = paper.to_markdown(sections)
    dropped: list[str] = []
    shortened: list[str] = []
    info: dict[str, object] = {"budget": budget, "tokens_full": count_tokens(full), "dropped": dropped,
                               "shortened": shortened, "bibliography_entries_left_out": len(paper.bibliography)}

    def size() -> int:
        return count_tokens(paper.to_markdown(sections))

    if budget <= 0 or count_tokens(full) <= budget:
        info["tokens"] = info["tokens_full"]
        return full, info
    for s in _trailing_checklist(sections):
        sections.remove(s)
        dropped.append(s.heading)
    ranked = [(r, g) for g in _groups(sections) if (r := _rank(g)) is not None]
    # within a rank: appendix groups longest first, body groups in reading order
    ranked.sort(key=lambda rg: (rg[0], -sum(len(s.text) for s in rg[1]) if rg[0] in (4, 6) else 0))
    for _rank_value, group in ranked:
        if size() <= budget:
            break
        for s in group:
            sections.remove(s)
            dropped.append(s.heading)
    total = size()
    while total > budget:
        longest = max(sections, key=lambda s: len(s.text), default=None)
        if longest is None or len(longest.text) <= 600:
            break
        keep = max(400, len(longest.text) - ((total - budget) * 4 + 200))
        if keep >= len(longest.text):
            break
        cut = longest.text.rfind(". ", 0, keep)
        longest.text = longest.text[: cut + 1 if cut > keep // 2 else keep].rstrip() + " [...]"
        if longest.heading not in shortened:
            shortened.append(longest.heading)
        total = size()
    md = paper.to_markdown(sections)
    info["tokens"] = count_tokens(md)
    return md, info
