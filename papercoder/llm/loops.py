"""Degenerate loops in an answer as it streams in, so a code answer stuck in one is stopped, not paid for.

At temperature 0 the embedded 1.5B model sometimes falls into a loop in code, where llama.cpp's DRY sampler is
off (it also bends legitimately repeated code). Seen on the Transformer: ``attention.py`` came back as
``from transformers import get_linear_schedule_with_warmup`` about 180 times, ``encoder.py`` as ever longer
made-up class names (``BertForSequenceClassificationWithLMHeadFor...``), each running to the 2,000-token limit:
290 s apiece for nothing. A loop is recognised within a few lines; the answer is then cut there and handled as
an answer cut at the token limit (re-asked without echoing the loop back).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk

REPEATS = 8
"""Identical lines (of at least :data:`MIN_LINE` characters) among the last ``REPEATS + 4`` that make a loop."""
MIN_LINE = 10
GROWING = 6
"""Consecutive long lines that share a prefix of :data:`MIN_PREFIX` characters (ever longer names)."""
MIN_PREFIX = 60
CHECK_EVERY = 16
"""Chunks between two looks at the answer so far."""


def loop_in(text: str) -> str | None:
    """A one-line description of the loop the end of ``text`` is caught in, or None.

    Two shapes: one line again and again (:data:`REPEATS` of the last ``REPEATS + 4`` lines), or lines that
    each begin with the same long prefix (:data:`GROWING` in a row sharing :data:`MIN_PREFIX` characters, as
    ever-longer made-up names do). Ordinary code has neither: a line repeated eight times in twelve, or six
    lines in a row alike over their first sixty characters.
    """
    lines = [ln.strip() for ln in text.splitlines()[:-1] if ln.strip()]  # the last line may be unfinished
    tail = lines[-(REPEATS + 4):]
    for line in set(tail):
        if len(line) >= MIN_LINE and tail.count(line) >= REPEATS:
            return f"the line {line[:80]!r} repeated {tail.count(line)} times in {len(tail)} lines"
    run = lines[-GROWING:]
    if len(run) == GROWING and all(len(ln) >= MIN_PREFIX for ln in run):
        prefix = os.path.commonprefix(run)
        if len(prefix) >= MIN_PREFIX:
            return f"{GROWING} lines in a row beginning {prefix[:80]!r}"
    return None


def stream_watched(chunks: Iterable[Any]) -> AIMessage:
    """The answer a stream of message chunks makes, stopped at the first loop (:func:`loop_in`).

    A stopped answer has ``finish_reason`` ``"length"`` (it is cut) and ``loop`` (what was seen) in its
    ``response_metadata``; closing the stream closes the connection, so the server stops generating. A model
    that does not stream gives one whole message, returned as it is.
    """
    it: Iterator[Any] = iter(chunks)
    acc: AIMessageChunk | None = None
    loop = None
    try:
        for n, chunk in enumerate(it, 1):
            if not isinstance(chunk, AIMessageChunk):
                return chunk if isinstance(chunk, AIMessage) else AIMessage(content=str(chunk))
            acc = chunk if acc is None else acc + chunk
            if n % CHECK_EVERY == 0 and isinstance(acc.content, str) and (loop := loop_in(acc.content)):
                break
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()
    if acc is None:
        return AIMessage(content="")
    meta = dict(acc.response_metadata or {})
    if loop:
        meta.update(finish_reason="length", loop=loop)
    return AIMessage(content=acc.content, response_metadata=meta, usage_metadata=None if loop else acc.usage_metadata,
                     id=acc.id)
