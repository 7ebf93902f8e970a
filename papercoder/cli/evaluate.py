"""``papercoder eval``: judge a repository and grade a rubric, durably; print a table, write eval.json.

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
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from papercoder import durable
from papercoder.cli.common import console, input_error
from papercoder.cli.drive import in_background, leave_interrupted
from papercoder.context import RunContext
from papercoder.workspace import CHECKPOINTS, Workspace, WorkspaceError

INPUT_KEYS = ("repo", "paper", "reference", "rubric", "judge")


def eval_cmd(
    repo: Annotated[Path, typer.Argument(help="The repository to evaluate (a run's repo/ or any folder).")],
    paper: Annotated[str, typer.Option(help="The paper it implements (PDF, LaTeX, Markdown, ...).")],
    reference: Annotated[Path | None, typer.Option(help="The authors' repository: reference-based judging.")]
    = None,
    rubric: Annotated[Path | None, typer.Option(help="A PaperBench rubric.json: grade its Code-Development leaves.")]
    = None,
    judge: Annotated[str, typer.Option(help="Judge model: 'local', 'openai:NAME', or NAME with --base-url.")]
    = "local",
    base_url: Annotated[str, typer.Option(help="OpenAI-compatible endpoint URL of the judge.")] = "",
    samples: Annotated[int, typer.Option(min=0, help="Judge verdicts to average (0: no 1-5 score).")] = 8,
    window: Annotated[int, typer.Option(min=0, help="Tokens of paper + code the judge reads (0: per model).")] = 0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Evaluation folder (default: RUN/eval).")] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Most judge calls at once (the embedded model: 1).")] = 4,
    timeout: Annotated[float, typer.Option(help="Seconds per model call (0: per-model default).")] = 0.0,
    retries: Annotated[int, typer.Option(min=0, help="Retries after a transient model error.")] = 6,
    cache: Annotated[bool, typer.Option(help="Answer identical requests from the response cache.")] = True,
    fresh: Annotated[bool, typer.Option(help="Start over instead of continuing an unfinished evaluation.")] = False,
) -> None:
    """Judge a repository against its paper (1-5, N samples) and grade a PaperBench rubric; write eval.json."""
    from papercoder.eval.nodes import EvalInputError, default_eval_dir
    from papercoder.eval.rubric import RubricError
    from papercoder.llm import StageError
    from papercoder.llm.embedded import EmbeddedModelError
    from papercoder.llm.models import ModelSpecError
    from papercoder.paper import PaperReadError

    if samples == 0 and rubric is None:
        input_error("nothing to do: give --samples N > 0 or --rubric FILE")
    out_dir = (out or default_eval_dir(repo)).resolve()
    ctx = RunContext(model=judge, base_url=base_url, judge_samples=samples, judge_window=window,
                     concurrency=concurrency, request_timeout=timeout, max_retries=retries, cache=cache,
                     verify=False)
    inputs = {"repo": str(repo.resolve()), "paper": paper, "reference": str(reference.resolve()) if reference else None,
              "rubric": str(rubric.resolve()) if rubric else None, "judge": samples > 0}
    try:
        result = evaluate(inputs, ctx, out_dir, fresh=fresh, on_event=_progress, background=True)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (papercoder.cli.main): finished leaves and samples are kept
        leave_interrupted(out_dir, "run the same command again to continue")
    except (EvalInputError, RubricError, PaperReadError, WorkspaceError) as exc:
        input_error(exc)
    except (StageError, ModelSpecError, EmbeddedModelError) as exc:
        console.print(f"[red]error[/red] (stage {getattr(exc, 'stage', 'judge')}): {exc}")
        console.print(f"What was graded is kept in {out_dir}; run the same command again to continue")
        raise typer.Exit(1) from None
    print_result(result, out_dir)


def evaluate(inputs: dict[str, Any], ctx: RunContext, out: Path, *, fresh: bool = False,
             on_event: Callable[[dict[str, Any]], None] | None = None, background: bool = False) -> dict[str, Any]:
    """Evaluate ``inputs`` (see :class:`~papercoder.eval.state.EvalInput`) into ``out``; returns eval.json's content.

    ``background``: the graph runs in a worker thread (:func:`~papercoder.cli.drive.in_background`), so that
    Ctrl-C and SIGTERM reach this thread at once, even during a model call (seen: ``eval`` with the embedded
    model ignored both for over three minutes during a grader call).

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
        stream = graph.stream(None if started else inputs, context=ctx, config=cfg, durability="sync",
                              stream_mode="custom")
        for event in in_background(stream) if background else stream:
            if on_event is not None and isinstance(event, dict):
                on_event(event)
        final = graph.get_state(cfg).values
    return final["result"]


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


