"""Compaction: fit the paper into a token budget, dropping what an implementer needs least.

Order of dropping (the bibliography is never sent by default): a venue checklist, related work,
acknowledgements, broader impact and similar statements, appendix sections that are not about the method,
experiments, hyperparameters or implementation, discussion and conclusion, then the rest of the appendix
(longest first). Then the longest remaining sections are shortened from their end. The method, experiments,
hyperparameters and implementation details of the body are never dropped whole.

The *digest* (``digest=True``) is the smaller view the agents after the planner work from: it also drops the
introduction, background and motivation, then the results and their analysis (tables of results, model
variations, ablations), before anything is shortened. What it keeps whole is the method and its set-up:
model, algorithm, datasets, training, hyperparameters and implementation details.
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
_DIGEST_RANKS = [
    (1, re.compile(r"^(introduction|background|motivation|preliminar\w*|overview)$|^why\b", re.IGNORECASE)),
    (5, re.compile(r"result|variation|ablation|analys[ie]s|visuali[sz]ation|comparison|case stud|qualitative|"
                   r"discussion", re.IGNORECASE)),
]
_DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.DOTALL)
_SETS_VALUE = re.compile(r"=\s*[-+]?\d")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z$\\(])")
_SETUP = re.compile(r"setup|set-up|implementation|training|hyper|detail|config|parameter|dataset|prompt",
                    re.IGNORECASE)


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


def _rank(group: list[Section], digest: bool = False) -> int | None:
    """Drop rank of a section group (lower goes first); None when it is never dropped whole."""
    head = group[0]
    name = heading_name(head.heading)
    if head.appendix:
        return 6 if any(_KEEP.search(heading_name(s.heading)) for s in group) else 4
    for rank, pattern in _BODY_RANKS:
        if pattern.search(name) and not _KEEP.search(name):
            return rank
    if digest:
        for rank, pattern in _DIGEST_RANKS:
            if pattern.search(name) and not _SETUP.search(name):
                return rank
    return None


def _droppable(sections: list[Section], digest: bool) -> list[tuple[int, list[Section]]]:
    """Section groups that may be dropped whole, in dropping order.

    In a digest, a dropped section's subsections about the set-up stay (the training details under
    "Experiments"), and a subsection of a kept section may go on its own (an ablation under "Method").
    """
    ranked: list[tuple[int, list[Section]]] = []
    for group in _groups(sections):
        rank = _rank(group, digest)
        if not digest or group[0].appendix:
            if rank is not None:
                ranked.append((rank, group))
        elif rank is not None:
            ranked.append((rank, [group[0], *(s for s in group[1:] if not _SETUP.search(heading_name(s.heading)))]))
        else:
            ranked += [(r, [s]) for s in group[1:] if (r := _rank([s], digest)) is not None]
    # within a rank: appendix groups longest first, body groups in reading order
    ranked.sort(key=lambda rg: (rg[0], -sum(len(s.text) for s in rg[1]) if rg[0] in (4, 6) else 0))
    return ranked


def _shorten(text: str, keep: int) -> str:
    """``text`` cut to about ``keep`` characters at a sentence end.

    Of the part cut off, the display equations and the sentences that set a value (``$h=8$``, ``p = 0.1``)
    stay: they are what an implementer cannot rebuild from the prose around them.
    """
    spans = [m.span() for m in _DISPLAY_MATH.finditer(text)]
    cut = text.rfind(". ", 0, keep)
    end = cut + 1 if cut > keep // 2 else keep
    end = next((a for a, b in spans if a < end < b), end)  # never cut inside an equation
    head = text[:end].rstrip()
    if head.endswith(" [...]"):
        head = head[: -len(" [...]")].rstrip()
    kept: list[str] = []
    start = end
    for a, b in [*(sp for sp in spans if sp[0] >= end), (len(text), len(text))]:
        for paragraph in text[start:a].split("\n\n"):
            sentences = _SENTENCE_END.split(paragraph.replace("[...]", " ").strip())
            kept += [s.strip() for s in sentences if _SETS_VALUE.search(s)]
        if a < b:
            kept.append(text[a:b])
        start = b
    return head + " [...]" + "".join(f"\n\n{k}" for k in kept)


def _compacted(paper: Paper, budget: int, digest: bool) -> tuple[list[Section], dict[str, object]]:
    """The sections kept (some shortened) within ``budget``, and the record of what was dropped and shortened."""
    sections = [s.model_copy() for s in paper.sections]
    full_tokens = count_tokens(paper.to_markdown(sections))
    dropped: list[str] = []
    shortened: list[str] = []
    info: dict[str, object] = {"budget": budget, "tokens_full": full_tokens, "dropped": dropped,
                               "shortened": shortened, "bibliography_entries_left_out": len(paper.bibliography)}

    def size() -> int:
        return count_tokens(paper.to_markdown(sections))

    if budget <= 0 or full_tokens <= budget:
        return sections, info
    for s in _trailing_checklist(sections):
        sections.remove(s)
        dropped.append(s.heading)
    for _rank_value, group in _droppable(sections, digest):
        if size() <= budget:
            break
        for s in group:
            sections.remove(s)
            dropped.append(s.heading)
    total = size()
    fixed: set[int] = set()  # sections that cannot be shortened further
    while total > budget:
        candidates = [s for s in sections if id(s) not in fixed and len(s.text) > 600]
        if not candidates:
            break
        longest = max(candidates, key=lambda s: len(s.text))
        keep = max(400, len(longest.text) - ((total - budget) * 4 + 200))
        shorter = _shorten(longest.text, keep)
        if len(shorter) >= len(longest.text):
            fixed.add(id(longest))
            continue
        longest.text = shorter
        if longest.heading not in shortened:
            shortened.append(longest.heading)
        total = size()
    return sections, info


def compact(paper: Paper, budget: int, *, digest: bool = False) -> tuple[str, dict[str, object]]:
    """Render ``paper`` as Markdown of at most about ``budget`` tokens (the digest's rules with ``digest``).

    Returns:
        The Markdown and a record: tokens before and after, sections dropped and shortened, bibliography entries
        left out.

    """
    sections, info = _compacted(paper, budget, digest)
    md = paper.to_markdown(sections)
    info["tokens"] = count_tokens(md)
    return md, info


def remainder(paper: Paper, budget: int, digest_budget: int) -> tuple[str, dict[str, object]]:
    """What the planner reads after the digest: the rest of the paper compacted to ``budget``.

    The planner's paper is laid out as the digest first, then this remainder, so that every later call (which has
    the digest alone) shares its prefix with the planner's call up to the end of the digest. The remainder is
    every section of the compacted paper that the digest does not hold word for word, in reading order: the
    sections the digest drops, and of those it shortens, the text from the sentence where it cut them on (headed
    "(continued)").
    Title and abstract are in the digest.

    Returns:
        The remainder as Markdown (empty when the digest is the compacted paper) and a record: its tokens and
        its section headings.

    """
    kept, _ = _compacted(paper, budget, False)
    in_digest: dict[str, str] = {}
    for s in _compacted(paper, digest_budget, True)[0]:
        in_digest.setdefault(s.heading, s.text)
    rest: list[Section] = []
    for s in kept:
        text = in_digest.get(s.heading)
        if text == s.text:
            continue
        head = text.split(" [...]", 1)[0].rstrip() if text and " [...]" in text else ""
        if head and s.text.startswith(head):  # shortened in the digest: what it cut, from the sentence cut into
            edge = max(s.text.rfind(". ", 0, len(head) + 1), s.text.rfind("\n\n", 0, len(head) + 1))
            start = edge + 2 if edge >= 0 else 0
            s = s.model_copy(update={"heading": f"{s.heading} (continued)",
                                     "text": "[...] " + s.text[start:].lstrip()})
        rest.append(s)
    md = paper.sections_markdown(rest)
    return md, {"tokens": count_tokens(md) if md else 0, "sections": [s.heading for s in rest]}
