"""Executability of a repository, measured in the sandbox: every module imports, the entry point's smoke run.

The code runs in its runtime (``papercoder.verify.runtime``): a cached environment with requirements.txt
installed, by default; with ``install=False``, a bare one (a missing third-party package is then a finding).
A requirement that could not be installed is a finding naming it; the rest of the repository is still run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from papercoder.verify.distributions import name_of
from papercoder.verify.findings import Finding
from papercoder.verify.pysource import module_name
from papercoder.verify.runtime import Runtime, runtime_for
from papercoder.verify.sandbox import Limits, Sandbox
from papercoder.verify.static import python_files

IMPORT_ONE = "import importlib, sys; importlib.import_module(sys.argv[1])"
MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '([^']+)'")
_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def _where(stderr: str, sandbox_repo: Path) -> tuple[str, int]:
    """The last traceback frame inside the repository: (relative file, line)."""
    frames = [(f, int(n)) for f, n in _FRAME.findall(stderr) if f.startswith(str(sandbox_repo))]
    if not frames:
        return "", 0
    f, n = frames[-1]
    return str(Path(f).relative_to(sandbox_repo)), n


def _last_error(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    return lines[-1][:400] if lines else "no error output"


def execute(repo: Path, *, entry_point: str = "main.py", install: bool = True,
            limits: Limits | None = None, smoke_args: tuple[str, ...] = ("--config", "config.yaml", "--smoke")
            ) -> tuple[list[Finding], dict[str, Any]]:
    """Import every module and run the entry point's smoke mode in the sandbox.

    Returns:
        The findings, and the report: isolation in force, modules importing, smoke result, seconds.
    """
    repo = Path(repo)
    paths, findings = python_files(repo)
    rt = runtime_for(repo, install=install)
    findings += _requirement_findings(rt)
    python = rt.python
    modules = {module_name(p): p for p in paths}
    report: dict[str, Any] = {"python": python, "notes": rt.notes, "modules": len(modules), "modules_importing": 0,
                              "failed_imports": {}, "smoke": "skipped", "install_seconds": rt.seconds,
                              "runtime": {"installed": rt.installed, "relaxed": rt.relaxed, "failed": rt.failed,
                                          "cached": rt.cached, "bare": rt.bare}}
    repo_tops = {m.split(".")[0] for m in modules}
    with Sandbox(repo, python=python, limits=limits or Limits()) as sbx:
        report["isolation"] = sbx.isolation
        for name, rel in modules.items():
            out = sbx.run(["python", "-c", IMPORT_ONE, name], wall_seconds=60)
            if out.ok:
                report["modules_importing"] += 1
                continue
            report["failed_imports"][rel] = "timeout" if out.timed_out else _last_error(out.stderr)
            findings.append(_import_finding(rel, out, sbx.root / "repo", modules))
        entry = repo / entry_point
        if entry.is_file():
            out = sbx.run(["python", entry_point, *smoke_args])
            report["smoke"] = "passed" if out.ok else "timeout" if out.timed_out else "failed"
            report["smoke_seconds"] = out.seconds
            if not out.ok:
                file, line = _where(out.stderr, sbx.root / "repo")
                missing = MISSING_MODULE.search(out.stderr)
                if not out.timed_out and missing and missing.group(1).split(".")[0] not in repo_tops:
                    # not the code's fault where it ran: a package is not installed (--no-install, or it would not)
                    findings.append(Finding(file=file or entry_point, line=line, kind="missing_package",
                                            blocking=False, message=f"the smoke run stopped: {missing.group(1)} "
                                            "is not installed where the code ran"))
                else:
                    findings.append(Finding(file=file or entry_point, line=line,
                                            kind="timeout" if out.timed_out else "smoke_failed",
                                            message=(f"the smoke run ran past {sbx.limits.wall_seconds:.0f} s"
                                                     if out.timed_out else _last_error(out.stderr))))
                    report["smoke_error"] = out.stderr[-3000:]
        report["isolation"] = sbx.isolation
    return findings, report


def _requirement_findings(rt: Runtime) -> list[Finding]:
    """A requirement that could not be installed, by name (blocking when no such distribution exists)."""
    out = [Finding(file="requirements.txt", kind="uninstallable_requirement", blocking="No matching distribution"
                   in why, message=f"{req} could not be installed: {why}") for req, why in rt.failed.items()]
    out += [Finding(file="requirements.txt", kind="relaxed_requirement", blocking=False,
                    message=f"{req}: no such version; installed {name_of(req)} without the pin") for req in rt.relaxed]
    return out


def _import_finding(rel: str, out: Any, sandbox_repo: Path, modules: dict[str, str]) -> Finding:
    if out.timed_out:
        return Finding(file=rel, kind="timeout", message="importing the module ran past its time limit "
                       "(top-level code that does not return?)")
    missing = MISSING_MODULE.search(out.stderr)
    if missing and missing.group(1).split(".")[0] not in {m.split(".")[0] for m in modules}:
        return Finding(file=rel, line=_where(out.stderr, sandbox_repo)[1], kind="missing_package",
                       message=f"{missing.group(1)} is not installed where the code ran", blocking=False)
    file, line = _where(out.stderr, sandbox_repo)
    return Finding(file=file or rel, line=line, kind="import_error",
                   message=f"importing {rel}: {_last_error(out.stderr)}")
