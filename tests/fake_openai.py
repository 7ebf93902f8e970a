"""An OpenAI-compatible chat server for tests: scripted answers, real usage figures, faults on request.

It speaks ``POST /v1/chat/completions`` over real HTTP on 127.0.0.1, so the project's real client path
(``ChatOpenAI`` -> openai SDK -> httpx) is exercised. Answers come from a script (a function of the
LangChain messages); usage is counted with the project's tokenizer and a prompt-prefix cache is simulated
(a request whose leading messages were sent before reports them as cached). The server keeps its own
counters of what it answered, to check accounting against. Faults: ``429`` (with Retry-After), ``500``,
``hang`` (no answer until the client gives up), ``malformed`` (a 200 whose body is not JSON), ``drop``
(the connection closed without an answer), ``refuse_schema`` (400 for a ``json_schema`` response_format).
"""

from __future__ import annotations

import inspect
import json
import random
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from langchain_core.messages import BaseMessage, convert_to_messages

from papercoder.llm.tokens import count_tokens

FAULTS = ("429", "500", "hang", "malformed", "drop")


class FakeOpenAI:
    """The server; use as a context manager. ``base_url`` is what ChatOpenAI needs."""

    def __init__(self, answer: Callable[[list[BaseMessage]], Any], *,
                 fault: Callable[[int, dict[str, Any]], str | None] | None = None, hang_seconds: float = 3.0,
                 retry_after: float = 0.05):
        self.answer, self.fault, self.hang_seconds, self.retry_after = answer, fault, hang_seconds, retry_after
        self._wants_body = len(inspect.signature(answer).parameters) >= 2
        """An answer function of two parameters also gets the request body (seed, response_format, ...)."""
        self.lock = threading.Lock()
        self.requests = 0
        self.answered = 0
        self.prompt_tokens = 0
        self.cached_tokens = 0
        self.completion_tokens = 0
        self.faults: dict[str, int] = {}
        self.bodies: list[dict[str, Any]] = []
        self.stream_piece, self.stream_delay = 8, 0.0005
        """Characters per streamed chunk, and the seconds between chunks (a client can stop a stream midway)."""
        self.streams_cut: list[int] = []
        """For each streamed answer the client stopped reading: the chunks it had been sent."""
        self._prefixes: set[str] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.handle(self, body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- one request ---------------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        with self.lock:
            n = self.requests
            self.requests += 1
            self.bodies.append(body)
        kind = self.fault(n, body) if self.fault else None
        fmt = (body.get("response_format") or {}).get("type")
        if kind == "refuse_schema" and fmt != "json_schema":
            kind = None
        if kind:
            with self.lock:
                self.faults[kind] = self.faults.get(kind, 0) + 1
            self._fail(h, kind)
            return
        messages = convert_to_messages([(m["role"], m.get("content") or "") for m in body["messages"]])
        answer = self.answer(messages, body) if self._wants_body else self.answer(messages)
        text, finish = answer if isinstance(answer, tuple) else (answer, "stop")
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if limit and count_tokens(text) > limit:
            text, finish = text[: limit * 3], "length"
        prompt = sum(count_tokens(str(m.content)) for m in messages)
        cached = self._cached(body["messages"])
        completion = count_tokens(text)
        with self.lock:
            self.answered += 1
            self.prompt_tokens += prompt
            self.cached_tokens += cached
            self.completion_tokens += completion
        usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                 "prompt_tokens_details": {"cached_tokens": cached}}
        if body.get("stream"):
            self._stream(h, n, body, text, finish, usage)
            return
        self._send(h, 200, {
            "id": f"chatcmpl-{n}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                      "prompt_tokens_details": {"cached_tokens": cached}},
        })

    def _stream(self, h: BaseHTTPRequestHandler, n: int, body: dict[str, Any], text: str, finish: str,
                usage: dict[str, Any]) -> None:
        """The answer as server-sent events, a few characters per chunk, the usage last when asked for.

        A client that closes the connection mid-answer is counted in ``streams_cut`` (and nothing more is sent).
        """
        def event(choices: list[dict[str, Any]], **extra: Any) -> bytes:
            chunk = {"id": f"chatcmpl-{n}", "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": body.get("model", "fake"), "choices": choices, **extra}
            return f"data: {json.dumps(chunk)}\n\n".encode()

        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        pieces = [text[i:i + self.stream_piece] for i in range(0, len(text), self.stream_piece)]
        events = [event([{"index": 0, "delta": {"role": "assistant", "content": p}, "finish_reason": None}])
                  for p in pieces]
        events.append(event([{"index": 0, "delta": {}, "finish_reason": finish}]))
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append(event([], usage=usage))
        events.append(b"data: [DONE]\n\n")
        for sent, raw in enumerate(events):
            try:
                h.wfile.write(raw)
                h.wfile.flush()
            except OSError:
                with self.lock:
                    self.streams_cut.append(sent)
                return
            time.sleep(self.stream_delay)

    def _cached(self, messages: list[dict[str, Any]]) -> int:
        """Tokens of the longest run of leading messages sent before (a provider's prompt cache)."""
        keys = [json.dumps(messages[: i + 1], sort_keys=True) for i in range(len(messages))]
        with self.lock:
            hit = max((i + 1 for i, k in enumerate(keys[:-1]) if k in self._prefixes), default=0)
            self._prefixes.update(keys)
        return sum(count_tokens(str(m.get("content") or "")) for m in messages[:hit])

    def _fail(self, h: BaseHTTPRequestHandler, kind: str) -> None:
        if kind == "429":
            self._send(h, 429, {"error": {"message": "rate limited", "type": "rate_limit"}},
                       {"Retry-After": str(self.retry_after)})
        elif kind == "500":
            self._send(h, 500, {"error": {"message": "internal error", "type": "server_error"}})
        elif kind == "refuse_schema":
            self._send(h, 400, {"error": {"message": "response_format json_schema is not supported",
                                          "type": "invalid_request_error"}})
        elif kind == "malformed":
            raw = b'{"id": "x", "choices": [ {"message": '
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(raw)))
            h.end_headers()
            h.wfile.write(raw)
        elif kind in ("drop", "hang"):
            if kind == "hang":
                time.sleep(self.hang_seconds)
            h.close_connection = True
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        else:
            raise ValueError(kind)

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, payload: dict[str, Any],
              headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(raw)


def random_faults(rate: float, seed: int = 0, kinds: tuple[str, ...] = ("429", "500", "drop", "malformed")
                  ) -> Callable[[int, dict[str, Any]], str | None]:
    """A fault plan failing ``rate`` of requests, mixed kinds, reproducibly."""
    rng = random.Random(seed)
    lock = threading.Lock()

    def plan(_n: int, _body: dict[str, Any]) -> str | None:
        with lock:
            return rng.choice(kinds) if rng.random() < rate else None

    return plan
