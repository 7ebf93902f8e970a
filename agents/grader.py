"""The rubric grader agent: one PaperBench "Code Development" requirement graded 0 or 1 with a justification.

The grader reads the same paper-and-code view as the judge (its prefix is cached across leaves), or, when the
repository does not fit the window, the files its group of leaves needs most, laid out so that consecutive leaves
share the longest prefix (:mod:`papercoder.eval.grading`). An unusable answer is re-asked;
when none comes the leaf scores 0 and is marked ungraded, as PaperBench counts a failed grading.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from papercoder.agents.conversation import fill
from papercoder.agents.judge import judge_messages

from papercoder.context import RunContext
from papercoder.eval.nodes import load_view
from papercoder.eval.schemas import LeafGrade
from papercoder.eval.view import leaf_view, omitted_note
from papercoder.llm import AnswerError, UnusableAnswerError, ask
from papercoder.llm.answers import Reply
from papercoder.runtime import context_of, workspace_of
from papercoder.workspace import Workspace


def max_tokens(ctx: RunContext) -> int:
    """Output-token limit of one grade."""
    return 250 if ctx.for_stage("judge").is_local else 800


def grader_messages(text: str, shown: dict[str, Any], leaf: dict[str, Any]) -> list[Any]:
    """The grader's request for ``leaf``: the judges' system text, ``text`` (paper and code), the requirement last."""
    request = fill("grader", requirement=" ".join(leaf["requirements"].split()),
                   omitted_note=omitted_note(shown.get("left_out", [])))
    return judge_messages({"text": text}, request)


def grade_leaf(*, text: str, shown: dict[str, Any], leaf: dict[str, Any], ctx: RunContext,
               ws: Workspace) -> dict[str, Any]:
    """Grade one leaf: ``{"id", "score", "justification", "graded", "files"}``.

    Args:
        text: The paper and code the grader reads (see :func:`papercoder.eval.view.leaf_view`).
        shown: What ``text`` holds (recorded with the grade).
        leaf: The rubric leaf (``id``, ``requirements``).
        ctx: Run settings (the judge model grades, at temperature 0).
        ws: Where calls are recorded.

    Raises:
        StageError: When the grader's endpoint fails.
    """

    def parse(reply: Reply) -> LeafGrade:
        grade = reply.parsed
        if not isinstance(grade, LeafGrade):
            raise AnswerError("the answer is not the requested JSON object")
        if grade.score not in (0, 1):
            raise AnswerError(f"the score {grade.score} is not 0 or 1")
        return grade

    try:
        grade = ask(ctx=replace(ctx, temperature=0.0), ws=ws, node="grader", file=leaf["id"], schema=LeafGrade,
                    parse=parse, max_tokens=max_tokens(ctx), messages=grader_messages(text, shown, leaf))
    except UnusableAnswerError as exc:
        return {"id": leaf["id"], "score": 0, "graded": False, "justification": f"ungraded: {exc.problem}",
                "files": shown.get("files")}
    return {"id": leaf["id"], "score": grade.score, "graded": True, "justification": grade.justification,
            "files": shown.get("files")}


def grader(task: dict[str, Any], runtime: Runtime[RunContext]) -> dict[str, Any]:
    """One rubric leaf (``task["leaf"]``) graded, kept in ``artifacts/grades/ID.json``."""
    ws = workspace_of(task)
    leaf = task["leaf"]
    text, shown = leaf_view(load_view(task["out_dir"]), Path(task["repo"]), leaf)
    result = grade_leaf(text=text, shown=shown, leaf=leaf, ctx=context_of(runtime), ws=ws)
    ws.write_artifact(f"grades/{leaf['id']}.json", result)
    return {"grades": {leaf["id"]: result}}
