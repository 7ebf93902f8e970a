"""``papercoder run``, ``resume``, ``status`` and ``review``: a durable paper-to-code run."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from papercoder.cli.common import PAPER_HELP, console, input_error
from papercoder.cli.drive import drive
from papercoder.cli.options import settings_options
from papercoder.cli.review import edit_answer
from papercoder.context import RunContext


@settings_options("run")
def run(
    paper: Annotated[str, typer.Argument(help=PAPER_HELP)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: ./runs/<paper>).")] = None,
    *,
    settings: dict[str, Any],
    api_key: Annotated[str, typer.Option(help="API key (better: put it in the variable named by --api-key-env).",
                                         envvar="PAPERCODER_API_KEY", show_envvar=False)] = "",
    stage_model: Annotated[list[str] | None, typer.Option(
        "--stage-model", help="STAGE=SPEC: a model for one stage (planning, analysis, coding); "
        "SPEC may be NAME@URL for another endpoint. Repeatable.")] = None,
    dry_run: Annotated[bool, typer.Option(help="Read the paper and estimate calls, tokens and cost; call no model.")]
    = False,
) -> None:
    """Plan, analyse and write a repository implementing PAPER (resumable: see `papercoder resume`)."""
    from papercoder.workspace import WorkspaceError

    src = Path(paper)
    if not src.exists():
        input_error(f"{paper}: no such file")
    out_dir = (out or Path("runs") / src.stem).resolve()
    if api_key:
        os.environ["PAPERCODER_API_KEY"] = api_key
        settings["api_key_env"] = "PAPERCODER_API_KEY"
    try:
        stages = stage_models(stage_model or [])
    except ValueError as exc:
        input_error(exc)
    ctx = RunContext(out_dir=str(out_dir), **settings, **stages)
    if ctx.stop_after not in ("", "planning", "analysis"):
        input_error(f"--stop-after {ctx.stop_after!r}: use 'planning' or 'analysis'")
    if dry_run:
        _dry_run(src, ctx)
        return
    from papercoder import durable

    try:
        ws = durable.prepare(out_dir, ctx, str(src.resolve()))
    except WorkspaceError as exc:
        input_error(exc)
    drive({"paper": str(src.resolve()), "out_dir": str(out_dir), "run_id": ws.run_id}, ctx, out_dir, ws.run_id)


@settings_options("resume")
def resume(
    run_dir: Annotated[Path, typer.Argument(help="The folder of a run started by `papercoder run`.")],
    *,
    settings: dict[str, Any],
) -> None:
    """Continue a run that crashed, was killed or hit its budget; finished steps are not run again."""
    from papercoder import durable
    from papercoder.workspace import WorkspaceError

    out_dir = run_dir.resolve()
    try:
        ws, record, ctx = durable.load(out_dir, **settings)
    except WorkspaceError as exc:
        input_error(exc)
    if record.get("status") == "completed":
        console.print(f"{out_dir}: this run is complete; nothing to resume")
        return
    resumes = [*record.get("resumes", []), {"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                            "status_before": record.get("status"),
                                            "calls_before": len(record.get("calls", []))}]
    ws.update_run(status="running", resumes=resumes, error=None, context={
        **record["context"], **{k: v for k, v in settings.items() if v is not None}})
    console.print(f"resuming {out_dir} (was {record.get('status')}, {len(record.get('calls', []))} calls so far)")
    drive(None, ctx, out_dir, record["thread_id"])


def status(run_dir: Annotated[Path, typer.Argument(help="A run folder.")]) -> None:
    """Where a run stands: status, calls, tokens, cost, files written, the steps still to run."""
    from papercoder import durable
    from papercoder.workspace import CHECKPOINTS, Workspace, WorkspaceError

    out_dir = run_dir.resolve()
    ws = Workspace(out_dir)
    if not ws.run_json.is_file():
        input_error(f"{out_dir}: no PaperCoder run here (no run.json)")
    try:
        record = ws.read_run()
    except (WorkspaceError, ValueError) as exc:
        input_error(f"{out_dir}/run.json: {exc}")
    totals = record.get("totals", {})
    table = Table(title=f"PaperCoder run {out_dir}", show_header=False)
    table.add_row("status", str(record.get("status")))
    table.add_row("paper", str(record.get("title") or record.get("paper", "")))
    table.add_row("model", ", ".join(record.get("models", [])) or str(record.get("model", "")))
    table.add_row("calls", f"{totals.get('calls', 0)} (+{totals.get('cache_hits', 0)} from the cache, "
                  f"{totals.get('retries', 0)} retries)")
    table.add_row("tokens", f"{totals.get('input_tokens', 0)} in, {totals.get('output_tokens', 0)} out")
    cost = totals.get("cost_usd")
    table.add_row("cost", "unknown" if cost is None else f"${cost:.4f}")
    files = sorted(str(p.relative_to(ws.repo)) for p in ws.repo.rglob("*") if p.is_file()) if ws.repo.is_dir() else []
    table.add_row("repository files", ", ".join(files) or "none yet")
    if (cov := record.get("coverage")) and cov.get("after", {}).get("total"):
        before, after = cov["before"], cov["after"]
        table.add_row("checklist", f"{after['traced']} of {after['total']} requirements traced to the code "
                      f"(before the send-back: {before['traced']}); hyperparameters in config.yaml: "
                      f"{after['hyperparameters_in_config']} of {after['hyperparameters']}")
    if record.get("error"):
        table.add_row("stopped by", str(record["error"].get("message", record["error"])))
    if record.get("thread_id") and (out_dir / CHECKPOINTS).is_file() and record.get("status") != "completed":
        from papercoder.graphs.paper2code import build_graph

        with durable.checkpointer(out_dir) as saver:
            graph = build_graph().compile(checkpointer=saver)
            stand = durable.where(graph, durable.config(record["thread_id"], 1))
        table.add_row("next steps", ", ".join(stand["next"]) or "none")
        if stand["interrupts"]:
            table.add_row("waiting for", "review of the plan (papercoder review DIR)")
        table.add_row("resume with", f"papercoder resume {out_dir}")
    Console().print(table)


def review_cmd(
    run_dir: Annotated[Path, typer.Argument(help="A run waiting for review.")],
    approve: Annotated[bool, typer.Option("--approve", help="Code the plan as it is.")] = False,
    edit: Annotated[Path | None, typer.Option("--edit", help="Code this edited review file (review.yaml).")]
    = None,
    reject: Annotated[str, typer.Option("--reject", help="Plan again, acting on this feedback.")] = "",
) -> None:
    """Answer a run's review of its plan, and continue it."""
    from langgraph.types import Command

    from papercoder import durable
    from papercoder.workspace import WorkspaceError

    if sum((approve, edit is not None, bool(reject))) != 1:
        input_error("give exactly one of --approve, --edit FILE, --reject TEXT")
    out_dir = run_dir.resolve()
    try:
        _ws, record, ctx = durable.load(out_dir)
    except WorkspaceError as exc:
        input_error(exc)
    if record.get("status") != "awaiting_review":
        input_error(f"{out_dir}: the run is {record.get('status')}, not waiting for review")
    answer = ({"action": "approve"} if approve else {"action": "reject", "feedback": reject} if reject
              else edit_answer(edit))  # type: ignore[arg-type]
    drive(Command(resume=answer), ctx, out_dir, record["thread_id"])


