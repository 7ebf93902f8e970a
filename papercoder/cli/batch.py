"""``papercoder batch``: generate (and evaluate) a list of papers, locally or on a LangGraph server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from papercoder.cli.common import console, input_error
from papercoder.cli.options import cli_args, settings_options

# The settings a paper's run takes anew when it is resumed; the others are kept from its run.json.
RESUMED = ("request_timeout",)


@dataclass
class _Batch:
    """What every paper of a batch is run with."""

    out: Path
    ledger: Any
    client: Any  # a langgraph-sdk client, or None to run here
    options: dict[str, Any]  # the child processes' arguments (local runs)
    run_ctx: dict[str, Any]  # the run settings (server runs)
    eval_ctx: dict[str, Any]  # the judge's settings (server runs)
    evaluate: bool
    samples: int
    rubric: bool


@settings_options("batch")
def batch_cmd(
    paper_list: Annotated[Path, typer.Argument(help="A text file of paper paths, or a Paper2Code-style JSON list "
                                                    "with local paper paths ('paper_path').")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The batch folder (papers/<id>/, batch.json, summary).")],
    *,
    settings: dict[str, Any],
    jobs: Annotated[int, typer.Option(min=1, help="Papers at once (the embedded model: 1).")] = 2,
    evaluate: Annotated[bool, typer.Option("--eval", help="Evaluate each repository once it is written.")] = False,
    judge: Annotated[str, typer.Option(help="Judge model spec (default: the generation model).")] = "",
    judge_base_url: Annotated[str, typer.Option(help="The judge's endpoint (default: --base-url).")] = "",
    samples: Annotated[int, typer.Option(min=0, help="Judge verdicts per repository (0: rubric only).")] = 8,
    rubric: Annotated[bool, typer.Option(help="Grade a rubric.json found beside a paper (or named in the list).")]
    = True,
    server: Annotated[str, typer.Option(help="Run on this LangGraph server (langgraph dev or a deployment) "
                                             "through langgraph-sdk instead of in this machine's processes.")] = "",
) -> None:
    """Run many papers; a stopped batch continues where it stopped when the same command is given again."""
    from papercoder.batch import server as server_runner
    from papercoder.batch.ledger import BatchLedger
    from papercoder.batch.papers import BatchListError, load_list
    from papercoder.batch.summary import write_summary

    try:
        papers, notes = load_list(paper_list)
    except BatchListError as exc:
        input_error(exc)
    out = _batch_folder(out)
    model, base_url = settings["model"], settings["base_url"]
    if model == "local" and not server and jobs > 1:
        notes.append(f"jobs {jobs} -> 1: the embedded model serves one paper at a time on this machine")
        jobs = 1
    judge = judge or model
    judge_url = judge_base_url or (base_url if judge == model else "")
    ledger = BatchLedger(out, papers, {"list": str(paper_list.resolve()), "model": model, "base_url": base_url,
                                       "jobs": jobs, "eval": evaluate, "judge": judge, "samples": samples,
                                       "server": server})
    ledger.set_notes(notes)
    client: Any = None
    if server:
        try:
            client = server_runner.client_for(server)
        except server_runner.ServerRunError as exc:
            console.print(f"[red]error[/red] (stage server): {exc}")
            raise typer.Exit(1) from None
    eval_ctx = {"model": judge, "base_url": judge_url, "judge_samples": samples,
                "request_timeout": settings["request_timeout"], "cache": settings["cache"],
                "concurrency": settings["concurrency"], "verify": False}
    options = _child_options(settings, judge, judge_url, samples, rubric)
    batch = _Batch(out=out, ledger=ledger, client=client, options=options, run_ctx=settings, eval_ctx=eval_ctx,
                   evaluate=evaluate, samples=samples, rubric=rubric)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(lambda paper: _one(batch, paper), papers))
    rows = write_summary(out, ledger.data)
    _print(rows, out)
    unfinished = [r["id"] for r in rows if r["status"] != "completed"
                  or (evaluate and r["eval_status"] != "completed")]
    if unfinished:
        console.print(f"[yellow]{len(unfinished)} of {len(rows)} papers unfinished[/yellow] "
                      f"({', '.join(unfinished)}); what finished is kept: give the same command again to continue")
        raise typer.Exit(1)


def _batch_folder(out: Path) -> Path:
    """The batch folder, made with its papers/ and logs/; exits 2 for a folder that holds something else."""
    from papercoder.batch.ledger import LEDGER

    out = out.expanduser().resolve()
    if out.is_dir() and any(out.iterdir()) and not (out / LEDGER).is_file():
        input_error(f"{out}: folder is not empty and holds no batch; choose another --out")
    (out / "papers").mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    return out


def _child_options(settings: dict[str, Any], judge: str, judge_url: str, samples: int,
                   rubric: bool) -> dict[str, Any]:
    """The arguments of each paper's ``papercoder run``, ``resume`` and ``eval`` child processes."""
    timeout = settings["request_timeout"]
    return {
        "run_args": cli_args(settings, "run"),
        "resume_args": cli_args({k: settings[k] for k in RESUMED}, "resume"),
        "eval_args": ["--judge", judge, *(["--base-url", judge_url] if judge_url else []), "--samples", str(samples),
                      *(["--timeout", str(timeout)] if timeout else []),
                      "--cache" if settings["cache"] else "--no-cache"],
        "rubric": rubric,
    }


def _one(batch: _Batch, paper: Any) -> None:
    """Generate (and evaluate) one paper, here or on the server; its outcome is in the ledger."""
    from papercoder.batch import local as local_runner
    from papercoder.batch import server as server_runner

    folder, log = batch.out / "papers" / paper.id, batch.out / "logs" / f"{paper.id}.log"
    console.print(f"→ {paper.id}: {paper.path}", highlight=False)
    if batch.client is not None:
        ok = server_runner.generate(batch.client, paper, folder, batch.ledger, batch.run_ctx)
    else:
        ok = local_runner.generate(paper, folder, log, batch.options, batch.ledger)
    if ok and batch.evaluate:
        if batch.client is not None:
            ok = server_runner.evaluate(batch.client, paper, folder, batch.ledger, batch.eval_ctx,
                                        judge=batch.samples > 0, rubric=batch.rubric)
        else:
            ok = local_runner.evaluate(paper, folder, log, batch.options, batch.ledger)
    entry = batch.ledger.get(paper.id)
    mark = "[green]✓[/green]" if ok else "[red]✗[/red]"
    console.print(f"{mark} {paper.id}: {entry.get('status')}"
                  + (f", eval {entry.get('eval_status')}" if batch.evaluate else "")
                  + (f" ({entry.get('error') or entry.get('eval_error')})" if not ok else ""), highlight=False)


def _print(rows: list[dict[str, Any]], out: Path) -> None:
    """The batch's summary as a table on stdout."""
    table = Table(title=f"PaperCoder batch {out}")
    for col in ("paper", "status", "time (s)", "tokens in/out", "cost", "judge", "Code-Dev"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], str(r["status"]), f"{r['seconds'] + r['eval_seconds']:.0f}",
                      f"{r['input_tokens'] or 0}/{r['output_tokens'] or 0}",
                      "–" if r["cost_usd"] is None else f"${r['cost_usd']:.4f}",
                      "–" if r["judge_score"] is None else f"{r['judge_score']:.2f}",
                      "–" if r["rubric_score"] is None else f"{r['rubric_score']:.3f}")
    Console().print(table)
    console.print(f"summary: {out / 'summary.md'}, {out / 'summary.png'}")
