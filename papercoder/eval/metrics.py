"""Static metrics of a generated repository: what can be counted without a judge."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from papercoder import coverage
from papercoder.eval.files import repo_files


def run_folder_of(repo: Path) -> Path | None:
    """The PaperCoder run folder holding ``repo`` (it has run.json beside ``repo/``), if any."""
    parent = repo.resolve().parent
    return parent if (parent / "run.json").is_file() and repo.name == "repo" else None


def planned_files(repo: Path) -> list[str]:
    """The files the run's architect planned, in plan order (empty when ``repo`` is not a run's repo)."""
    run = run_folder_of(repo)
    if run is None:
        return []
    try:
        arch = json.loads((run / "artifacts" / "architecture.json").read_text(encoding="utf-8"))
        return [f["path"] for f in arch.get("files", [])]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def static_metrics(repo: Path) -> dict[str, Any]:
    """Files, lines, functions and classes; the share of planned files present; executability when recorded."""
    files = repo_files(repo)
    py = [f for f in files if f.path.endswith(".py")]
    functions = classes = unparsable = 0
    for f in py:
        try:
            tree = ast.parse(f.text)
        except (SyntaxError, ValueError):
            unparsable += 1
            continue
        for node in ast.walk(tree):
            functions += isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            classes += isinstance(node, ast.ClassDef)
    planned = planned_files(repo)
    present = [p for p in planned if (repo / p).is_file()]
    out: dict[str, Any] = {
        "files": len(files), "python_files": len(py),
        "lines": sum(len(f.text.splitlines()) for f in files),
        "python_lines": sum(len(f.text.splitlines()) for f in py),
        "functions": functions, "classes": classes, "python_files_not_parsing": unparsable,
        "planned_files": len(planned), "planned_files_present": len(present),
        "planned_share_present": round(len(present) / len(planned), 3) if planned else None,
        "has": {name: (repo / name).is_file() for name in ("config.yaml", "requirements.txt", "README.md",
                                                          "reproduce.sh")},
    }
    run = run_folder_of(repo)
    if run is not None:
        try:
            record = json.loads((run / "run.json").read_text(encoding="utf-8"))
            if record.get("verification"):
                out["executability"] = record["verification"]
        except (OSError, ValueError):
            pass
    return out


def checklist_coverage(repo: Path) -> dict[str, Any] | None:
    """The run's checklist and where each item is in ``repo`` as it is now (None without a run or checklist)."""
    run = run_folder_of(repo)
    path = run / "artifacts" / "checklist.json" if run else None
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not data.get("items"):
        return None
    sources = {f.path: f.text for f in repo_files(repo) if f.path.endswith((".py", ".sh", ".md"))}
    config = repo / "config.yaml"
    found = coverage.trace(data, sources, config.read_text(encoding="utf-8") if config.is_file() else "")
    return {"items": data["items"], "coverage": {k: v for k, v in found.items() if k != "items"}}
