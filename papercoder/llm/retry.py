"""Retries of model calls after transient failures: exponential backoff with jitter, Retry-After honoured.

The OpenAI client's own retries are switched off (``max_retries=0``) so that every retry is counted and its
cause recorded in run.json, and so that the bound and the waits are the run's settings.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import TypeVar

import httpx
import openai

T = TypeVar("T")
BASE_SECONDS = 1.0
"""First backoff; doubled on every retry."""
CAP_SECONDS = 60.0
"""Longest wait between two tries (a longer Retry-After is cut to this)."""
_TRANSIENT_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


def is_transient(exc: BaseException) -> bool:
    """Whether a failed call may succeed if tried again.

    Connection errors, timeouts, 408/409/425/429, 5xx and malformed (non-JSON) responses are transient;
    other 4xx (bad request, auth, unknown model) are not.
    """
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _TRANSIENT_STATUS or exc.status_code >= 500
    if isinstance(exc, openai.APIConnectionError | openai.APIResponseValidationError):
        return True
    return isinstance(exc, json.JSONDecodeError | httpx.TransportError)


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (``Retry-After`` / ``retry-after-ms``), if it did."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
    return None


def backoff(retry: int, exc: BaseException | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (1-based): full-jitter exponential, at least Retry-After."""
    wait = random.uniform(0.5, 1.0) * min(CAP_SECONDS, BASE_SECONDS * 2 ** (retry - 1))
    asked = retry_after(exc) if exc is not None else None
    return min(CAP_SECONDS, max(wait, asked)) if asked is not None else wait


def call_with_retries(fn: Callable[[], T], *, retries: int,
                      on_retry: Callable[[int, BaseException, float], None] | None = None,
                      sleep: Callable[[float], None] = time.sleep) -> T:
    """``fn()``, tried again up to ``retries`` times after a transient failure.

    Args:
        fn: The call.
        retries: Most retries after the first try.
        on_retry: Told (retry number, error, seconds to wait) before each retry.
        sleep: How to wait (tests pass a recorder).

    Raises:
        The last error, when it is not transient or the retries are spent.

    """
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            if attempt >= retries or not is_transient(exc):
                raise
            attempt += 1
            wait = backoff(attempt, exc)
            if on_retry is not None:
                on_retry(attempt, exc, wait)
            sleep(wait)
