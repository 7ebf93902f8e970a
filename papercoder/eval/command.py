"""``papercoder eval``: judge a repository and grade a rubric, print a table, write eval.json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from papercoder.context import RunContext

console = Console(stderr=True, soft_wrap=True)


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
    from papercoder.eval.runner import evaluate
    from papercoder.llm import StageError
    from papercoder.llm.embedded import EmbeddedModelError
    from papercoder.llm.models import ModelSpecError
    from papercoder.paper import PaperReadError
    from papercoder.workspace import WorkspaceError

    if samples == 0 and rubric is None:
        console.print("[red]error[/red] (input): nothing to do: give --samples N > 0 or --rubric FILE")
        raise typer.Exit(2)
    out_dir = (out or default_eval_dir(repo)).resolve()
    ctx = RunContext(model=judge, base_url=base_url, judge_samples=samples, judge_window=window,
                     concurrency=concurrency, request_timeout=timeout, max_retries=retries, cache=cache,
                     verify=False)
    inputs = {"repo": str(repo.resolve()), "paper": paper, "reference": str(reference.resolve()) if reference else None,
              "rubric": str(rubric.resolve()) if rubric else None, "judge": samples > 0}
    try:
        result = evaluate(inputs, ctx, out_dir, fresh=fresh, on_event=_progress)
    except (EvalInputError, RubricError, PaperReadError, WorkspaceError) as exc:
        console.print(f"[red]error[/red] (input): {exc}")
        raise typer.Exit(2) from None
    except (StageError, ModelSpecError, EmbeddedModelError) as exc:
        console.print(f"[red]error[/red] (stage {getattr(exc, 'stage', 'judge')}): {exc}")
        console.print(f"What was graded is kept in {out_dir}; run the same command again to continue")
        raise typer.Exit(1) from None
    print_result(result, out_dir)


def _progress(event: dict[str, Any]) -> None:
    if event.get("event") == "call":
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
