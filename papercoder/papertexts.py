"""The paper as the agents read it, kept on disk in the run folder; the graph state holds its paths.

Ingest writes four texts to ``RUN/paper/``: the compacted paper (``paper.md``), its digest (``digest.md``, what
every call after the planner reads in the paper's place), the rest (``rest.md``, what the digest drops, for the
planner), and the whole paper as read (``full.md``: the checklist's quotes are checked against it, and the
checklist writer reads what the budget left out). The state's ``paper_files`` names them, relative to the run
folder, so a checkpoint, and every analyst's and coder's ``Send``, carries a few paths instead of the paper.

A caller may still hand the graph the texts themselves (``paper_md``, and optionally ``paper_digest`` and
``paper_rest``): they are used as they are.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from papercoder.workspace import Workspace

KEYS = {"paper_md": "paper/paper.md", "paper_digest": "paper/digest.md", "paper_rest": "paper/rest.md",
        "paper_full": "paper/full.md"}
"""The texts, and where each is kept in the run folder."""


def save(ws: Workspace, **texts: str) -> dict[str, dict[str, str]]:
    """Write the texts (``paper_md``, ``paper_digest``, ``paper_rest``) to the run folder; the state's reference."""
    files = {}
    for key, text in texts.items():
        path = ws.root / KEYS[key]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        files[key] = KEYS[key]
    return {"paper_files": files}


@functools.lru_cache(maxsize=32)
def _read(path: str, mtime_ns: int) -> str:
    return Path(path).read_text(encoding="utf-8")


def paper_texts(state: Mapping[str, Any]) -> dict[str, str]:
    """The paper, its digest and its rest ("" for what there is not), from the state or the run folder."""
    if state.get("paper_md"):
        return {k: state.get(k) or "" for k in KEYS}
    root = Path(state.get("out_dir") or ".")
    out = {}
    for key in KEYS:
        rel = (state.get("paper_files") or {}).get(key)
        path = root / rel if rel else None
        out[key] = _read(str(path), path.stat().st_mtime_ns) if path is not None and path.is_file() else ""
    return out


def has_paper(state: Mapping[str, Any]) -> bool:
    """Whether the state holds the paper as read (in itself or by reference): ingest has run."""
    return bool(state.get("paper_md") or (state.get("paper_files") or {}).get("paper_md"))
