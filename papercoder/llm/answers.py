"""Model calls that must yield a usable answer: validation, re-asks, accounting and bounded concurrency.

An agent hands :func:`ask` its messages and a ``parse`` function that turns a :class:`Reply` into a value
or raises :class:`AnswerError` with a complaint the model can act on. An unusable answer is re-asked with
that complaint (bounded); after the last re-ask the run stops with a :class:`StageError` that names the
stage and the problem. Every call, good or bad, is recorded in run.json as it ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from papercoder.context import RunContext
from papercoder.llm.models import build_chat_model, model_label
from papercoder.llm.tokens import count_tokens
from papercoder.workspace import Workspace

T = TypeVar("T")
RETRY_TEMPERATURE = 0.4

_SEMAPHORES: dict[tuple[str, str, int], threading.BoundedSemaphore] = {}
_SEM_GUARD = threading.Lock()


class AnswerError(ValueError):
    """The model's answer cannot be used; the message is the complaint sent back to it."""


class StageError(RuntimeError):
    """A stage could not get a usable answer (or could not reach its model): the run stops here."""

    def __init__(self, stage: str, problem: str, *, file: str | None = None):
        self.stage, self.problem, self.file = stage, problem, file
        where = f"{stage} ({file})" if file else stage
        super().__init__(f"{where}: {problem}")


@dataclass
class Reply:
    """One answer of the model."""

    text: str
    parsed: BaseModel | None
    finish_reason: str | None
    attempt: int = 0
    last: bool = True
    """Whether this is the last try: a parser may then accept an imperfect answer and record its problems."""


def _semaphore(ctx: RunContext) -> threading.BoundedSemaphore:
    key = (ctx.model, ctx.base_url, ctx.effective_concurrency())
    with _SEM_GUARD:
        return _SEMAPHORES.setdefault(key, threading.BoundedSemaphore(key[2]))


def _emit(event: dict[str, Any]) -> None:
    """Send a progress event to LangGraph's custom stream when running inside a graph."""
    try:
        from langgraph.config import get_stream_writer

        get_stream_writer()(event)
    except Exception:  # noqa: BLE001 - outside a graph run there is no writer; progress is optional
        pass


def _usage(raw: AIMessage | None, messages: Sequence[BaseMessage], text: str) -> dict[str, int]:
    usage = dict(getattr(raw, "usage_metadata", None) or {})
    details = usage.get("input_token_details") or {}
    if not usage.get("input_tokens"):
        usage["input_tokens"] = sum(count_tokens(str(m.content)) for m in messages)
        usage["counted"] = 1
    if not usage.get("output_tokens"):
        usage["output_tokens"] = count_tokens(text)
    return {
        "input_tokens": int(usage["input_tokens"]),
        "output_tokens": int(usage["output_tokens"]),
        "cached_input_tokens": int(details.get("cache_read") or 0),
        "estimated": int(usage.get("counted", 0)),
    }


