"""Compaction: fit the paper into a token budget, dropping what an implementer needs least."""

from __future__ import annotations

import re

from papercoder.llm.tokens import count_tokens
from papercoder.paper.model import Paper, Section

# Lower rank is dropped first. Method, experiments and implementation details are never dropped whole.
_DROP_ORDER = [
    (0, r"acknowledg|funding"),
    (1, r"broader impact|ethic|societal|impact statement|checklist"),
    (2, r"related work|prior work|background"),
    (3, r"limitation|future work|discussion|conclusion"),
    (4, r"appendix"),
]
_KEEP = re.compile(r"method|model|approach|experiment|setup|implementation|training|hyper|dataset|result|"
                   r"algorithm|architecture|evaluation|abstract", re.IGNORECASE)


def _trailing_checklist(sections: list[Section]) -> list[Section]:
    """Sections after the appendix whose numbering restarts at 1 (a venue's paper checklist)."""
    seen_appendix = False
    for i, s in enumerate(sections):
        if re.match(r"^[A-H](\.\d+)*\s", s.heading) or s.heading.lower().startswith("appendix"):
            seen_appendix = True
        elif seen_appendix and re.match(r"^1\s", s.heading):
            return sections[i:]
    return []


def _appendix(sections: list[Section]) -> list[Section]:
    """Sections from the appendix on.

    The appendix starts at an 'Appendix' heading, or at a lettered heading (A, B.1, ...) after a numbered one.
    """
    numbered = False
    for i, s in enumerate(sections):
        if re.match(r"^\d+(\.\d+)*\s", s.heading):
            numbered = True
        elif s.heading.lower().startswith("appendix") or (numbered and re.match(r"^[A-H](\.\d+)*\s", s.heading)):
            return sections[i:]
    return []


def _matches(section: Section, rank: int, pattern: str, appendix: list[Section]) -> bool:
    if rank == 4:
        return any(section is a for a in appendix)
    name = re.sub(r"^[\d.]+\s*", "", section.heading).lower()
    return bool(re.search(pattern, name)) and not _KEEP.search(name)


def compact(paper: Paper, budget: int) -> tuple[str, dict[str, object]]:
    """Render ``paper`` as Markdown of at most about ``budget`` tokens.

    Sections are dropped by priority (acknowledgements, broader impact, related work, discussion,
    appendix), then the longest remaining sections are shortened from their end.

    Returns:
        The Markdown and a record: tokens before and after, sections dropped and shortened.

    """
    sections = [s.model_copy() for s in paper.sections]
    full = paper.to_markdown(sections)
    info: dict[str, object] = {"budget": budget, "tokens_full": count_tokens(full), "dropped": [],
                               "shortened": [], "bibliography_removed": bool(paper.bibliography)}
    if budget <= 0 or info["tokens_full"] <= budget:  # type: ignore[operator]
        info["tokens"] = info["tokens_full"]
        return full, info
    trailing = _trailing_checklist(sections)
    for s in trailing:
        sections.remove(s)
        info["dropped"].append(s.heading)  # type: ignore[union-attr]
    for rank, pattern in _DROP_ORDER:
        if count_tokens(paper.to_markdown(sections)) <= budget:
            break
        appendix = _appendix(sections)
        matching = [s for s in sections if _matches(s, rank, pattern, appendix)]
        for s in reversed(matching) if rank == 4 else matching:  # the appendix is cut from its end
            sections.remove(s)
            info["dropped"].append(s.heading)  # type: ignore[union-attr]
            if count_tokens(paper.to_markdown(sections)) <= budget:
                break
    total = count_tokens(paper.to_markdown(sections))
    while total > budget:
        longest: Section = max(sections, key=lambda s: len(s.text))
        if len(longest.text) <= 600:
            break
        overflow_chars = (total - budget) * 4 + 200
        keep = max(400, len(longest.text) - overflow_chars)
        if keep >= len(longest.text):
            break
        cut = longest.text.rfind(". ", 0, keep)
        longest.text = longest.text[: cut + 1 if cut > keep // 2 else keep].rstrip() + " [...]"
        if longest.heading not in info["shortened"]:  # type: ignore[operator]
            info["shortened"].append(longest.heading)  # type: ignore[union-attr]
        total = count_tokens(paper.to_markdown(sections))
    md = paper.to_markdown(sections)
    info["tokens"] = count_tokens(md)
    return md, info
