"""``papercoder verify``: check a repository (static checks, sandboxed imports, a smoke run), optionally repair."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from papercoder.cli.common import console, input_error
from papercoder.context import RunContext


def verify_cmd(
    path: Annotated[Path, typer.Argument(help="A run folder, its repo/, or any repository folder.")],
    repair: Annotated[bool, typer.Option(help="Let the debugger agent fix blocking findings.")] = False,
    repair_rounds: Annotated[int, typer.Option(min=1, help="Most debugger rounds with --repair.")] = 3,
    install: Annotated[bool, typer.Option(help="Run the code with requirements.txt installed (a cached venv); "
                                          "--no-install: a bare interpreter.")] = True,
    model: Annotated[str, typer.Option(help="Model of the debugger (with --repair).")] = "local",
    base_url: Annotated[str, typer.Option(help="OpenAI-compatible endpoint URL.")] = "",
    smoke_seconds: Annotated[float, typer.Option(help="Wall-clock limit of the smoke run.")] = 180.0,
) -> None:
    """Check a repository: static checks, then imports and a smoke run in a sandbox (exit 1 on blocking findings)."""
    from papercoder.graphs.verify import build_verify
    from papercoder.llm import StageError

    path = path.resolve()
    if not path.is_dir():
        input_error(f"{path}: no such folder")
    state, repo = _state(path)
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
    last = _report(final["verification"], repo)
    console.print("sandbox: " + "; ".join(last["report"].get("isolation", [])) + "\nartifacts: "
                  + str(Path(state["out_dir"]) / "artifacts" / "verify"), highlight=False)
    if last["report"]["blocking"]:
        raise typer.Exit(1)


def _state(path: Path) -> tuple[dict[str, Any], Path]:
    """The verify graph's input for ``path`` (a run folder, its repo/, or any folder) and the repository."""
    from papercoder.workspace import Workspace, default_out_dir

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
    return state, repo


def _report(v: dict[str, Any], repo: Path) -> dict[str, Any]:
    """Print the last round's findings and the before/after table; the last round."""
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
    return last