def ask(
    *,
    ctx: RunContext,
    ws: Workspace,
    node: str,
    messages: Sequence[BaseMessage],
    parse: Callable[[Reply], T],
    max_tokens: int,
    schema: type[BaseModel] | None = None,
    file: str | None = None,
    code: bool = False,
) -> T:
    """Call the model until ``parse`` accepts its answer, at most ``1 + ctx.max_reasks`` times.

    Args:
        ctx: Run settings (model, concurrency, re-ask bound).
        ws: Where the call records go.
        node: The calling agent's name (for records and errors).
        messages: The conversation; shared context first, the per-call request last.
        parse: Turns a :class:`Reply` into the value wanted, or raises :class:`AnswerError`.
        max_tokens: Output-token limit of the call.
        schema: When given, the answer is requested as JSON of this schema (``json_schema`` mode).
        file: The file this call is about, if any.
        code: Whether the answer is code (see :func:`~papercoder.llm.models.build_chat_model`).

    Returns:
        What ``parse`` returned.

    Raises:
        StageError: When no usable answer came within the bound, or the endpoint failed.

    """
    convo = list(messages)
    problem = "no answer"
    tries = 1 + max(0, ctx.max_reasks)
    for attempt in range(tries):
        # At temperature 0 a re-ask tends to repeat the same answer (and a small model the same loop):
        # re-asks sample a little.
        call_ctx = replace(ctx, temperature=RETRY_TEMPERATURE) if attempt and ctx.temperature == 0 else ctx
        model = build_chat_model(call_ctx, max_tokens=max_tokens, code=code)
        runnable: Any = (model.with_structured_output(schema, method="json_schema", include_raw=True)
                         if schema else model)
        raw: AIMessage | None = None
        parsed: BaseModel | None = None
        text = ""
        finish: str | None = None
        with _semaphore(ctx):
            _emit({"event": "call_start", "node": node, "file": file, "attempt": attempt})
            started = time.monotonic()
            try:
                result = runnable.invoke(convo)
            except openai.LengthFinishReasonError as exc:
                finish, result = "length", None
                text = _completion_text(exc.completion)
                problem = "the answer was cut off at the output-token limit; give a shorter answer"
            except (ValidationError, ValueError) as exc:
                result, problem = None, f"the answer did not fit the requested JSON schema: {_short(exc)}"
            except openai.OpenAIError as exc:
                _record(ws, ctx, node, file, attempt, convo, None, "", "error", started, error=_short(exc))
                raise _fail(ws, node, f"model call to {model_label(ctx)} failed: {_short(exc)}", file) from exc
        if isinstance(result, dict):
            raw, parsed = result.get("raw"), result.get("parsed")
            if result.get("parsing_error") is not None:
                problem = f"the answer did not fit the requested JSON schema: {_short(result['parsing_error'])}"
        elif isinstance(result, AIMessage):
            raw = result
        if raw is not None:
            text = raw.content if isinstance(raw.content, str) else str(raw.content)
            finish = (raw.response_metadata or {}).get("finish_reason", finish)
        _record(ws, ctx, node, file, attempt, convo, raw, text, finish, started)
        if result is not None and (schema is None or parsed is not None):
            try:
                value = parse(Reply(text=text, parsed=parsed, finish_reason=finish, attempt=attempt,
                                    last=attempt >= tries - 1))
            except AnswerError as exc:
                problem = str(exc)
            else:
                _emit({"event": "call_end", "node": node, "file": file, "ok": True})
                return value
        _emit({"event": "reask", "node": node, "file": file, "problem": problem})
        ws.record_error({"stage": node, "file": file, "kind": "reask", "attempt": attempt, "problem": problem})
        ws.write_artifact(f"rejected/{node}{'-' + file.replace('/', '_') if file else ''}-{attempt + 1}.txt",
                          f"Problem: {problem}\n\n{text}")
        # An answer cut at the token limit is usually a loop: echoing it back would prime the same loop.
        echo = [AIMessage(content=text[:6000])] if text and finish != "length" else []
        convo = [*list(messages), *echo,
                 HumanMessage(content=f"That answer cannot be used: {problem}\n"
                              "Answer the same request again, fixing exactly this.")]
    raise _fail(ws, node, f"no usable answer after {tries} tries: {problem}", file)


def _fail(ws: Workspace, node: str, problem: str, file: str | None) -> StageError:
    """Mark the run failed in run.json (whoever runs the graph) and build the error to raise."""
    error = StageError(node, problem, file=file)
    ws.update_run(status="failed", error={"stage": node, "file": file, "message": str(error)})
    return error


def _record(ws: Workspace, ctx: RunContext, node: str, file: str | None, attempt: int,
            convo: Sequence[BaseMessage], raw: AIMessage | None, text: str, finish: str | None,
            started: float, *, error: str | None = None) -> None:
    rec: dict[str, Any] = {
        "node": node,
        "file": file,
        "attempt": attempt,
        "model": model_label(ctx),
        **_usage(raw, convo, text),
        "seconds": round(time.monotonic() - started, 3),
        "finish_reason": finish,
    }
    if error:
        rec["error"] = error
    ws.record_call(rec)
    _emit({"event": "call", **rec})


def _completion_text(completion: Any) -> str:
    try:
        return completion.choices[0].message.content or ""
    except (AttributeError, IndexError):
        return ""


def _short(exc: object, limit: int = 600) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + " ..."
