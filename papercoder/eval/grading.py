"""What the grader reads for each rubric leaf when the repository does not fit its window, laid out for the cache.

A grader request is the system text, the paper, the files shown, then the leaf's requirement. llama.cpp (one slot)
and hosted providers reuse the longest prefix a request shares with the one before it, so what follows the paper
should change as seldom as possible from one leaf to the next (seen on a 6-file repository with the embedded model:
each leaf chose its own files, only the paper was reused, and a leaf took 147-180 s).

The plan made here, once per evaluation:

- Leaves are graded in groups: sibling leaves of one rubric node, groups of fewer than :data:`MIN_GROUP` leaves
  taking in the leaves after them (tree order). A group's files are the most relevant to all its requirements
  together (BM25 of the joined requirements, a word counted as often as they use it; whole files within the
  budget); a group whose words match no file reads the judge's selection.
- Files are shown in one canonical order for the whole evaluation: those most groups read first (then by path),
  so that two groups reading mostly the same files still share most of their prefix.
- Groups are graded in the order that puts groups with the same leading files next to each other.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from papercoder.eval.files import RepoFile, select_for_requirement

MIN_GROUP = 6
"""Fewest leaves graded with one selection of files (a new selection costs one prefill of the files)."""


def leaf_groups(leaves: list[dict[str, Any]], min_group: int = MIN_GROUP) -> list[list[dict[str, Any]]]:
    """Leaves (in tree order, each with ``parent``) cut into groups of siblings, small groups joined to the next."""
    groups: list[list[dict[str, Any]]] = []
    for leaf in leaves:
        if groups and (len(groups[-1]) < min_group or groups[-1][-1].get("parent") == leaf.get("parent")):
            groups[-1].append(leaf)
        else:
            groups.append([leaf])
    if len(groups) > 1 and len(groups[-1]) < min_group:
        groups[-2].extend(groups.pop())
    return groups


def plan_grading(leaves: list[dict[str, Any]], files: list[RepoFile], budget: int, fallback: list[str],
                 min_group: int = MIN_GROUP) -> dict[str, Any]:
    """The files each leaf reads, in canonical order, and the order in which leaves are graded.

    Args:
        leaves: The rubric's Code-Dev leaves in tree order (``id``, ``requirements``, ``parent``).
        files: The repository's text files.
        budget: Tokens the files may take.
        fallback: The judge's selection (paths), for a group whose words match no file.
        min_group: Fewest leaves per group.

    Returns:
        ``{"leaf_files": {id: [path, ...]}, "order": [id, ...], "groups": n, "rule": text}``.
    """
    groups = leaf_groups(leaves, min_group)
    chosen = []
    for group in groups:
        words = " ".join(leaf["requirements"] for leaf in group)
        paths = [f.path for f in select_for_requirement(words, files, budget, distinct=False).files]
        chosen.append(paths or list(fallback))
    read_by = Counter(p for paths in chosen for p in paths)
    rank = {p: (-n, p) for p, n in read_by.items()}
    chosen = [sorted(paths, key=rank.__getitem__) for paths in chosen]
    order = sorted(range(len(groups)), key=lambda i: [rank[p] for p in chosen[i]])
    return {
        "leaf_files": {leaf["id"]: chosen[i] for i in order for leaf in groups[i]},
        "order": [leaf["id"] for i in order for leaf in groups[i]],
        "groups": len(groups),
        "rule": (f"BM25 of the requirements of a group of sibling leaves (at least {min_group}) over identifiers, "
                 f"comments and strings; whole files within {budget} tokens, shown most-read first"),
    }
