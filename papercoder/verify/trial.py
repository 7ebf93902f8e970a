"""Running generated code while it is written: one file's import, the entry point's smoke run.

Both run in the sandbox, in the code's runtime (``papercoder.verify.runtime``), on a private copy of the
repository as written so far. What comes back is what a coder needs to fix its file: the error with the
traceback cut to the repository's own frames, and the repository file of the innermost frame.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from papercoder.verify.distributions import STDLIB, distribution_of, is_known_package, name_of
from papercoder.verify.execute import IMPORT_ONE, MISSING_MODULE
from papercoder.verify.pysource import imports, module_name
from papercoder.verify.runtime import runtime_for_requirements
from papercoder.verify.sandbox import Limits, Outcome, Sandbox
from papercoder.workspace import Workspace

IMPORT_SECONDS = 60.0
"""Longest one file's import may take."""
SMOKE_SECONDS = 180.0
"""Longest the smoke run may take."""
SMOKE_ARGS = ("--config", "config.yaml", "--smoke")
_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+)')


def record(ws: Workspace, name: str, check: str, trial: Trial) -> None:
    """Keep a check's result in ``artifacts/execution/<name>.json`` and its seconds in run.json's ``execution``.

    The artifact holds no timings, so two runs of the same answers write the same artifacts.
    """
    ws.write_artifact(f"execution/{name}.json", {"check": check, "ok": trial.ok, "error": trial.error,
                                                  "file": trial.file, "not_ours": trial.not_ours})
    ws.append_run("execution", {"check": check, "name": name, "ok": trial.ok, "seconds": trial.seconds,
                                "install_seconds": trial.install_seconds})


@dataclass
class Trial:
    """What running the code did."""

    ok: bool
    seconds: float
    """Wall time of the check: copy, start, run (installation not included)."""
    error: str = ""
    """The traceback, cut to the repository's frames ("" when it ran)."""
    file: str = ""
    """The repository file of the innermost frame of the error."""
    not_ours: bool = False
    """True when the code stopped on a third-party package missing where it ran: nothing for its coder to fix."""
    install_seconds: float = 0.0
    """Time spent installing the runtime first (0 when it was made before); not in ``seconds``."""


def cut_traceback(stderr: str, sandbox_repo: Path) -> tuple[str, str]:
    """The traceback with only the repository's frames (paths made relative), and the innermost frame's file."""
    root = str(sandbox_repo).rstrip("/") + "/"
    lines = stderr.rstrip().splitlines()
    out, keep, innermost = [], True, ""
    for line in lines:
        m = _FRAME.match(line)
        if m:
            keep = m.group(1).startswith(root)
            if keep:
                innermost = m.group(1)[len(root):]
                out.append(line.replace(root, ""))
            continue
        if keep or not line.startswith("    "):
            out.append(line.replace(root, ""))
    text = "\n".join(ln for ln in out if ln.strip())
    return text[-3000:], innermost


def _outcome(out: Outcome, sbx: Sandbox, tops: set[str], limit: float) -> Trial:
    error, file = cut_traceback(out.stderr, sbx.root / "repo")
    if out.timed_out:
        return Trial(False, out.seconds, f"it ran past {limit:.0f} s", file)
    missing = MISSING_MODULE.search(out.stderr)
    # a known third-party package missing where the code ran is not its coder's to fix; an invented module is
    not_ours = bool(missing) and missing.group(1).split(".")[0] not in tops and is_known_package(missing.group(1))
    return Trial(False, out.seconds, error or "no error output", file, not_ours)


def _trial(repo: Path, requirements: list[str], install: bool, limit: float, args: list[str],
           files: dict[str, str]) -> Trial:
    """Run ``args`` in a copy of ``repo`` (with ``files`` written over it), in the code's runtime."""
    rt = runtime_for_requirements(requirements, install=install)
    started = time.monotonic()
    with Sandbox(repo, python=rt.python, limits=Limits(wall_seconds=limit)) as sbx:
        for rel, text in files.items():
            (sbx.root / "repo" / rel).parent.mkdir(parents=True, exist_ok=True)
            (sbx.root / "repo" / rel).write_text(text, encoding="utf-8")
        tops = {p.split("/")[0].removesuffix(".py") for p in _python_files(sbx.root / "repo")}
        out = sbx.run(args, wall_seconds=limit)
        trial = Trial(True, 0.0) if out.ok else _outcome(out, sbx, tops, limit)
    trial.seconds, trial.install_seconds = round(time.monotonic() - started, 2), rt.seconds
    return trial


def try_import(repo: Path, path: str, code: str, requirements: list[str], *, install: bool = True) -> Trial:
    """Import ``path`` with ``code`` as its text, in a copy of ``repo`` as written so far."""
    return _trial(repo, requirements, install, IMPORT_SECONDS, ["python", "-c", IMPORT_ONE, module_name(path)],
                  {path: code})


def smoke_run(repo: Path, entry_point: str, requirements: list[str], *, install: bool = True) -> Trial:
    """The entry point's smoke run (tiny synthetic data, one step) in a copy of ``repo``."""
    return _trial(repo, requirements, install, SMOKE_SECONDS, ["python", entry_point, *SMOKE_ARGS], {})


def _python_files(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for p in root.rglob("*.py")]


def requirements_of(packages: list[str], sources: Mapping[str, str] | None = None) -> list[str]:
    """The requirement lines the code runs with, with PyYAML (config.yaml is read with it).

    Without ``sources``: the planned packages. With them (path to code of the repository as written): the
    well-known packages the code imports, each with the plan's line for it where the plan has one (its pin).
    Seen on What Will My Model Forget: the plan listed tensorflow, keras and invented names but not
    transformers, which every file imported, so each import check ended in "No module named 'transformers'"
    and told the coder nothing.
    """
    if sources:
        planned = {name_of(p): p for p in packages}
        local = {p.split("/")[0].removesuffix(".py") for p in sources}
        wanted: dict[str, None] = {}
        for path, code in sources.items():
            try:
                tree = ast.parse(code)
            except SyntaxError:
                continue
            for imp in imports(tree, module_name(path).rpartition(".")[0]):
                top = imp.module.split(".")[0]
                if top and not imp.optional and top not in STDLIB and top not in local and is_known_package(top):
                    wanted[distribution_of(imp.module)] = None
        packages = [planned.get(d, d) for d in sorted(wanted)]
    names = {name_of(p) for p in packages}
    return [*packages, *([] if names & {"pyyaml", "yaml"} else ["pyyaml"])]