def _progress(event: dict[str, Any]) -> None:
    if event.get("event") == "call_start":
        console.print(f"→ {event.get('node')} {event.get('file') or ''}", highlight=False)
    elif event.get("event") == "call":
        console.print(f"[green]✓[/green] {event.get('node')} {event.get('file') or ''}: "
                      f"{event.get('input_tokens', 0)} in, {event.get('output_tokens', 0)} out, "
                      f"{event.get('seconds', 0):.1f}s", highlight=False)
    elif event.get("event") == "reask":
        console.print(f"[yellow]↻[/yellow] {event.get('node')} {event.get('file') or ''}: "
                      f"{str(event.get('problem', ''))[:160]}", highlight=False)


def print_result(result: dict[str, Any], out_dir: Path) -> None:
    """The evaluation as a table on stdout."""
    table = Table(title=f"Evaluation ({result['mode']}, judge {result['judge_model']})", show_header=False)
    j = result.get("judge")
    if j:
        score = "-" if j["score"] is None else f"{j['score']:.2f} ± {j['stdev']:.2f}"
        table.add_row("judge score (1-5)", f"{score}  ({j['valid']}/{j['samples']} valid samples, "
                      f"{j['dropped']} dropped; range {j['min']}-{j['max']})")
    r = result.get("rubric")
    if r:
        score = "-" if r["score"] is None else f"{r['score']:.3f}"
        table.add_row("rubric Code-Dev score", f"{score}  ({r['met']}/{r['leaves']} leaves met, "
                      f"{r['ungraded']} ungraded)")
    if c := result.get("checklist"):
        table.add_row("checklist coverage", f"{c['traced']}/{c['total']} requirements traced to the code")
        if c.get("rubric"):
            table.add_row("checklist recall of rubric", f"{c['rubric']['covered']}/{c['rubric']['leaves']} "
                          f"Code-Dev leaves covered by an item ({c['rubric']['recall']:.3f})")
    m = result.get("metrics", {})
    table.add_row("files / python / lines", f"{m.get('files')} / {m.get('python_files')} / {m.get('lines')}")
    table.add_row("functions / classes", f"{m.get('functions')} / {m.get('classes')}")
    if m.get("planned_files"):
        table.add_row("planned files present", f"{m['planned_files_present']}/{m['planned_files']}")
    ex = (m.get("executability") or {}).get("after")
    if ex:
        table.add_row("executability", f"{ex['compiling']}/{ex['python_files']} compile, "
                      f"{ex.get('modules_importing')}/{ex.get('modules')} import, smoke {ex.get('smoke')}")
    view = result.get("view", {})
    left = (view.get("repo") or {}).get("left_out") or []
    shown = len((view.get("repo") or {}).get("files", []))
    table.add_row("judge read", f"paper {view.get('paper_tokens')} tokens, {shown} files"
                  f"{f' ({len(left)} left out for length)' if left else ''}")
    t = result.get("totals", {})
    table.add_row("calls / tokens in / out", f"{t.get('calls')} / {t.get('input_tokens')} / {t.get('output_tokens')}")
    table.add_row("wall time", f"{result.get('wall_seconds')} s")
    table.add_row("eval.json", str(out_dir / "eval.json"))
    Console().print(table)
