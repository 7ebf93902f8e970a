"""The repository's text as it was before a repair round, kept on disk so a round that makes things worse is undone.

The graph state holds only the snapshot's path (relative to the run folder), never the repository's text.
"""

from __future__ import annotations

import json
from pathlib import Path

SNAPSHOT_LIMIT = 5_000_000
"""Most bytes of repository text kept to undo a repair round (larger repositories are not snapshotted)."""


def _text_files(repo: Path) -> dict[str, str] | None:
    """Every text file of the repository (None when they are more than the limit)."""
    out: dict[str, str] = {}
    size = 0
    for p in sorted(repo.rglob("*")):
        if p.is_file() and not p.is_symlink():
            try:
                text = p.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            size += len(text)
            if size > SNAPSHOT_LIMIT:
                return None
            out[str(p.relative_to(repo))] = text
    return out


def take(repo: Path, run_dir: Path, name: str) -> str | None:
    """Write the snapshot of ``repo`` to ``RUN/snapshots/<name>.json``; its path relative to ``run_dir``."""
    files = _text_files(repo)
    if files is None:
        return None
    rel = f"snapshots/{name}.json"
    path = run_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(files, ensure_ascii=False), encoding="utf-8")
    return rel


def load(run_dir: Path, rel: str | None) -> dict[str, str] | None:
    """The snapshot at ``rel`` (None when there is none, or it is gone)."""
    if not rel:
        return None
    try:
        return json.loads((run_dir / rel).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def discard(run_dir: Path, rel: str | None) -> None:
    """Delete a snapshot that is no longer needed (and its folder, once empty)."""
    if not rel:
        return
    path = run_dir / rel
    path.unlink(missing_ok=True)
    if path.parent.is_dir() and not any(path.parent.iterdir()):
        path.parent.rmdir()


def restore(repo: Path, snapshot: dict[str, str]) -> None:
    """Put the repository's text files back as in ``snapshot``; text files made since go."""
    for p in sorted(repo.rglob("*"), reverse=True):
        rel = str(p.relative_to(repo))
        if p.is_file() and rel not in snapshot:
            try:
                p.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # not text: it was not snapshotted either
            p.unlink()
    for rel, text in snapshot.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
