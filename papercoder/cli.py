"""Command line: ``papercoder run``, ``resume``, ``status``, ``review``, ``verify``, ``ingest``, ``eval``."""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from papercoder.context import RunContext

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Turn an ML paper into a code repository.")
console = Console(stderr=True, soft_wrap=True)


PAPER_HELP = ("The paper: a PDF, a LaTeX file, folder or arXiv source archive (.tar.gz/.tar/.zip), "
              "s2orc JSON, Markdown or text (the format is detected from the content).")


@app.callback()
def _root() -> None:
    """PaperCoder: paper in, repository out."""


class Progress:
    """Renders the graph's custom progress events and node updates as lines."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.out_tokens = 0
        self.in_tokens = 0

    def _t(self) -> str:
        return f"[dim]{time.monotonic() - self.started:7.1f}s[/dim]"

    def event(self, ev: dict[str, Any]) -> None:
        """Print one custom progress event (a call starting, ending or re-asked)."""
        kind = ev.get("event")
        what = ev.get("node", "?") + (f" {ev['file']}" if ev.get("file") else "")
        if kind == "call_start":
            again = f" (try {ev['attempt'] + 1})" if ev.get("attempt") else ""
            console.print(f"{self._t()} [cyan]→[/cyan] {what}{again}")
        elif kind == "call":
            run = ev.get("run_totals") or {}
            self.in_tokens = run.get("input_tokens", self.in_tokens + ev.get("input_tokens", 0))
            self.out_tokens = run.get("output_tokens", self.out_tokens + ev.get("output_tokens", 0))
            cost = run.get("cost_usd")
            served = " [dim](from the cache)[/dim]" if ev.get("cache_hit") else ""
            console.print(f"{self._t()} [green]✓[/green] {what}: {ev.get('input_tokens', 0)} in, "
                          f"{ev.get('output_tokens', 0)} out, {ev.get('seconds', 0):.1f}s{served}"
                          f"  [dim](total {self.in_tokens} in / {self.out_tokens} out"
                          f"{f', ${cost:.4f}' if cost else ''})[/dim]")
        elif kind == "retry":
            console.print(f"{self._t()} [yellow]…[/yellow] {what}: retry {ev.get('retry')} in {ev.get('wait')}s "
                          f"after {ev.get('error', '')[:160]}")
        elif kind == "reask":
            console.print(f"{self._t()} [yellow]↻[/yellow] {what}: re-asking: {ev.get('problem', '')[:200]}")

    def update(self, update: dict[str, Any]) -> None:
        """Print what a node's state update says worth knowing (paper size, DAG)."""
        for node, value in update.items():
            if node == "build_dag" and isinstance(value, dict) and "dag" in value:
                gens = value["dag"]["generations"]
                console.print(f"{self._t()} [magenta]DAG[/magenta] {len(value['dag']['nodes'])} files in "
                              f"{len(gens)} generations: " + " | ".join(", ".join(g) for g in gens))
                for r in value["dag"]["repairs"]:
                    console.print(f"          [yellow]repaired:[/yellow] {r}")
            elif node == "ingest" and isinstance(value, dict) and "paper_info" in value:
                info = value["paper_info"]
                console.print(f"{self._t()} [magenta]paper[/magenta] {info.get('title') or info.get('source')}: "
                              f"{info.get('tokens')} tokens (of {info.get('tokens_full')}), out: {value['out_dir']}")


