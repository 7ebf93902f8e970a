"""One verification round (static checks, then the sandbox) and the order in which files get repaired."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from papercoder.verify.execute import execute
from papercoder.verify.findings import Finding
from papercoder.verify.sandbox import Limits
from papercoder.verify.static import check_repo, python_files


def verify(repo: Path, *, dag: Mapping[str, Any] | None = None, entry_point: str = "main.py",
           run: bool = True, install: bool = True, smoke_seconds: float = 180.0) -> tuple[list[Finding], dict]:
    """Static findings plus, with ``run``, the sandbox's; and the executability figures."""
    repo = Path(repo)
    findings = check_repo(repo, dag)
    paths, _ = python_files(repo)
    syntax = {f.file for f in findings if f.kind == "syntax"}
    report: dict[str, Any] = {"python_files": len(paths), "compiling": len(paths) - len(syntax)}
    if run:
        ran, execution = execute(repo, entry_point=entry_point, install=install,
                                 limits=Limits(wall_seconds=smoke_seconds))
        findings += ran
        report.update({k: execution[k] for k in ("modules", "modules_importing", "smoke", "isolation", "notes",
                                                 "failed_imports") if k in execution})
        if execution.get("smoke_error"):
            report["smoke_error"] = execution["smoke_error"]
    report["findings"] = len(findings)
    report["blocking"] = sum(f.blocking for f in findings)
    report["by_kind"] = {k: sum(f.kind == k for f in findings) for k in sorted({f.kind for f in findings})}
    return findings, report


def repair_order(findings: list[Finding], dag: Mapping[str, Any] | None) -> list[str]:
    """Files with blocking findings, dependencies first (the DAG's generations), then the rest by name."""
    files = {f.file for f in findings if f.blocking and f.file.endswith(".py")}
    order: list[str] = [f for gen in (dag or {}).get("generations", []) for f in gen if f in files]
    return order + sorted(files - set(order))