def stage_models(pairs: list[str]) -> dict[str, str]:
    """``["coding=openai:gpt-4.1-mini"]`` -> ``{"coding_model": "openai:gpt-4.1-mini"}``.

    Raises:
        ValueError: For a pair that is not STAGE=SPEC with a known stage.
    """
    from papercoder.context import STAGES

    out = {}
    for pair in pairs:
        stage, sep, spec = pair.partition("=")
        if not sep or stage.strip() not in STAGES or not spec.strip():
            raise ValueError(f"--stage-model {pair!r}: expected STAGE=SPEC with STAGE one of {', '.join(STAGES)}")
        out[f"{stage.strip()}_model"] = spec.strip()
    return out


def _dry_run(src: Path, ctx: RunContext) -> None:
    """Print the estimate of a run: calls, tokens and cost per stage; no model is called."""
    from papercoder.estimate import estimate_run
    from papercoder.llm.cost import PriceTableError
    from papercoder.paper import PaperReadError

    try:
        est = estimate_run(str(src.resolve()), ctx)
    except (PaperReadError, PriceTableError) as exc:
        console.print(f"[red]error[/red] (stage ingest): {exc}")
        raise typer.Exit(1) from None
    table = Table(title=f"Dry run: {est['title']} ({est['paper_tokens']} paper tokens, a digest of "
                        f"{est['digest_tokens']}, up to {est['files']} files)")
    for col in ("stage", "model", "calls", "input tokens", "output tokens (at most)", "cost at most"):
        table.add_column(col)
    for row in est["stages"]:
        cost = "unknown" if row["cost_usd"] is None else f"${row['cost_usd']:.4f}"
        table.add_row(row["stage"], row["model"], str(row["calls"]), str(row["input_tokens"]),
                      str(row["output_tokens"]), cost)
    total = est["total"]
    table.add_row("total", "", str(total["calls"]), str(total["input_tokens"]), str(total["output_tokens"]),
                  "unknown" if total["cost_usd"] is None else f"${total['cost_usd']:.4f}")
    Console().print(table)
    console.print("An upper bound without re-asks: every answer at its token limit, no prompt caching, "
                  "no response-cache hits. No model was called.")