@app.command()
def run(
    paper: Annotated[str, typer.Argument(help=PAPER_HELP)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: ./runs/<paper>).")] = None,
    model: Annotated[str, typer.Option(help="'local', 'openai:NAME', or NAME with --base-url.")] = "local",
    base_url: Annotated[str, typer.Option(help="OpenAI-compatible endpoint URL.")] = "",
    api_key_env: Annotated[str, typer.Option(help="Environment variable holding the API key.")] = "OPENAI_API_KEY",
    concurrency: Annotated[int, typer.Option(min=1, help="Most model calls at once (the embedded model: 1).")] = 4,
    paper_tokens: Annotated[int, typer.Option(help="Token budget of the paper text (0: per-model default).")] = 0,
    digest_tokens: Annotated[int, typer.Option(help="Token budget of the paper digest the agents after the planner "
                                                    "see (0: a third of the paper budget).")] = 0,
    max_files: Annotated[int, typer.Option(min=0, help="Most code files to plan (0: per-model default).")] = 0,
    timeout: Annotated[float, typer.Option(help="Seconds per model call (0: per-model default).")] = 0.0,
    api_key: Annotated[str, typer.Option(help="API key (better: put it in the variable named by --api-key-env).",
                                         envvar="PAPERCODER_API_KEY", show_envvar=False)] = "",
    stage_model: Annotated[list[str] | None, typer.Option(
        "--stage-model", help="STAGE=SPEC: a model for one stage (planning, analysis, coding); "
        "SPEC may be NAME@URL for another endpoint. Repeatable.")] = None,
    reasoning_effort: Annotated[str, typer.Option(help="Reasoning models: low, medium or high.")] = "",
    structured_output: Annotated[str, typer.Option(help="auto, json_schema or prompt.")] = "auto",
    retries: Annotated[int, typer.Option(min=0, help="Retries after a transient model error.")] = 6,
    max_cost: Annotated[float, typer.Option(min=0, help="Stop before the run's cost would pass USD (0: none).")] = 0.0,
    max_tokens: Annotated[int, typer.Option(min=0, help="Stop before the run's tokens would pass N (0: none).")] = 0,
    cache: Annotated[bool, typer.Option(help="Answer identical requests from the response cache.")] = True,
    cache_path: Annotated[str, typer.Option(help="Response cache file (default: the user's cache folder).")] = "",
    prices: Annotated[str, typer.Option(help="YAML price table merged over the shipped one.")] = "",
    dry_run: Annotated[bool, typer.Option(help="Read the paper and estimate calls, tokens and cost; call no model.")]
    = False,
    review: Annotated[bool, typer.Option(help="Pause after planning to approve, edit or reject the plan.")] = False,
    stop_after: Annotated[str, typer.Option(help="End after 'planning' or 'analysis'.")] = "",
    verify: Annotated[bool, typer.Option(help="Check the repository (static, sandboxed imports and smoke run).")]
    = True,
    repair_rounds: Annotated[int, typer.Option(min=0, help="Debugger rounds on blocking findings.")] = 3,
    install: Annotated[bool, typer.Option(help="Install requirements.txt in a cached venv for the sandbox.")]
    = False,
) -> None:
    """Plan, analyse and write a repository implementing PAPER (resumable: see `papercoder resume`)."""
    from papercoder.workspace import WorkspaceError

    src = Path(paper)
    if not src.exists():
        console.print(f"[red]error[/red] (input): {paper}: no such file")
        raise typer.Exit(2)
    out_dir = (out or Path("runs") / src.stem).resolve()
    if api_key:
        os.environ["PAPERCODER_API_KEY"] = api_key
        api_key_env = "PAPERCODER_API_KEY"
    try:
        stages = _stage_models(stage_model or [])
    except ValueError as exc:
        console.print(f"[red]error[/red] (input): {exc}")
        raise typer.Exit(2) from None
    ctx = RunContext(model=model, base_url=base_url, api_key_env=api_key_env, concurrency=concurrency,
                     out_dir=str(out_dir), paper_token_budget=paper_tokens,
                     digest_token_budget=digest_tokens, max_files=max_files,
                     request_timeout=timeout, reasoning_effort=reasoning_effort, structured_output=structured_output,
                     max_retries=retries, max_cost=max_cost, max_total_tokens=max_tokens, cache=cache,
                     cache_path=cache_path, prices_path=prices, review=review, stop_after=stop_after, verify=verify,
                     repair_rounds=repair_rounds, install=install, **stages)
    if stop_after not in ("", "planning", "analysis"):
        console.print(f"[red]error[/red] (input): --stop-after {stop_after!r}: use 'planning' or 'analysis'")
        raise typer.Exit(2)
    if dry_run:
        _dry_run(src, ctx)
        return
    from papercoder import durable

    try:
        ws = durable.prepare(out_dir, ctx, str(src.resolve()))
    except WorkspaceError as exc:
        console.print(f"[red]error[/red] (input): {exc}")
        raise typer.Exit(2) from None
    _drive({"paper": str(src.resolve()), "out_dir": str(out_dir), "run_id": ws.run_id}, ctx, out_dir, ws.run_id)


