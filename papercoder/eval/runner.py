"""Running an evaluation durably: the graph with a SQLite checkpointer in the eval folder.

An evaluation folder holds ``run.json`` (the calls, the thread id, the inputs), ``checkpoints.sqlite``,
``artifacts/`` (the judges' view, each sample and grade as it finishes) and, at the end, ``eval.json``. Asked
again with the same inputs, an unfinished evaluation continues where it stopped (finished samples and leaves
are not asked again); a finished one is returned as it is unless ``fresh``.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from papercoder import durable
from papercoder.context import RunContext
from papercoder.workspace import CHECKPOINTS, Workspace, WorkspaceError

INPUT_KEYS = ("repo", "paper", "reference", "rubric", "judge")


def _same_inputs(run: dict[str, Any], inputs: dict[str, Any]) -> bool:
    return all(run.get("inputs", {}).get(k) == inputs.get(k) for k in INPUT_KEYS)


def _clear(out: Path) -> None:
    """Empty an earlier evaluation's folder; refuse a folder that holds anything else."""
    if not out.exists() or not any(out.iterdir()):
        return
    run = out / "run.json"
    try:
        is_eval = json.loads(run.read_text(encoding="utf-8")).get("kind") == "evaluation"
    except (OSError, ValueError):
        is_eval = False
    if not is_eval:
        raise WorkspaceError(f"{out}: folder is not empty and holds no PaperCoder evaluation; choose another --out")
    for p in out.iterdir():
        shutil.rmtree(p) if p.is_dir() else p.unlink()


def evaluate(inputs: dict[str, Any], ctx: RunContext, out: Path, *, fresh: bool = False,
             on_event: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Evaluate ``inputs`` (see :class:`~papercoder.eval.state.EvalInput`) into ``out``; returns eval.json's content.

    Raises:
        StageError: When a judge's endpoint fails for good (what was graded is kept; run it again to go on).
        EvalInputError, RubricError, PaperReadError, WorkspaceError: For unusable inputs or folders.
    """
    from papercoder.graphs.evaluation import build_evaluation

    out = out.expanduser().resolve()
    inputs = {k: v for k, v in {**inputs, "out_dir": str(out)}.items() if v not in (None, "")}
    run = Workspace(out).read_run() if (out / "run.json").is_file() else {}
    resumable = (not fresh and run.get("kind") == "evaluation" and run.get("thread_id")
                 and (out / CHECKPOINTS).is_file() and _same_inputs(run, inputs))
    if resumable and run.get("status") == "completed" and (out / "eval.json").is_file():
        return json.loads((out / "eval.json").read_text(encoding="utf-8"))
    if not resumable:
        _clear(out)
        out.mkdir(parents=True, exist_ok=True)
        run = {"thread_id": uuid.uuid4().hex}
        Workspace(out).update_run(kind="evaluation", status="starting", thread_id=run["thread_id"], inputs=inputs,
                                  context=dataclasses.asdict(ctx))
    cfg = durable.config(run["thread_id"], ctx.effective_concurrency())
    with durable.checkpointer(out) as saver:
        graph = build_evaluation().compile(name="evaluation", checkpointer=saver)
        started = graph.get_state(cfg).values if resumable else None
        for event in graph.stream(None if started else inputs, context=ctx, config=cfg, durability="sync",
                                  stream_mode="custom"):
            if on_event is not None and isinstance(event, dict):
                on_event(event)
        final = graph.get_state(cfg).values
    return final["result"]
