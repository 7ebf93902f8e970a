"""The judge agent: one 1-5 verdict with critiques on a whole repository (reference-free or reference-based).

Each sample is one call with its own seed at the judge temperature, so samples differ on any backend and a
re-run gives the same samples. An answer that is not the requested JSON, is cut off, is empty or scores outside
1-5 is re-asked; when no usable answer comes the sample is dropped and counted, never guessed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from papercoder.agents.conversation import fill, prompt

from papercoder.context import RunContext
from papercoder.eval.nodes import load_view
from papercoder.eval.schemas import JudgeAnswer
from papercoder.eval.view import omitted_note
from papercoder.llm import AnswerError, UnusableAnswerError, ask
from papercoder.llm.answers import Reply
from papercoder.runtime import context_of, workspace_of
from papercoder.workspace import Workspace


def max_tokens(ctx: RunContext) -> int:
    """Output-token limit of a verdict (the embedded model writes ~5 tokens/s here)."""
    return 700 if ctx.for_stage("judge").is_local else 2500


def judge_messages(view: dict[str, Any], request: str) -> list[Any]:
    """System text, then the shared view (paper and code), then the request."""
    return [SystemMessage(content=prompt("judge_system")), HumanMessage(content=f"{view['text']}\n\n---\n\n{request}")]


def judge_sample(*, view: dict[str, Any], k: int, ctx: RunContext, ws: Workspace) -> dict[str, Any]:
    """Verdict number ``k``: ``{"sample", "score", "critiques"}``, or ``{"sample", "score": None, "dropped"}``.

    Raises:
        StageError: When the judge's endpoint fails (not for unusable answers: those drop the sample).
    """
    reference = "reference" in view["info"]
    request = fill("judge", reference_note=prompt("judge_reference").rstrip() if reference else "",
                   omitted_note=omitted_note(view["info"]["repo"]["left_out"]))
    sample_ctx = replace(ctx, temperature=ctx.judge_temperature, seed=ctx.seed + k)

    def parse(reply: Reply) -> JudgeAnswer:
        answer = reply.parsed
        if not isinstance(answer, JudgeAnswer):
            raise AnswerError("the answer is not the requested JSON object")
        if not 1 <= answer.score <= 5:
            raise AnswerError(f"the score {answer.score} is outside 1-5; give an integer from 1 to 5")
        return answer

    try:
        answer = ask(ctx=sample_ctx, ws=ws, node="judge", file=f"sample-{k}", schema=JudgeAnswer, parse=parse,
                     max_tokens=max_tokens(ctx), messages=judge_messages(view, request))
    except UnusableAnswerError as exc:
        return {"sample": k, "score": None, "dropped": exc.problem}
    return {"sample": k, "score": answer.score, "critiques": [c.model_dump() for c in answer.critiques]}


def judge(task: dict[str, Any], runtime: Runtime[RunContext]) -> dict[str, Any]:
    """One judge verdict (sample ``task["k"]``), kept in ``artifacts/judge/sample-K.json``."""
    ws = workspace_of(task)
    result = judge_sample(view=load_view(task["out_dir"]), k=task["k"], ctx=context_of(runtime), ws=ws)
    ws.write_artifact(f"judge/sample-{task['k']}.json", result)
    return {"samples": {str(task["k"]): result}}
