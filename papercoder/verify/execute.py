"""Executability of a repository, measured in the sandbox: every module imports, the entry point's smoke run.

Python for the sandbox: a bare virtual environment (no packages, so a missing third-party package shows as
a finding, not as the framework's own packages leaking in), or, with ``install=True``, one per distinct
requirements.txt with those requirements installed by pip (outside the sandbox; cached).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import platformdirs

from papercoder.verify.findings import Finding
from papercoder.verify.pysource import module_name
from papercoder.verify.sandbox import Limits, Sandbox
from papercoder.verify.static import python_files

IMPORT_ONE = "import importlib, sys; importlib.import_module(sys.argv[1])"
_MISSING = re.compile(r"ModuleNotFoundError: No module named '([^']+)'")
_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def environments_dir() -> Path:
    """Where sandbox interpreters are kept (``<user cache>/papercoder/sandbox-envs``)."""
    return Path(platformdirs.user_cache_dir("papercoder")) / "sandbox-envs"


def _python_of(env: Path) -> str:
    return str(env / "bin" / "python")


def sandbox_python(repo: Path, *, install: bool = False) -> tuple[str, list[str]]:
    """The interpreter to run ``repo`` with, and notes for the report.

    Raises:
        RuntimeError: When installing the requirements fails (the pip output names the package).
    """
    base = getattr(sys, "_base_executable", sys.executable)
    if not install:
        env = environments_dir() / "bare"
        if not Path(_python_of(env)).exists():
            venv.EnvBuilder(with_pip=False, clear=True).create(env)
        return _python_of(env), ["bare interpreter: third-party packages are not installed (use --install)"]
    req = repo / "requirements.txt"
    text = req.read_text() if req.is_file() else ""
    env = environments_dir() / ("req-" + hashlib.sha256(text.encode()).hexdigest()[:16])
    marker = env / ".papercoder-installed"
    if not marker.exists():
        subprocess.run([base, "-m", "venv", "--clear", str(env)], check=True, capture_output=True)
        if text.strip():
            done = subprocess.run([_python_of(env), "-m", "pip", "install", "--quiet", "-r", str(req)],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"pip could not install {req}: {done.stderr.strip()[-800:]}")
        marker.write_text(text)
    return _python_of(env), [f"requirements installed in {env}"]


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


def execute(repo: Path, *, entry_point: str = "main.py", install: bool = False,
            limits: Limits | None = None, smoke_args: tuple[str, ...] = ("--config", "config.yaml", "--smoke")
            ) -> tuple[list[Finding], dict[str, Any]]:
    """Import every module and run the entry point's smoke mode in the sandbox.

    Returns:
        The findings, and the report: isolation in force, modules importing, smoke result, seconds.
    """
    repo = Path(repo)
    paths, findings = python_files(repo)
    python, notes = sandbox_python(repo, install=install)
    modules = {module_name(p): p for p in paths}
    report: dict[str, Any] = {"python": python, "notes": notes, "modules": len(modules), "modules_importing": 0,
                              "failed_imports": {}, "smoke": "skipped"}
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
                missing = _MISSING.search(out.stderr)
                if not out.timed_out and missing and missing.group(1).split(".")[0] not in repo_tops:
                    # not the code's fault where it ran: a package is not installed (see --install)
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


def _import_finding(rel: str, out: Any, sandbox_repo: Path, modules: dict[str, str]) -> Finding:
    if out.timed_out:
        return Finding(file=rel, kind="timeout", message="importing the module ran past its time limit "
                       "(top-level code that does not return?)")
    missing = _MISSING.search(out.stderr)
    if missing and missing.group(1).split(".")[0] not in {m.split(".")[0] for m in modules}:
        return Finding(file=rel, line=_where(out.stderr, sandbox_repo)[1], kind="missing_package",
                       message=f"{missing.group(1)} is not installed where the code ran", blocking=False)
    file, line = _where(out.stderr, sandbox_repo)
    return Finding(file=file or rel, line=line, kind="import_error",
                   message=f"importing {rel}: {_last_error(out.stderr)}")