@app.command()
def resume(
    run_dir: Annotated[Path, typer.Argument(help="The folder of a run started by `papercoder run`.")],
    max_cost: Annotated[float | None, typer.Option(min=0, help="A new cost budget (USD).")] = None,
    max_tokens: Annotated[int | None, typer.Option(min=0, help="A new token budget.")] = None,
    retries: Annotated[int | None, typer.Option(min=0, help="Retries after a transient model error.")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds per model call.")] = None,
) -> None:
    """Continue a run that crashed, was killed or hit its budget; finished steps are not run again."""
    from papercoder import durable
    from papercoder.workspace import WorkspaceError

    out_dir = run_dir.resolve()
    try:
        ws, record, ctx = durable.load(out_dir, max_cost=max_cost, max_total_tokens=max_tokens,
                                       max_retries=retries, request_timeout=timeout)
    except WorkspaceError as exc:
        console.print(f"[red]error[/red] (input): {exc}")
        raise typer.Exit(2) from None
    if record.get("status") == "completed":
        console.print(f"{out_dir}: this run is complete; nothing to resume")
        return
    resumes = [*record.get("resumes", []), {"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                            "status_before": record.get("status"),
                                            "calls_before": len(record.get("calls", []))}]
    ws.update_run(status="running", resumes=resumes, error=None, context={**record["context"], **{
        k: v for k, v in (("max_cost", max_cost), ("max_total_tokens", max_tokens), ("max_retries", retries),
                          ("request_timeout", timeout)) if v is not None}})
    console.print(f"resuming {out_dir} (was {record.get('status')}, {len(record.get('calls', []))} calls so far)")
    _drive(None, ctx, out_dir, record["thread_id"])


@app.command()
def status(run_dir: Annotated[Path, typer.Argument(help="A run folder.")]) -> None:
    """Where a run stands: status, calls, tokens, cost, files written, the steps still to run."""
    from papercoder import durable
    from papercoder.workspace import CHECKPOINTS, Workspace, WorkspaceError

    out_dir = run_dir.resolve()
    ws = Workspace(out_dir)
    if not ws.run_json.is_file():
        console.print(f"[red]error[/red] (input): {out_dir}: no PaperCoder run here (no run.json)")
        raise typer.Exit(2)
    try:
        record = ws.read_run()
    except (WorkspaceError, ValueError) as exc:
        console.print(f"[red]error[/red] (input): {out_dir}/run.json: {exc}")
        raise typer.Exit(2) from None
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


def _drive(graph_input: Any, ctx: RunContext, out_dir: Path, thread_id: str) -> None:
    """Stream the checkpointed graph (a new run, ``None`` to resume, or a ``Command``), rendering progress.

    A pause for review is answered at the terminal when there is one; otherwise the run waits (exit 0)
    for ``papercoder review DIR``. Exits non-zero on failure, with everything done kept.
    """
    from langgraph.types import Command

    from papercoder import durable
    from papercoder.llm import StageError
    from papercoder.llm.budget import BudgetExceeded
    from papercoder.llm.cost import PriceTableError
    from papercoder.llm.embedded import EmbeddedModelError
    from papercoder.llm.models import ModelSpecError
    from papercoder.paper import PaperReadError
    from papercoder.review import ReviewError
    from papercoder.workspace import Workspace, WorkspaceError

    progress = Progress()
    final: dict[str, Any] = {}
    resume_hint = f"resume with: papercoder resume {out_dir}"
    cfg = durable.config(thread_id, ctx.concurrency)
    try:
        from papercoder.graphs.paper2code import build_graph

        with durable.checkpointer(out_dir) as saver:
            graph = build_graph().compile(name="papercoder", checkpointer=saver)
            while True:
                stream = graph.stream(graph_input, context=ctx, config=cfg, durability="sync",
                                      stream_mode=["updates", "custom", "values"], subgraphs=True)
                for _ns, mode, chunk in _in_background(stream):
                    if mode == "custom" and isinstance(chunk, dict):
                        progress.event(chunk)
                    elif mode == "updates" and isinstance(chunk, dict):
                        progress.update(chunk)
                    elif mode == "values" and not _ns and isinstance(chunk, dict):
                        final = chunk
                waiting = durable.where(graph, cfg)["interrupts"]
                if not waiting:
                    break
                answer = _review_at_terminal(waiting[0], out_dir)
                if answer is None:
                    return
                graph_input = Command(resume=answer)
    except BudgetExceeded as exc:
        console.print(f"[yellow]stopped[/yellow] (stage {exc.stage}): {exc.problem}")
        console.print(f"Everything produced so far is in {out_dir}; {resume_hint} --max-cost/--max-tokens ...")
        raise typer.Exit(3) from None
    except (StageError, PaperReadError, ModelSpecError, WorkspaceError, EmbeddedModelError, PriceTableError,
            ReviewError) as exc:
        stage = getattr(exc, "stage", None) or ("ingest" if isinstance(exc, PaperReadError | WorkspaceError)
                                                 else "model" if isinstance(exc, EmbeddedModelError)
                                                 else "review" if isinstance(exc, ReviewError) else "run")
        if (out_dir / "run.json").exists():
            Workspace(out_dir).update_run(status="failed", error={"stage": stage, "message": str(exc)})
        console.print(f"[red]error[/red] (stage {stage}): {exc}")
        console.print(f"Everything produced so far is in {out_dir}; {resume_hint}")
        raise typer.Exit(1) from None
    except Exception as exc:  # noqa: BLE001 - anything else: still a clear line, not a traceback
        if out_dir.exists() and (out_dir / "run.json").exists():
            Workspace(out_dir).update_run(status="failed", error={"stage": "run", "message": repr(exc)})
        console.print(f"[red]error[/red] (stage run): unexpected {type(exc).__name__}: {exc}")
        console.print(f"Everything produced so far is in {out_dir}; please report this with run.json")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        if (out_dir / "run.json").exists():
            Workspace(out_dir).update_run(status="interrupted")
        console.print(f"[yellow]interrupted[/yellow]; outputs so far are kept; {resume_hint}")
        # Calls in flight would keep this process (and the embedded model) busy until they end and then
        # write into the run folder: leave now. Every finished step is checkpointed. The embedded server is
        # not stopped first: its shutdown waits for the generation in flight (seen: minutes on a prefill).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    summary = final.get("summary", {})
    if str(summary.get("status", "")).startswith("stopped_after"):
        console.print(f"{summary['status'].replace('_', ' ')}: the artifacts are in {out_dir / 'artifacts'}")
        return
    _print_summary(summary, out_dir, time.monotonic() - progress.started)


def _review_file(request: dict[str, Any], out_dir: Path) -> Path:
    """Write ``DIR/review.yaml``: the editable part of the plan (files, config.yaml, plan)."""
    from papercoder.review import review_yaml

    path = out_dir / "review.yaml"
    path.write_text("# Edit files (path, logic, depends_on), config_yaml or plan, then:\n"
                    f"#   papercoder review {out_dir} --edit {path}\n" + review_yaml(request), encoding="utf-8")
    return path


def _show_review(request: dict[str, Any]) -> None:
    out = Console(stderr=True)
    plan_lines = request["plan"].strip().splitlines()
    out.rule("Plan")
    out.print("\n".join(plan_lines[:40]) + (f"\n[dim]... ({len(plan_lines) - 40} more lines)[/dim]"
                                             if len(plan_lines) > 40 else ""), markup=False)
    table = Table(title="Files (entry point: " + request["entry_point"] + ")")
    for col in ("file", "depends on", "logic"):
        table.add_column(col)
    for f in request["files"]:
        table.add_row(f["path"], ", ".join(f["depends_on"]) or "-", f["logic"][:90])
    out.print(table)
    out.print("Coding order: " + " | ".join(", ".join(g) for g in request["generations"]))
    out.rule("config.yaml")
    out.print(request["config_yaml"].strip(), markup=False, highlight=False)


def _review_at_terminal(request: dict[str, Any], out_dir: Path) -> dict[str, Any] | None:
    """Ask the person at the terminal; None (the run waits) when there is no terminal or they choose later."""
    path = _review_file(request, out_dir)
    _show_review(request)
    later = (f"The run waits for review. Answer with: papercoder review {out_dir} --approve | --edit {path} "
             '| --reject "feedback"')
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        console.print(later)
        return None
    choice = typer.prompt("[a]pprove, [e]dit, [r]eject with feedback, or [l]ater", default="a").strip().lower()[:1]
    if choice == "a":
        return {"action": "approve"}
    if choice == "r":
        return {"action": "reject", "feedback": typer.prompt("Feedback for the planners")}
    if choice == "e":
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if editor:
            import shlex
            import subprocess

            subprocess.call([*shlex.split(editor), str(path)])
        else:
            typer.prompt(f"Edit {path}, then press Enter", default="", show_default=False)
        return _edit_answer(path)
    console.print(later)
    return None


def _edit_answer(path: Path) -> dict[str, Any]:
    """The resume value of an edited review file."""
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise typer.BadParameter(f"{path}: cannot read the edited review file: {exc}") from exc
    if not isinstance(doc, dict):
        raise typer.BadParameter(f"{path}: expected keys files, config_yaml, plan")
    return {"action": "edit", **{k: doc[k] for k in ("files", "config_yaml", "plan") if k in doc}}


@app.command("review")
def review_cmd(
    run_dir: Annotated[Path, typer.Argument(help="A run waiting for review.")],
    approve: Annotated[bool, typer.Option("--approve", help="Code the plan as it is.")] = False,
    edit: Annotated[Path | None, typer.Option("--edit", help="Code this edited review file (review.yaml).")]
    = None,
    reject: Annotated[str, typer.Option("--reject", help="Plan again, acting on this feedback.")] = "",
) -> None:
    """Answer a run's review of its plan, and continue it."""
    from papercoder import durable
    from papercoder.workspace import WorkspaceError

    if sum((approve, edit is not None, bool(reject))) != 1:
        console.print("[red]error[/red] (input): give exactly one of --approve, --edit FILE, --reject TEXT")
        raise typer.Exit(2)
    out_dir = run_dir.resolve()
    try:
        _ws, record, ctx = durable.load(out_dir)
    except WorkspaceError as exc:
        console.print(f"[red]error[/red] (input): {exc}")
        raise typer.Exit(2) from None
    if record.get("status") != "awaiting_review":
        console.print(f"[red]error[/red] (input): {out_dir}: the run is {record.get('status')}, not waiting for review")
        raise typer.Exit(2)
    from langgraph.types import Command

    answer = ({"action": "approve"} if approve else {"action": "reject", "feedback": reject} if reject
              else _edit_answer(edit))  # type: ignore[arg-type]
    _drive(Command(resume=answer), ctx, out_dir, record["thread_id"])


@app.command("verify")
def verify_cmd(
    path: Annotated[Path, typer.Argument(help="A run folder, its repo/, or any repository folder.")],
    repair: Annotated[bool, typer.Option(help="Let the debugger agent fix blocking findings.")] = False,
    repair_rounds: Annotated[int, typer.Option(min=1, help="Most debugger rounds with --repair.")] = 3,
    install: Annotated[bool, typer.Option(help="Install requirements.txt in a cached venv for the sandbox.")]
    = False,
    model: Annotated[str, typer.Option(help="Model of the debugger (with --repair).")] = "local",
    base_url: Annotated[str, typer.Option(help="OpenAI-compatible endpoint URL.")] = "",
    smoke_seconds: Annotated[float, typer.Option(help="Wall-clock limit of the smoke run.")] = 180.0,
) -> None:
    """Check a repository: static checks, then imports and a smoke run in a sandbox (exit 1 on blocking findings)."""
    import json

    from papercoder.graphs.verify import build_verify
    from papercoder.llm import StageError
    from papercoder.workspace import Workspace, default_out_dir

    path = path.resolve()
    if not path.is_dir():
        console.print(f"[red]error[/red] (input): {path}: no such folder")
        raise typer.Exit(2)
    run_dir = path if (path / "run.json").is_file() else path.parent if (path.parent / "run.json").is_file() \
        and path.name == "repo" else None
    repo = run_dir / "repo" if run_dir else path
    state: dict[str, Any] = {"paper": "", "repo_dir": str(repo)}
    if run_dir:
        ws = Workspace(run_dir)
        state.update(out_dir=str(run_dir), run_id=ws.read_run().get("run_id"))
        for key, name in (("dag", "dependency_graph.json"), ("architecture", "architecture.json")):
            if (ws.artifacts / name).is_file():
                state[key] = json.loads((ws.artifacts / name).read_text())
    else:
        ws = Workspace(default_out_dir(f"{path.name}-verify")).start_fresh()
        state.update(out_dir=str(ws.root), run_id=ws.run_id)
    ctx = RunContext(model=model, base_url=base_url, repair_rounds=repair_rounds if repair else 0,
                     install=install, smoke_seconds=smoke_seconds)
    try:
        final = build_verify().compile().invoke(state, context=ctx)
    except StageError as exc:
        console.print(f"[red]error[/red] (stage {exc.stage}): {exc}")
        raise typer.Exit(1) from None
    except RuntimeError as exc:
        console.print(f"[red]error[/red] (stage verify): {exc}")
        raise typer.Exit(1) from None
    v = final["verification"]
    last = v["rounds"][-1]
    for f in last["findings"]:
        mark = "[red]✗[/red]" if f["blocking"] else "[yellow]![/yellow]"
        console.print(f"{mark} {f['file']}:{f['line']}: {f['kind']}: {f['message']}", highlight=False)
    table = Table(title=f"Verification of {repo}", show_header=True)
    for col in ("", *(["before repair", "after"] if len(v["rounds"]) > 1 else ["result"])):
        table.add_column(col)
    rows = [("python files compiling", lambda r: f"{r['compiling']}/{r['python_files']}"),
            ("modules importing", lambda r: f"{r.get('modules_importing', '-')}/{r.get('modules', '-')}"),
            ("smoke run", lambda r: str(r.get("smoke", "-"))),
            ("findings (blocking)", lambda r: f"{r['findings']} ({r['blocking']})")]
    reports = [v["rounds"][0]["report"], *([last["report"]] if len(v["rounds"]) > 1 else [])]
    for label, cell in rows:
        table.add_row(label, *(cell(r) for r in reports))
    Console().print(table)
    console.print("sandbox: " + "; ".join(last["report"].get("isolation", [])) + "\nartifacts: "
                  + str(Path(state["out_dir"]) / "artifacts" / "verify"), highlight=False)
    if last["report"]["blocking"]:
        raise typer.Exit(1)


@app.command()
def ingest(
    paper: Annotated[str, typer.Argument(help=PAPER_HELP)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the Markdown here (default: stdout).")] = None,
    budget: Annotated[int, typer.Option(min=0, help="Token budget: compact the paper to it (0: the whole paper).")] = 0,
    bibliography: Annotated[bool, typer.Option(help="Append the bibliography (agents never get it).")] = False,
    digest: Annotated[bool, typer.Option(help="Compact with the digest's rules (what the agents after the planner "
                                              "see) to --budget.")] = False,
) -> None:
    """Read PAPER as the agents would see it: Markdown, plus a one-line summary."""
    from papercoder.llm.tokens import count_tokens
    from papercoder.paper import PaperReadError, compact, load_paper

    try:
        doc = load_paper(paper)
    except PaperReadError as exc:
        console.print(f"[red]error[/red] (stage ingest): {exc}")
        raise typer.Exit(1) from None
    if budget:
        md, info = compact(doc, budget, digest=digest)
        dropped = info["dropped"]
    else:
        md, dropped = doc.to_markdown(), []
    if bibliography and doc.bibliography:
        md = f"{md.rstrip()}\n\n{doc.bibliography_markdown()}\n"
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(md, encoding="utf-8")
    else:
        sys.stdout.write(md)
    appendix = len(doc.appendix)
    console.print(f"{doc.format}: {doc.title or '(untitled)'}: {len(doc.sections) - appendix} sections"
                  f" + {appendix} in the appendix, {len(doc.equations)} equations, {len(doc.tables)} tables,"
                  f" {len(doc.bibliography)} references kept apart; {count_tokens(md)} tokens"
                  f"{f' (budget {budget})' if budget else ''}; dropped: {_dropped_summary(doc, dropped)}"
                  + "".join(f"\n[yellow]warning[/yellow]: {w}" for w in doc.warnings),
                  highlight=False, soft_wrap=True)


def _dropped_summary(doc: Any, dropped: list[str]) -> str:
    """The dropped top-level sections by name, and how many sections were dropped in all."""
    if not dropped:
        return "nothing"
    level = {s.heading: s.level for s in doc.sections}
    top = [h for h in dropped if level.get(h, 1) <= 1]
    return f"{len(dropped)} sections ({', '.join(top or dropped)})"


def _in_background(stream: Iterator[Any]) -> Iterator[Any]:
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


def _stage_models(pairs: list[str]) -> dict[str, str]:
    """``["coding=openai:gpt-4.1-mini"]`` -> ``{"coding_model": "openai:gpt-4.1-mini"}``."""
    from papercoder.context import STAGES

    out = {}
    for pair in pairs:
        stage, sep, spec = pair.partition("=")
        if not sep or stage.strip() not in STAGES or not spec.strip():
            raise ValueError(f"--stage-model {pair!r}: expected STAGE=SPEC with STAGE one of {', '.join(STAGES)}")
        out[f"{stage.strip()}_model"] = spec.strip()
    return out


def _dry_run(src: Path, ctx: RunContext) -> None:
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


def _print_summary(summary: dict[str, Any], out_dir: Path, seconds: float) -> None:
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


def _register_eval_commands() -> None:
    from papercoder.batch.command import batch_cmd
    from papercoder.eval.command import eval_cmd

    app.command("eval")(eval_cmd)
    app.command("batch")(batch_cmd)


_register_eval_commands()


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM ends the run like Ctrl-C: run.json says "interrupted"


def main() -> None:
    """Entry point of the ``papercoder`` script."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    finally:
        from papercoder.llm.embedded import EmbeddedServer

        EmbeddedServer.stop_shared()


if __name__ == "__main__":  # pragma: no cover
    main()
