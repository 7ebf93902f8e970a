"""PaperBench rubric trees: reading, the Code-Development leaves, and the weighted score up the tree.

A rubric node has ``id``, ``requirements``, ``weight`` and ``sub_tasks``; a leaf also has ``task_category``.
The Code-Dev score grades only the "Code Development" leaves (0 or 1). A node's score is the weighted mean of
its children that hold at least one such leaf; the others are left out of the tree, as PaperBench Code-Dev does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

CODE_DEV = "Code Development"


class RubricError(ValueError):
    """A rubric file that cannot be read as a PaperBench grading tree."""


class RubricNode(BaseModel):
    """One node of a PaperBench grading tree."""

    id: str
    requirements: str
    weight: float = 1.0
    sub_tasks: list[RubricNode] = Field(default_factory=list)
    task_category: str | None = None
    finegrained_task_category: str | None = None


def load_rubric(path: str | Path) -> RubricNode:
    """Read ``rubric.json``.

    Raises:
        RubricError: When the file is missing, is not JSON, or is not a grading tree.
    """
    try:
        return RubricNode.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
    except OSError as exc:
        raise RubricError(f"{path}: cannot read the rubric: {exc.strerror or exc}") from exc
    except (ValueError, ValidationError) as exc:
        raise RubricError(f"{path}: not a PaperBench rubric tree: {str(exc).splitlines()[0]}") from exc


def code_dev_leaves(node: RubricNode) -> list[RubricNode]:
    """The tree's "Code Development" leaves, in tree order."""
    if not node.sub_tasks:
        return [node] if node.task_category == CODE_DEV else []
    return [leaf for child in node.sub_tasks for leaf in code_dev_leaves(child)]


def leaf_parents(node: RubricNode) -> dict[str, str]:
    """Each leaf's parent id (the root's children have the root as parent)."""
    out: dict[str, str] = {}
    for child in node.sub_tasks:
        if child.sub_tasks:
            out.update(leaf_parents(child))
        else:
            out[child.id] = node.id
    return out


def score_tree(node: RubricNode, grades: dict[str, int]) -> dict[str, Any] | None:
    """The graded Code-Dev tree: each node with its score; None when the node holds no Code-Dev leaf.

    Args:
        node: The rubric (sub)tree.
        grades: 0/1 per leaf id (a leaf missing here scores 0 and is marked ungraded).
    """
    if not node.sub_tasks:
        if node.task_category != CODE_DEV:
            return None
        return {"id": node.id, "requirements": node.requirements, "weight": node.weight,
                "score": float(grades.get(node.id, 0)), "graded": node.id in grades}
    children = [c for c in (score_tree(child, grades) for child in node.sub_tasks) if c is not None]
    if not children:
        return None
    total = sum(c["weight"] for c in children)
    score = sum(c["weight"] * c["score"] for c in children) / total if total else 0.0
    return {"id": node.id, "requirements": node.requirements, "weight": node.weight, "score": round(score, 4),
            "sub_tasks": children}
