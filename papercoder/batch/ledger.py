"""``DIR/batch.json``: what a batch is and where each of its papers stands, rewritten atomically."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from papercoder.batch.papers import BatchPaper

LEDGER = "batch.json"


class BatchLedger:
    """The batch's record, shared by the threads that run its papers.

    Each paper has ``status`` (``pending``, ``running``, ``completed``, ``failed``), the wall ``seconds`` its
    attempts took, ``attempts``, the last ``error``, the LangGraph ``thread_id`` when run on a server, and
    the same for its evaluation (``eval_status``, ``eval_seconds``, ``eval_error``).
    """

    def __init__(self, out: Path, papers: list[BatchPaper], settings: dict[str, Any]):
        self.path = out / LEDGER
        self._lock = threading.Lock()
        old = self._read()
        entries = old.get("papers", {})
        self.data: dict[str, Any] = {
            "kind": "batch", "settings": settings, "notes": old.get("notes", []),
            "papers": {p.id: {"status": "pending", "seconds": 0.0, "attempts": 0, **entries.get(p.id, {}),
                              "path": p.path, "title": p.title, "rubric": p.rubric, "reference": p.reference}
                       for p in papers},
        }
        self._write()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) and data.get("kind") == "batch" else {}
        except (OSError, ValueError):
            return {}

    def _write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=2), encoding="utf-8")
        os.replace(tmp, self.path)

    def get(self, paper_id: str) -> dict[str, Any]:
        """A copy of one paper's entry."""
        with self._lock:
            return dict(self.data["papers"][paper_id])

    def update(self, paper_id: str, **fields: Any) -> None:
        """Set fields of one paper's entry and write the ledger."""
        with self._lock:
            self.data["papers"][paper_id].update(fields)
            self._write()

    def add_seconds(self, paper_id: str, key: str, seconds: float) -> None:
        """Add an attempt's wall time to ``key`` (``seconds`` or ``eval_seconds``)."""
        with self._lock:
            entry = self.data["papers"][paper_id]
            entry[key] = round(float(entry.get(key, 0.0)) + seconds, 1)
            self._write()

    def set_notes(self, notes: list[str]) -> None:
        """Notes on the list (entries skipped, settings adjusted)."""
        with self._lock:
            self.data["notes"] = notes
            self._write()
