"""Writing a run's outputs: path confinement, artifacts and ``run.json``.

Layout of a run folder::

    DIR/repo/        the generated repository
    DIR/artifacts/   what the agents produced on the way (paper.md, plan.md, ...)
    DIR/run.json     status, models, one record per model call, totals
    DIR/checkpoints.sqlite   LangGraph checkpoints of a durable (CLI) run, for ``papercoder resume``

Every write happens as soon as its artifact exists, so a run that stops keeps everything done so far.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import platformdirs

_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()
_RUNS: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}
# Per run.json: the calls list last written and its records' encoded lines, so each write encodes new calls only.
_CALL_LINES: dict[str, tuple[list[Any], list[str]]] = {}
"""run.json as last written or read by this process, by path, with the file's (inode, size, mtime): a writer
appends one call record without parsing the whole file again, unless another process has written since."""


class UnsafePathError(ValueError):
    """A path from model output that would land outside its folder."""


class WorkspaceError(ValueError):
    """The output folder cannot be used (it holds something that is not a PaperCoder run)."""


def confine(root: Path, rel: str) -> Path:
    """Resolve ``rel`` inside ``root``, refusing anything that could escape it.

    Args:
        root: The folder every path must stay in.
        rel: A relative path as written by a model.

    Returns:
        The absolute path inside ``root``.

    Raises:
        UnsafePathError: For an empty, absolute, drive-qualified or ``..`` path, or one that resolves
            (through symlinks) outside ``root``.

    """
    text = (rel or "").strip()
    if not text or "\x00" in text:
        raise UnsafePathError(f"empty or invalid path {rel!r}")
    if text.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", text):
        raise UnsafePathError(f"absolute path refused: {rel!r}")
    parts = PurePosixPath(text.replace("\\", "/")).parts
    if any(p == ".." for p in parts):
        raise UnsafePathError(f"path with '..' refused: {rel!r}")
    root_resolved = root.resolve()
    target = (root_resolved.joinpath(*parts)).resolve()
    if target != root_resolved and root_resolved not in target.parents:
        raise UnsafePathError(f"path escapes its folder: {rel!r}")
    return target


def normalize_rel(rel: str) -> str:
    """Canonical form of a repository-relative path (``./a//b.py`` -> ``a/b.py``)."""
    parts = [p for p in PurePosixPath(rel.strip().replace("\\", "/")).parts if p not in (".", "")]
    return "/".join(parts)


def default_out_dir(paper_name: str) -> Path:
    """A fresh run folder under the user's data dir (outside any source tree)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", paper_name).strip("-").lower()[:40] or "paper"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(platformdirs.user_data_dir("papercoder")) / "runs" / f"{slug}-{stamp}"


CHECKPOINTS = "checkpoints.sqlite"
"""LangGraph's SQLite checkpoints of a durable run, in the run folder."""


class Workspace:
    """The output folder of one run. Thread-safe: parallel branches write through it."""

    def __init__(self, out_dir: str | os.PathLike[str], run_id: str | None = None):
        self.run_id = run_id
        self.root = Path(out_dir).expanduser().resolve()
        self.repo = self.root / "repo"
        self.artifacts = self.root / "artifacts"
        self.run_json = self.root / "run.json"
        self.problems: list[dict[str, Any]] = []
        """Problems recorded through this object (one node's), for the node's state update."""
        with _LOCKS_GUARD:
            self._lock = _LOCKS.setdefault(str(self.root), threading.RLock())

    def start_fresh(self) -> Workspace:
        """Prepare the folder for a new run.

        An empty or missing folder is used as is; an earlier PaperCoder run there (it has run.json) is
        replaced, checkpoints included. A folder prepared for this very run (its run.json has this
        ``run_id``: the CLI writes it before the graph starts) keeps its run.json. Any other non-empty folder
        is refused, so a mistyped ``--out`` never deletes user files.

        Raises:
            WorkspaceError: For a non-empty folder that is not a PaperCoder run folder.
        """
        if self.root.exists() and any(self.root.iterdir()):
            if not self.run_json.is_file():
                raise WorkspaceError(f"{self.root}: folder is not empty and holds no PaperCoder run (run.json); "
                                     "choose another --out")
            prepared = self.run_id is not None and self._run_id_on_disk() == self.run_id
            for sub in (self.repo, self.artifacts):
                shutil.rmtree(sub, ignore_errors=True)
            if not prepared:  # an earlier run: its record and checkpoints go too
                self.run_json.unlink()
                for extra in self.root.glob(f"{CHECKPOINTS}*"):
                    extra.unlink()
        self.run_id = self.run_id or uuid.uuid4().hex
        self.ensure()
        self.update_run(run_id=self.run_id)
        return self

    def _run_id_on_disk(self) -> str | None:
        try:
            return json.loads(self.run_json.read_text(encoding="utf-8")).get("run_id")
        except (OSError, ValueError):
            return None

    def ensure(self) -> Workspace:
        """Create the folders."""
        self.repo.mkdir(parents=True, exist_ok=True)
        self.artifacts.mkdir(parents=True, exist_ok=True)
        return self

    # -- files -------------------------------------------------------------------------------------
    def write_artifact(self, rel: str, content: str | dict[str, Any] | list[Any]) -> Path:
        """Write ``artifacts/rel`` (JSON for dicts and lists)."""
        path = confine(self.artifacts, rel)
        text = content if isinstance(content, str) else json.dumps(content, indent=2, ensure_ascii=False)
        _atomic_write(path, text)
        return path

    def read_repo_file(self, rel: str) -> str:
        """The text of a repository file ("" when it is not there)."""
        path = confine(self.repo, rel)
        return path.read_text(encoding="utf-8") if path.is_file() else ""

    def write_repo_file(self, rel: str, content: str, *, executable: bool = False) -> Path:
        """Write a repository file; ``rel`` comes from model output and is confined to ``repo/``."""
        path = confine(self.repo, rel)
        _atomic_write(path, content if content.endswith("\n") else content + "\n")
        if executable:
            path.chmod(0o755)
        return path

    # -- run.json ----------------------------------------------------------------------------------
    def read_run(self) -> dict[str, Any]:
        """The current run record (empty when none was written yet).

        Raises:
            WorkspaceError: When another run has since taken over the folder (this writer is stale).
        """
        with self._lock:
            return json.loads(json.dumps(self._load_run()))

    def _load_run(self) -> dict[str, Any]:
        """run.json as a dict owned by this process's cache: callers hold the lock and write it back."""
        key = str(self.run_json)
        try:
            st = self.run_json.stat()
        except FileNotFoundError:
            _RUNS.pop(key, None)
            return {}
        sig = (st.st_ino, st.st_size, st.st_mtime_ns)
        cached = _RUNS.get(key)
        if cached is not None and cached[0] == sig:
            run = cached[1]
        else:
            run = json.loads(self.run_json.read_text(encoding="utf-8"))
            if run.get("calls"):  # recounted once per read from disk; then each recorded call is added
                run["totals"] = totals(run["calls"])
            _RUNS[key] = (sig, run)
        if self.run_id and run.get("run_id") not in (None, self.run_id):
            raise WorkspaceError(f"{self.root}: another run ({run['run_id']}) has taken over this folder; "
                                 f"this run ({self.run_id}) stops writing")
        return run

    def _write_run(self, run: dict[str, Any]) -> None:
        key = str(self.run_json)
        calls = run.get("calls")
        lines: list[str] | None = None
        if isinstance(calls, list):
            cached = _CALL_LINES.get(key)
            lines = cached[1] if cached is not None and cached[0] is calls and len(cached[1]) <= len(calls) else []
            lines.extend(_encode(c) for c in calls[len(lines):])
            _CALL_LINES[key] = (calls, lines)
        _atomic_write(self.run_json, dump_run(run, call_lines=lines))
        st = self.run_json.stat()
        _RUNS[str(self.run_json)] = ((st.st_ino, st.st_size, st.st_mtime_ns), run)

    def update_run(self, **fields: Any) -> dict[str, Any]:
        """Merge ``fields`` into run.json and recompute the totals."""
        with self._lock:
            run = self._load_run()
            run.update(fields)
            run["totals"] = totals(run.get("calls", []))
            run["updated_at"] = _now()
            self._write_run(run)
            return json.loads(json.dumps(run))

    def append_run(self, key: str, record: dict[str, Any]) -> None:
        """Append ``record`` to run.json's list ``key`` (parallel branches may append at once)."""
        with self._lock:
            run = self._load_run()
            run.setdefault(key, []).append(record)
            self._write_run(run)

    def record_call(self, record: dict[str, Any]) -> dict[str, Any]:
        """Append one model call's record to run.json; returns the run's new totals."""
        with self._lock:
            run = self._load_run()
            run.setdefault("calls", []).append(record)
            models = set(run.get("models", []))
            models.add(record.get("model", ""))
            run["models"] = sorted(m for m in models if m)
            if isinstance(run.get("totals"), dict) and len(run["calls"]) > 1:
                add_call(run["totals"], record)  # the totals match the calls before it (see _load_run)
            else:
                run["totals"] = totals(run["calls"])
            run["updated_at"] = _now()
            self._write_run(run)
            return json.loads(json.dumps(run["totals"]))

    def read_totals(self) -> dict[str, Any]:
        """A copy of the run's totals (cheaper than :meth:`read_run`, which copies every call record)."""
        with self._lock:
            return json.loads(json.dumps(self._load_run().get("totals", {})))

    def record_error(self, error: dict[str, Any]) -> None:
        """Append a recorded (non-fatal) problem to run.json (use :func:`papercoder.problems.record`)."""
        if error not in self.problems:
            self.problems.append(error)
        with self._lock:
            run = self._load_run()
            errors = run.setdefault("errors", [])
            if error not in errors:
                errors.append(error)
            self._write_run(run)


def text_hash(text: str) -> str:
    """The sha256 of ``text`` (what the state keeps of a repository file, whose text is on disk)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dump_run(run: dict[str, Any], *, call_lines: list[str] | None = None) -> str:
    """run.json's text: one top-level key per line and one call record per line.

    Readable, and written by json's C encoder (``indent`` would switch to the pure-Python one, which made
    rewriting run.json after every call the largest cost of a run with an instant model).

    Args:
        run: The run record.
        call_lines: The call records already encoded, one string per record (the writer keeps them between
            writes, so a run of N calls encodes N records, not N squared).
    """
    lines = []
    for key, value in run.items():
        if key == "calls" and isinstance(value, list) and value:
            body = ",\n    ".join(call_lines if call_lines is not None else map(_encode, value))
            lines.append(f'  {_encode(key)}: [\n    {body}\n  ]')
        else:
            lines.append(f"  {_encode(key)}: {_encode(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def totals(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over call records: overall, per node, per stage and per model.

    Tokens, time and cost count the calls the model answered; answers served from the response cache are
    counted apart (``cache_hits``) and cost nothing. ``cost_usd`` is None when a model had no price.
    """
    out: dict[str, Any] = {**_bucket(), "by_node": {}, "by_stage": {}, "by_model": {}}
    for c in calls:
        add_call(out, c)
    return out


