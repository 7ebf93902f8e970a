"""A log of the model requests of a run, one JSON line each, for replaying them later.

A run's model calls are its real workload: replaying them (the same messages, settings and order, so the
server's prompt cache behaves as it did) measures a server setting on what a run asks, not on a made-up
prompt. ``benchmarks/speculative.py`` does that for llama.cpp's speculative decoding. Written only when
``request_log`` names a file; lines are appended under a lock, so parallel calls do not interleave.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, convert_to_openai_messages

_LOCK = threading.Lock()


def log_request(path: str, record: dict[str, Any], request: Sequence[BaseMessage], settings: dict[str, Any],
                answer: AIMessage | None) -> None:
    """Append one request, the call's record (node, file, attempt, tokens, seconds) and its answer to ``path``."""
    if not path:
        return
    text = "" if answer is None else answer.content if isinstance(answer.content, str) else str(answer.content)
    line = {"node": record.get("node"), "file": record.get("file"), "attempt": record.get("attempt"),
            "cache_hit": record.get("cache_hit"), "seconds": record.get("seconds"),
            "input_tokens": record.get("input_tokens"), "output_tokens": record.get("output_tokens"),
            "finish_reason": record.get("finish_reason"), "settings": settings,
            "messages": convert_to_openai_messages(list(request)), "answer": text}
    target = Path(path).expanduser()
    with _LOCK:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, default=str) + "\n")


def read_requests(path: str | Path) -> list[dict[str, Any]]:
    """The requests logged in ``path``, in order.

    Raises:
        ValueError: When a line is not a logged request (the message names the file and line).

    """
    out = []
    for n, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from exc
        if not isinstance(line, dict) or not isinstance(line.get("messages"), list):
            raise ValueError(f"{path}:{n}: not a logged request (no messages)")
        out.append(line)
    return out
