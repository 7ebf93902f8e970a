"""Model calls that must yield a usable answer: validation, re-asks, retries, cache, budget and accounting.

An agent hands :func:`ask` its messages and a ``parse`` function that turns a :class:`Reply` into a value
or raises :class:`AnswerError` with a complaint the model can act on. An unusable answer is re-asked with
that complaint (bounded); after the last re-ask the run stops with a :class:`StageError` that names the
stage and the problem. Each try is one *call*: served from the response cache when the same request was
answered before, otherwise checked against the run's budget and sent, with transient failures retried.
Every call, good or bad, is recorded in run.json as it ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel

from papercoder.context import NODE_STAGE, RunContext
from papercoder.llm.budget import Budget, BudgetExceeded, budget_for
from papercoder.llm.cache import ResponseCache
from papercoder.llm.cost import call_cost, price_of
from papercoder.llm.errors import AnswerError, StageError, UnusableAnswerError
from papercoder.llm.jsonparse import JSONAnswerError, parse_as, schema_instructions
from papercoder.llm.loops import stream_watched
from papercoder.llm.models import build_chat_model, endpoint_label, is_reasoning_model, model_label, request_settings
from papercoder.llm.requestlog import log_request
from papercoder.llm.retry import call_with_retries
from papercoder.llm.tokens import count_tokens
from papercoder.problems import Problem, record_problem
from papercoder.workspace import Workspace

__all__ = ["AnswerError", "Reply", "StageError", "ask"]

T = TypeVar("T")
RETRY_TEMPERATURE = 0.4

_SEMAPHORES: dict[tuple[str, str, int], threading.BoundedSemaphore] = {}
_SEM_GUARD = threading.Lock()
_PROMPT_JSON: set[tuple[str, str]] = set()
"""Endpoints that refused JSON-schema mode in this process (``auto`` then asks with the schema in the text)."""


@dataclass
class Reply:
    """One answer of the model."""

    text: str
    parsed: BaseModel | None
    finish_reason: str | None
    attempt: int = 0
    last: bool = True
    """Whether this is the last try: a parser may then accept an imperfect answer and record its problems."""


@dataclass
class _Call:
    """What one call needs besides its messages."""

    ctx: RunContext
    ws: Workspace
    node: str
    file: str | None
    attempt: int
    schema: type[BaseModel] | None
    max_tokens: int
    code: bool


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
    salvage: Callable[[str], BaseModel | None] | None = None,
) -> T:
    """Call the model until ``parse`` accepts its answer, at most ``1 + ctx.max_reasks`` times.

    Args:
        ctx: Run settings; the node's stage model (:meth:`RunContext.for_stage`) answers.
        ws: Where the call records go.
        node: The calling agent's name (for records and errors).
        messages: The conversation; shared context first, the per-call request last.
        parse: Turns a :class:`Reply` into the value wanted, or raises :class:`AnswerError`.
        max_tokens: Output-token limit of the call.
        schema: When given, the answer is requested as JSON of this schema (JSON-schema mode, or the schema
            in the request where the server has no such mode) and validated before ``parse`` sees it.
        file: The file this call is about, if any.
        code: Whether the answer is code (see :func:`~papercoder.llm.models.build_chat_model`).
        salvage: For a ``schema`` answer cut off at the output-token limit: what can be kept of it (the complete
            items of a list, say), or None; ``parse`` then sees it as the parsed answer.

    Returns:
        What ``parse`` returned.

    Raises:
        StageError: When no usable answer came within the bound, or the endpoint failed for good.
        BudgetExceeded: When the next call would take the run past its budget.

    """
    stage_ctx = ctx.for_stage(NODE_STAGE.get(node, "planning"))
    convo = list(messages)
    problem = "no answer"
    tries = 1 + max(0, ctx.max_reasks)
    previous: str | None = None
    complaints: list[str] = []
    for attempt in range(tries):
        call = _Call(_sampling(stage_ctx, attempt), ws, node, file, attempt, schema, max_tokens, code)
        raw = _answer(call, convo)
        text = raw.content if isinstance(raw.content, str) else str(raw.content)
        finish = (raw.response_metadata or {}).get("finish_reason")
        parsed: BaseModel | None = None
        if schema is not None:
            try:
                parsed = parse_as(text, schema)
            except JSONAnswerError as exc:
                problem = ("the answer was cut off at the output-token limit; give a shorter answer"
                           if finish == "length" else f"the answer did not fit the requested JSON schema: {exc}")
                if finish == "length" and salvage is not None:
                    parsed = salvage(text)
        # The same answer again after a complaint: another try would cost a call and bring it a third time.
        # It is taken as the last try (the parser then accepts what it can, with its problems recorded).
        repeated = text == previous and bool(text.strip())
        previous = text
        if schema is None or parsed is not None:
            reply = Reply(text=text, parsed=parsed, finish_reason=finish, attempt=attempt,
                          last=attempt >= tries - 1 or repeated)
            try:
                value = _parse_or_settle(parse, reply, complaints, ws, node, file)
            except AnswerError as exc:
                problem = str(exc)
                complaints.append(problem)
                if reply.last or complaints.count(problem) > 1:
                    break
            else:
                _emit({"event": "call_end", "node": node, "file": file, "ok": True})
                return value
        if repeated:
            break
        _emit({"event": "reask", "node": node, "file": file, "problem": problem})
        record_problem(ws, Problem(stage=node, file=file, kind="reask", attempt=attempt, message=problem,
                                   action="asked again"))
        ws.write_artifact(f"rejected/{node}{'-' + file.replace('/', '_') if file else ''}-{attempt + 1}.txt",
                          f"Problem: {problem}\n\n{text}")
        convo = _reask_convo(messages, text, finish, problem)
    made = attempt + 1
    again = " (the last one repeated the one before)" if made < tries else ""
    raise _fail(ws, node, f"no usable answer after {made} tries{again}: {problem}", file, kind=UnusableAnswerError)


def _parse_or_settle(parse: Callable[[Reply], T], reply: Reply, complaints: list[str], ws: Workspace, node: str,
                     file: str | None) -> T:
    """What ``parse`` makes of ``reply``; when it makes the complaint a re-ask already made, taken as the last try.

    The same complaint after a re-ask means the model cannot fix it: another try costs a whole answer and brings
    it a third time (seen on Semantic Self-Consistency: three checklist answers running with no quote from the
    paper, 160 s for nothing). The parser then accepts what it can, as on a last try, and the settling is recorded.
    """
    try:
        return parse(reply)
    except AnswerError as exc:
        if reply.last or str(exc) not in complaints:
            raise
        value = parse(replace(reply, last=True))
        record_problem(ws, Problem(stage=node, file=file, kind="same_complaint", attempt=reply.attempt,
                                   message=str(exc), action="not asked again: the answer is taken as a last try"))
        return value


def _sampling(ctx: RunContext, attempt: int) -> RunContext:
    """The settings of try ``attempt``: re-asks at temperature 0 sample a little.

    At temperature 0 a re-ask tends to repeat the same answer (and a small model the same loop).
    """
    if attempt and ctx.temperature == 0 and not is_reasoning_model(ctx.model):
        return replace(ctx, temperature=RETRY_TEMPERATURE)
    return ctx


def _reask_convo(messages: Sequence[BaseMessage], text: str, finish: str | None, problem: str) -> list[BaseMessage]:
    """The conversation of a re-ask: the request, the rejected answer, and the complaint.

    An answer cut at the token limit is usually a loop: it is not echoed back, which would prime the same loop.
    """
    echo = [AIMessage(content=text[:6000])] if text and finish != "length" else []
    return [*list(messages), *echo, HumanMessage(content=f"That answer cannot be used: {problem}\n"
                                                 "Answer the same request again, fixing exactly this.")]


def _json_mode(ctx: RunContext) -> str:
    if ctx.structured_output in ("json_schema", "prompt"):
        return ctx.structured_output
    return "prompt" if (ctx.model, ctx.base_url) in _PROMPT_JSON else "json_schema"


def _with_schema_text(messages: list[BaseMessage], schema: type[BaseModel]) -> list[BaseMessage]:
    last = messages[-1]
    return [*messages[:-1], last.model_copy(update={"content": f"{last.content}\n\n{schema_instructions(schema)}"})]


def _refuses_json_schema(exc: BaseException) -> bool:
    return (isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError)
            and any(w in str(exc).lower() for w in ("response_format", "json_schema", "structured output")))


def _answer(call: _Call, convo: list[BaseMessage]) -> AIMessage:
    """One call: from the cache, or (within the budget) from the model with retries. Recorded either way."""
    ctx = call.ctx
    mode = _json_mode(ctx) if call.schema is not None else "text"
    request = _with_schema_text(convo, call.schema) if mode == "prompt" and call.schema else convo
    settings = {k: v for k, v in request_settings(ctx, max_tokens=call.max_tokens, code=call.code).items()}
    settings.update(model=model_label(ctx), mode=mode,
                    schema=call.schema.model_json_schema() if call.schema is not None and mode != "text" else None)
    cache = ResponseCache.shared(ctx.cache_path) if ctx.cache else None
    key = ResponseCache.key(request, settings) if cache is not None else ""
    started = time.monotonic()
    if cache is not None and (hit := cache.lookup(key)) is not None:
        log_request(ctx.request_log, _record(call, request, hit, started, cache_hit=True), request, settings, hit)
        return hit
    model = build_chat_model(ctx, max_tokens=call.max_tokens, code=call.code)
    budget = _budget(call)
    input_estimate = sum(count_tokens(str(m.content)) for m in request)
    price = price_of(ctx.model, ctx.prices_path)
    if ctx.max_cost and price is None:
        raise _fail(call.ws, call.node, f"--max-cost needs the price of {ctx.model!r}: it is not in the price "
                    "table; add it to a YAML file given with --prices", call.file)
    try:
        reservation = budget.reserve(stage=call.node, file=call.file, tokens=input_estimate + call.max_tokens,
                                     cost=price.cost(input_estimate, 0, call.max_tokens) if price else 0.0)
    except BudgetExceeded as exc:
        call.ws.update_run(status="stopped", error={"stage": call.node, "file": call.file, "kind": "budget",
                                                    "message": str(exc)})
        raise
    runnable: Any = model
    if mode == "json_schema" and call.schema is not None:
        runnable = model.bind(response_format={"type": "json_schema", "json_schema": {
            "name": call.schema.__name__, "schema": call.schema.model_json_schema()}})
    retries: list[str] = []

    def on_retry(n: int, exc: BaseException, wait: float) -> None:
        retries.append(f"{type(exc).__name__}: {_short(exc, 160)}")
        _emit({"event": "retry", "node": call.node, "file": call.file, "retry": n, "wait": round(wait, 1),
               "error": retries[-1]})

    local_retries = min(ctx.max_retries, 1) if ctx.is_local else ctx.max_retries
    with _semaphore(ctx):
        started = time.monotonic()  # a call's seconds are the model's, not the wait for a free slot
        _emit({"event": "call_start", "node": call.node, "file": call.file, "attempt": call.attempt})
        try:
            raw = call_with_retries(lambda: _invoke(runnable, request, watch=mode == "text" and call.code),
                                    retries=max(0, local_retries), on_retry=on_retry)
        except Exception as exc:
            budget.settle(reservation, tokens=0, cost=0.0)
            if mode == "json_schema" and ctx.structured_output == "auto" and _refuses_json_schema(exc):
                _PROMPT_JSON.add((ctx.model, ctx.base_url))
                record_problem(call.ws, Problem(stage=call.node, file=call.file, kind="json_schema_refused",
                                                message=_short(exc, 300), action="asked again with the schema in "
                                                                                 "the request"))
                return _answer(call, convo)
            _record(call, request, None, started, retries=retries, error=f"{type(exc).__name__}: {_short(exc)}")
            raise _fail(call.ws, call.node, f"model call to {endpoint_label(ctx)} failed after "
                        f"{len(retries) + 1} tries: {type(exc).__name__}: {_short(exc)}", call.file) from exc
    if not isinstance(raw, AIMessage):
        raw = AIMessage(content=str(getattr(raw, "content", raw)))
    record = _record(call, request, raw, started, retries=retries)
    if loop := (raw.response_metadata or {}).get("loop"):
        record_problem(call.ws, Problem(stage=call.node, file=call.file, kind="loop_stopped", attempt=call.attempt,
                                        message=loop, action=f"answer stopped after {record['output_tokens']} "
                                                             "tokens, handled as cut off"))
    log_request(ctx.request_log, record, request, settings, raw)
    budget.settle(reservation, tokens=record["input_tokens"] + record["output_tokens"],
                  cost=record.get("cost_usd") or 0.0)
    if cache is not None:
        cache.update(key, raw)
    return raw


def _invoke(runnable: Any, request: list[BaseMessage], *, watch: bool = False) -> AIMessage:
    """One request; an answer cut at the token limit (or filtered) comes back as a message, not an error.

    In JSON-schema mode the OpenAI SDK raises on such answers; they are answers like any other, re-asked by
    :func:`ask` with the reason. With ``watch`` (code answers) the answer is streamed and stopped at the first
    degenerate loop (:mod:`papercoder.llm.loops`).
    """
    try:
        if watch:
            return stream_watched(runnable.stream(request))
        return runnable.invoke(request)
    except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError) as exc:
        completion = getattr(exc, "completion", None)
        choice = completion.choices[0] if completion is not None and completion.choices else None
        usage = getattr(completion, "usage", None)
        finish = "length" if isinstance(exc, openai.LengthFinishReasonError) else "content_filter"
        return AIMessage(
            content=(choice.message.content or "") if choice is not None else "",
            response_metadata={"finish_reason": finish},
            usage_metadata={"input_tokens": usage.prompt_tokens, "output_tokens": usage.completion_tokens,
                            "total_tokens": usage.total_tokens} if usage is not None else None,
        )


def _budget(call: _Call) -> Budget:
    spent = call.ws.read_totals()
    return budget_for(f"{call.ws.root}#{call.ws.run_id}", max_cost=call.ctx.max_cost,
                      max_tokens=call.ctx.max_total_tokens, spent=spent)


def _fail(ws: Workspace, node: str, problem: str, file: str | None,
          kind: type[StageError] = StageError) -> StageError:
    """Mark the run failed in run.json (whoever runs the graph) and build the error to raise."""
    error = kind(node, problem, file=file)
    ws.update_run(status="failed", error={"stage": node, "file": file, "message": str(error)})
    return error


def _record(call: _Call, convo: Sequence[BaseMessage], raw: AIMessage | None, started: float, *,
            cache_hit: bool = False, retries: list[str] | None = None, error: str | None = None) -> dict[str, Any]:
    text = "" if raw is None else (raw.content if isinstance(raw.content, str) else str(raw.content))
    rec: dict[str, Any] = {
        "node": call.node,
        "stage": NODE_STAGE.get(call.node, "planning"),
        "file": call.file,
        "attempt": call.attempt,
        "model": model_label(call.ctx),
        "model_spec": call.ctx.model,
        **_usage(raw, convo, text),
        "seconds": round(time.monotonic() - started, 3),
        "finish_reason": "error" if error else (raw.response_metadata or {}).get("finish_reason") if raw else None,
        "cache_hit": int(cache_hit),
        "retries": len(retries or []),
    }
    if raw is None:
        rec["input_tokens"] = rec["output_tokens"] = rec["cached_input_tokens"] = 0
    rec["cost_usd"] = call_cost(rec, call.ctx.prices_path)
    if retries:
        rec["retry_errors"] = retries
    if error:
        rec["error"] = error
    run_totals = call.ws.record_call(rec)
    _emit({"event": "call", **rec, "run_totals": {k: run_totals[k] for k in (
        "calls", "cache_hits", "input_tokens", "output_tokens", "cost_usd")}})
    return rec


def _short(exc: object, limit: int = 600) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + " ..."
