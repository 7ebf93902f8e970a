"""A persistent response cache: an identical request is answered from disk, not from the model.

Storage is LangGraph's own SQLite cache (``langgraph.cache.sqlite.SqliteCache``, from
langgraph-checkpoint-sqlite, which durable runs use too). The key is ours: the model spec
(not the embedded server's port, which changes between runs), the sampling settings, the JSON schema and
the messages. So a re-run of the same paper with the same settings makes no model call at all, and a run
that stopped half-way (crash, budget, Ctrl-C) repays only the calls it had not finished.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import platformdirs
from langchain_core.load import dumps
from langchain_core.messages import AIMessage, BaseMessage

_CACHES: dict[str, Any] = {}
_GUARD = threading.Lock()
KEY_VERSION = 1


def default_path() -> Path:
    """``<user cache dir>/papercoder/responses.sqlite``."""
    return Path(platformdirs.user_cache_dir("papercoder")) / "responses.sqlite"


class ResponseCache:
    """Model answers by request, in one SQLite file (safe to share between threads and runs)."""

    NAMESPACE = ("papercoder", "responses")

    def __init__(self, path: str | Path = ""):
        from langgraph.cache.sqlite import SqliteCache

        self.path = Path(path).expanduser() if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._store: Any = SqliteCache(path=str(self.path))

    @classmethod
    def shared(cls, path: str | Path = "") -> ResponseCache:
        """One cache object per file in this process."""
        key = str(Path(path).expanduser() if path else default_path())
        with _GUARD:
            if key not in _CACHES:
                _CACHES[key] = cls(key)
            return _CACHES[key]

    @staticmethod
    def key(messages: Sequence[BaseMessage], settings: dict[str, Any]) -> str:
        """The key of a request: a hash of its messages and settings."""
        prompt = dumps([m.model_copy(update={"id": None}) for m in messages])
        llm = json.dumps({"v": KEY_VERSION, **settings}, sort_keys=True, default=str)
        return hashlib.sha256(f"{llm}\n{prompt}".encode()).hexdigest()

    def lookup(self, key: str) -> AIMessage | None:
        """The stored answer of a request, or None."""
        found = self._store.get([(self.NAMESPACE, key)]).get((self.NAMESPACE, key))
        return found if isinstance(found, AIMessage) else None

    def update(self, key: str, answer: AIMessage) -> None:
        """Store the answer of a request (kept until the cache file is deleted)."""
        self._store.set({(self.NAMESPACE, key): (answer, None)})
