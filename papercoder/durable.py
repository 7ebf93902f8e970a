"""Durable runs: LangGraph's SQLite checkpointer in the run folder, so a run can be resumed.

The CLI prepares the run folder (run.json with the thread id and the run settings), compiles the graph with
a :class:`~langgraph.checkpoint.sqlite.SqliteSaver` on ``DIR/checkpoints.sqlite`` and streams with
``durability="sync"``: every finished task's writes are on disk before the next step starts, so after a
crash, a kill or a budget stop ``papercoder resume DIR`` continues where the run stood: finished nodes (and
finished parallel branches of an unfinished step) are not run again.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from papercoder.context import RunContext
from papercoder.workspace import CHECKPOINTS, Workspace, WorkspaceError


def prepare(out_dir: Path, ctx: RunContext, paper: str) -> Workspace:
    """A fresh run folder whose run.json holds the thread id and settings a resume needs."""
    run_id = uuid.uuid4().hex
    ws = Workspace(out_dir, run_id).start_fresh()
    ws.update_run(status="starting", paper=paper, thread_id=run_id, context=dataclasses.asdict(ctx))
    return ws


def load(out_dir: Path, **overrides: Any) -> tuple[Workspace, dict[str, Any], RunContext]:
    """The run folder of an earlier run, its record and its settings (with ``overrides`` applied).

    Raises:
        WorkspaceError: When the folder holds no resumable run.
    """
    ws = Workspace(out_dir)
    if not ws.run_json.is_file():
        raise WorkspaceError(f"{ws.root}: no PaperCoder run here (no run.json)")
    run = ws.read_run()
    if not run.get("thread_id") or not (ws.root / CHECKPOINTS).is_file():
        raise WorkspaceError(f"{ws.root}: this run kept no checkpoints (it was not started by `papercoder run`)")
    fields = {f.name for f in dataclasses.fields(RunContext)}
    settings = {k: v for k, v in (run.get("context") or {}).items() if k in fields}
    settings.update({k: v for k, v in overrides.items() if v is not None})
    return Workspace(out_dir, run["run_id"]), run, RunContext(**settings)


@contextmanager
def checkpointer(out_dir: Path) -> Iterator[Any]:
    """LangGraph's SQLite checkpointer on ``DIR/checkpoints.sqlite``."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(str(Path(out_dir) / CHECKPOINTS), check_same_thread=False)
    try:
        yield SqliteSaver(conn)
    finally:
        conn.close()


def config(thread_id: str, concurrency: int) -> dict[str, Any]:
    """The run config of a durable run's thread.

    A synchronous ``stream`` keeps one of the graph's worker slots for its own waiter, so the graph gets one
    slot more than the model calls allowed in flight (those are bounded separately, per endpoint); with
    ``max_concurrency=1`` the waiter would hold the only slot and the run would never start a node.
    """
    return {"configurable": {"thread_id": thread_id}, "max_concurrency": max(1, concurrency) + 1,
            "recursion_limit": 500}


def where(graph: Any, cfg: dict[str, Any]) -> dict[str, Any]:
    """Where a checkpointed run stands: the nodes to run next (inside subgraphs too) and open interrupts."""
    snapshot = graph.get_state(cfg, subgraphs=True)
    pending: list[str] = []
    interrupts: list[Any] = []

    def walk(snap: Any, prefix: str) -> None:
        for task in snap.tasks:
            label = f"{prefix}{task.name}"
            interrupts.extend(i.value for i in task.interrupts)
            if task.state is not None and hasattr(task.state, "tasks"):
                walk(task.state, f"{label}/")
            else:
                pending.append(label)

    walk(snapshot, "")
    return {"next": pending, "interrupts": interrupts, "done": not snapshot.next}