def _bucket() -> dict[str, Any]:
    return {"calls": 0, "input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "seconds": 0.0,
            "cost_usd": 0.0, "cache_hits": 0, "retries": 0}


def add_call(out: dict[str, Any], c: dict[str, Any]) -> None:
    """Add one call record to totals made by :func:`totals` (in place)."""
    groups = [out, out.setdefault("by_node", {}).setdefault(c.get("node", "?"), _bucket()),
              out.setdefault("by_stage", {}).setdefault(c.get("stage", "?"), _bucket()),
              out.setdefault("by_model", {}).setdefault(c.get("model", "?"), _bucket())]
    for b in groups:
        b["retries"] += int(c.get("retries", 0))
        if c.get("cache_hit"):
            b["cache_hits"] += 1
            continue
        b["calls"] += 1
        for k in ("input_tokens", "cached_input_tokens", "output_tokens"):
            b[k] += int(c.get(k, 0))
        b["seconds"] = round(b["seconds"] + float(c.get("seconds", 0.0)), 3)
        cost = c.get("cost_usd", 0.0)
        b["cost_usd"] = None if cost is None or b["cost_usd"] is None else b["cost_usd"] + cost
    return out


def run_files(out_dir: Path, *, mask: str = "") -> dict[str, str]:
    """The text of every file a run wrote, keyed by relative path, for comparing two runs.

    Left out: what differs between equal runs (``run.json`` with its timings, the checkpoint database) and
    rejected answers kept for inspection. ``mask`` (a server address, say) is replaced by ``<server>``.
    """
    out = {}
    for p in sorted(out_dir.rglob("*")):
        if p.is_file() and p.name != "run.json" and not p.name.startswith("checkpoints.sqlite") \
                and "rejected" not in p.relative_to(out_dir).parts:
            text = p.read_text(errors="replace")
            out[str(p.relative_to(out_dir))] = text.replace(mask, "<server>") if mask else text
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.{time.monotonic_ns()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
