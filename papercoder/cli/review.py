"""The review of a plan at the terminal: review.yaml, the plan shown, the answer asked for or read back."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from papercoder.cli.common import console


def review_file(request: dict[str, Any], out_dir: Path) -> Path:
    """Write ``DIR/review.yaml``: the editable part of the plan (files, config.yaml, plan)."""
    from papercoder.review import review_yaml

    path = out_dir / "review.yaml"
    path.write_text("# Edit files (path, logic, depends_on), config_yaml, plan or checklist, then:\n"
                    f"#   papercoder review {out_dir} --edit {path}\n" + review_yaml(request), encoding="utf-8")
    return path


def show_review(request: dict[str, Any]) -> None:
    """Print the plan, its files and coding order, the checklist and config.yaml to stderr."""
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
    if request.get("interfaces"):
        out.rule("Interfaces (what each file defines)")
        for path, rows in request["interfaces"].items():
            out.print(f"{path}\n{rows}", markup=False, highlight=False)
    if request.get("checklist"):
        items = Table(title="The paper's requirements (checklist)")
        for col in ("id", "kind", "requirement", "value", "files"):
            items.add_column(col)
        for i in request["checklist"]:
            items.add_row(i["id"], i["kind"], i["requirement"][:80], i.get("value", ""), ", ".join(i["files"]))
        out.print(items)
    out.rule("config.yaml")
    out.print(request["config_yaml"].strip(), markup=False, highlight=False)


def review_at_terminal(request: dict[str, Any], out_dir: Path) -> dict[str, Any] | None:
    """Ask the person at the terminal; None (the run waits) when there is no terminal or they choose later."""
    path = review_file(request, out_dir)
    show_review(request)
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
        return edit_answer(path)
    console.print(later)
    return None


def edit_answer(path: Path) -> dict[str, Any]:
    """The resume value of an edited review file."""
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise typer.BadParameter(f"{path}: cannot read the edited review file: {exc}") from exc
    if not isinstance(doc, dict):
        raise typer.BadParameter(f"{path}: expected keys files, config_yaml, plan, checklist")
    return {"action": "edit", **{k: doc[k] for k in ("files", "config_yaml", "plan", "checklist") if k in doc}}
