"""Driving the checkpointed paper-to-code graph at the terminal: progress, review pauses, failures, summary."""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from papercoder.cli.common import console
from papercoder.cli.progress import Progress
from papercoder.cli.review import review_at_terminal
from papercoder.context import RunContext


def drive(graph_input: Any, ctx: RunContext, out_dir: Path, thread_id: str) -> None:
    """Stream the checkpointed graph (a new run, ``None`` to resume, or a ``Command``), rendering progress.

    A pause for review is answered at the terminal when there is one; otherwise the run waits (exit 0)
    for ``papercoder review DIR``. Exits non-zero on failure, with everything done kept.
    """
    from papercoder import durable
    from papercoder.llm import StageError
    from papercoder.llm.budget import BudgetExceeded
    from papercoder.llm.cost import PriceTableError
    from papercoder.llm.embedded import EmbeddedModelError
    from papercoder.llm.models import ModelSpecError
    from papercoder.paper import PaperReadError
    from papercoder.review import ReviewError
    from papercoder.workspace import WorkspaceError

    progress = Progress()
    resume_hint = f"resume with: papercoder resume {out_dir}"
    cfg = durable.config(thread_id, ctx.concurrency)
    try:
        final = _stream(graph_input, ctx, out_dir, cfg, progress)
    except BudgetExceeded as exc:
        console.print(f"[yellow]stopped[/yellow] (stage {exc.stage}): {exc.problem}")
        console.print(f"Everything produced so far is in {out_dir}; {resume_hint} --max-cost/--max-tokens ...")
        raise typer.Exit(3) from None
    except (StageError, PaperReadError, ModelSpecError, WorkspaceError, EmbeddedModelError, PriceTableError,
            ReviewError) as exc:
        stage = getattr(exc, "stage", None) or ("ingest" if isinstance(exc, PaperReadError | WorkspaceError)
                                                 else "model" if isinstance(exc, EmbeddedModelError)
                                                 else "review" if isinstance(exc, ReviewError) else "run")
        _failed(out_dir, stage, str(exc))
        console.print(f"[red]error[/red] (stage {stage}): {exc}")
        console.print(f"Everything produced so far is in {out_dir}; {resume_hint}")
        raise typer.Exit(1) from None
    except Exception as exc:  # noqa: BLE001 - anything else: still a clear line, not a traceback
        _failed(out_dir, "run", repr(exc))
        console.print(f"[red]error[/red] (stage run): unexpected {type(exc).__name__}: {exc}")
        console.print(f"Everything produced so far is in {out_dir}; please report this with run.json")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        leave_interrupted(out_dir, resume_hint)
    if final is None:  # waiting for review
        return
    summary = final.get("summary", {})
    if str(summary.get("status", "")).startswith("stopped_after"):
        console.print(f"{summary['status'].replace('_', ' ')}: the artifacts are in {out_dir / 'artifacts'}")
        return
    print_summary(summary, out_dir, time.monotonic() - progress.started)


def _stream(graph_input: Any, ctx: RunContext, out_dir: Path, cfg: dict[str, Any],
            progress: Progress) -> dict[str, Any] | None:
    """Run the graph to its end (answering review pauses); its final values, or None when it waits for review."""
    from langgraph.types import Command

    from papercoder import durable
    from papercoder.graphs.paper2code import build_graph

    final: dict[str, Any] = {}
    with durable.checkpointer(out_dir) as saver:
        graph = build_graph().compile(name="papercoder", checkpointer=saver)
        while True:
            stream = graph.stream(graph_input, context=ctx, config=cfg, durability="sync",
                                  stream_mode=["updates", "custom", "values"], subgraphs=True)
            for _ns, mode, chunk in in_background(stream):
                if mode == "custom" and isinstance(chunk, dict):
                    progress.event(chunk)
                elif mode == "updates" and isinstance(chunk, dict):
                    progress.update(chunk)
                elif mode == "values" and not _ns and isinstance(chunk, dict):
                    final = chunk
            waiting = durable.where(graph, cfg)["interrupts"]
            if not waiting:
                return final
            answer = review_at_terminal(waiting[0], out_dir)
            if answer is None:
                return None
            graph_input = Command(resume=answer)


def _failed(out_dir: Path, stage: str, message: str) -> None:
    """Record a failure in run.json, when the run got as far as writing one."""
    from papercoder.workspace import Workspace

    if (out_dir / "run.json").exists():
        Workspace(out_dir).update_run(status="failed", error={"stage": stage, "message": message})


def leave_interrupted(out_dir: Path, resume_hint: str) -> NoReturn:
    """Ctrl-C or SIGTERM: record it and leave at once (exit 130)."""
    from papercoder.workspace import Workspace

    if (out_dir / "run.json").exists():
        Workspace(out_dir).update_run(status="interrupted")
    console.print(f"[yellow]interrupted[/yellow]; outputs so far are kept; {resume_hint}")
    # Calls in flight would keep this process (and the embedded model) busy until they end and then
    # write into the run folder: leave now. Every finished step is checkpointed. The embedded server is
    # not stopped first: its shutdown waits for the generation in flight (seen: minutes on a prefill).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)


def in_background(stream: Iterator[Any]) -> Iterator[Any]:
    """Drive ``stream`` in a worker thread and yield its items here.

    The main thread then only waits on a queue with a timeout, so Ctrl-C and SIGTERM are handled at once
    even while a model call blocks (signals may reach llama.cpp's threads rather than a blocked reader).
    """
    items: queue.Queue[tuple[str, Any]] = queue.Queue()

    def pump() -> None:
        try:
            for item in stream:
                items.put(("item", item))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread as is
            items.put(("error", exc))
        else:
            items.put(("done", None))

    threading.Thread(target=pump, name="papercoder-graph", daemon=True).start()
    while True:
        try:
            kind, value = items.get(timeout=0.25)
        except queue.Empty:
            continue
        if kind == "error":
            raise value
        if kind == "done":
            return
        yield value


def print_summary(summary: dict[str, Any], out_dir: Path, seconds: float) -> None:
    """The finished run as a table on stdout."""
    table = Table(title="PaperCoder run", show_header=False)
    for key in ("title", "files", "python_files", "python_files_compiling", "lines", "generations", "calls",
                "cache_hits", "retries", "input_tokens", "cached_input_tokens", "output_tokens", "problems"):
        table.add_row(key.replace("_", " "), str(summary.get(key, "")))
    cost = summary.get("cost_usd")
    table.add_row("cost", "unknown (a model has no price: see --prices)" if cost is None else f"${cost:.4f}")
    ex = summary.get("executability")
    if ex:
        def figures(r: dict[str, Any]) -> str:
            return (f"{r['compiling']}/{r['python_files']} compile, {r.get('modules_importing')}/{r.get('modules')} "
                    f"import, smoke {r.get('smoke')}, {r['blocking']} blocking findings")

        table.add_row("verified (before repair)", figures(ex["before"]))
        table.add_row(f"after {ex['repair_rounds_used']} repair rounds", figures(ex["after"]))
    table.add_row("wall time", f"{seconds:.0f} s")
    table.add_row("repository", str(out_dir / "repo"))
    Console().print(table)
