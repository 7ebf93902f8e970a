"""``papercoder batch``: generate (and evaluate) a list of papers, locally or on a LangGraph server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True, soft_wrap=True)


def batch_cmd(
    paper_list: Annotated[Path, typer.Argument(help="A text file of paper paths, or a Paper2Code-style JSON list "
                                                    "with local paper paths ('paper_path').")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The batch folder (papers/<id>/, batch.json, summary).")],
    model: Annotated[str, typer.Option(help="'local', 'openai:NAME', or NAME with --base-url.")] = "local",
    base_url: Annotated[str, typer.Option(help="OpenAI-compatible endpoint URL.")] = "",
    jobs: Annotated[int, typer.Option(min=1, help="Papers at once (the embedded model: 1).")] = 2,
    concurrency: Annotated[int, typer.Option(min=1, help="Model calls at once within one paper.")] = 4,
    timeout: Annotated[float, typer.Option(help="Seconds per model call (0: per-model default).")] = 0.0,
    max_cost: Annotated[float, typer.Option(min=0, help="Cost budget per paper (USD, 0: none).")] = 0.0,
    max_files: Annotated[int, typer.Option(min=0, help="Most code files to plan per paper (0: per-model default).")]
    = 0,
    paper_tokens: Annotated[int, typer.Option(min=0, help="Token budget of each paper's text (0: per-model "
                                                          "default).")] = 0,
    digest_tokens: Annotated[int, typer.Option(min=0, help="Token budget of each paper's digest (0: a third of "
                                                           "the paper budget).")] = 0,
    verify: Annotated[bool, typer.Option(help="Verify and repair each repository.")] = True,
    cache: Annotated[bool, typer.Option(help="Answer identical requests from the response cache.")] = True,
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
    from papercoder.batch import local as local_runner
    from papercoder.batch import server as server_runner
    from papercoder.batch.ledger import LEDGER, BatchLedger
    from papercoder.batch.papers import BatchListError, load_list
    from papercoder.batch.summary import write_summary

    try:
        papers, notes = load_list(paper_list)
    except BatchListError as exc:
        console.print(f"[red]error[/red] (input): {exc}")
        raise typer.Exit(2) from None
    out = out.expanduser().resolve()
    if out.is_dir() and any(out.iterdir()) and not (out / LEDGER).is_file():
        console.print(f"[red]error[/red] (input): {out}: folder is not empty and holds no batch; choose another --out")
        raise typer.Exit(2)
    (out / "papers").mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    if model == "local" and not server and jobs > 1:
        notes.append(f"jobs {jobs} -> 1: the embedded model serves one paper at a time on this machine")
        jobs = 1
    judge = judge or model
    judge_url = judge_base_url or (base_url if judge == model else "")
    settings = {"list": str(paper_list.resolve()), "model": model, "base_url": base_url, "jobs": jobs,
                "eval": evaluate, "judge": judge, "samples": samples, "server": server}
    ledger = BatchLedger(out, papers, settings)
    ledger.set_notes(notes)

    client: Any = None
    if server:
        try:
            client = server_runner.client_for(server)
        except server_runner.ServerRunError as exc:
            console.print(f"[red]error[/red] (stage server): {exc}")
            raise typer.Exit(1) from None
    url = ["--base-url", base_url] if base_url else []
    common = [*(["--timeout", str(timeout)] if timeout else [])]
    options = {
        "run_args": ["--model", model, *url, "--concurrency", str(concurrency), *common,
                     *(["--max-cost", str(max_cost)] if max_cost else []),
                     *(["--max-files", str(max_files)] if max_files else []),
                     *(["--paper-tokens", str(paper_tokens)] if paper_tokens else []),
                     *(["--digest-tokens", str(digest_tokens)] if digest_tokens else []),
                     "--verify" if verify else "--no-verify",
                     "--cache" if cache else "--no-cache"],
        "resume_args": common,
        "eval_args": ["--judge", judge, *(["--base-url", judge_url] if judge_url else []), "--samples", str(samples),
                      *common, "--cache" if cache else "--no-cache"],
        "rubric": rubric,
    }
    run_ctx = {"model": model, "base_url": base_url, "concurrency": concurrency, "request_timeout": timeout,
               "max_cost": max_cost, "verify": verify, "cache": cache, "max_files": max_files,
               "paper_token_budget": paper_tokens, "digest_token_budget": digest_tokens}
    eval_ctx = {"model": judge, "base_url": judge_url, "judge_samples": samples, "request_timeout": timeout,
                "cache": cache, "concurrency": concurrency, "verify": False}

    def one(paper: Any) -> None:
        folder, log = out / "papers" / paper.id, out / "logs" / f"{paper.id}.log"
        console.print(f"→ {paper.id}: {paper.path}", highlight=False)
        if client is not None:
            ok = server_runner.generate(client, paper, folder, ledger, run_ctx)
        else:
            ok = local_runner.generate(paper, folder, log, options, ledger)
        if ok and evaluate:
            if client is not None:
                ok = server_runner.evaluate(client, paper, folder, ledger, eval_ctx, judge=samples > 0,
                                            rubric=rubric)
            else:
                ok = local_runner.evaluate(paper, folder, log, options, ledger)
        entry = ledger.get(paper.id)
        mark = "[green]✓[/green]" if ok else "[red]✗[/red]"
        console.print(f"{mark} {paper.id}: {entry.get('status')}"
                      + (f", eval {entry.get('eval_status')}" if evaluate else "")
                      + (f" ({entry.get('error') or entry.get('eval_error')})" if not ok else ""), highlight=False)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, papers))
    rows = write_summary(out, ledger.data)
    _print(rows, out)
    unfinished = [r["id"] for r in rows if r["status"] != "completed"
                  or (evaluate and r["eval_status"] != "completed")]
    if unfinished:
        console.print(f"[yellow]{len(unfinished)} of {len(rows)} papers unfinished[/yellow] "
                      f"({', '.join(unfinished)}); what finished is kept: give the same command again to continue")
        raise typer.Exit(1)


def _print(rows: list[dict[str, Any]], out: Path) -> None:
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
