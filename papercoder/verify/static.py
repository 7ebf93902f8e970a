"""Static checks of a generated repository: nothing is imported or run.

Every ``.py`` file compiles; no name is used where nothing defines it (pyflakes); every import of a repository
module resolves to a file and every name taken from it is defined there; every third-party import is in
requirements.txt; every config key the code reads exists in config.yaml; the imports written agree with the
planned dependency graph; reproduce.sh calls a file that exists.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyflakes import checker as pyflakes_checker
from pyflakes import messages as pyflakes_messages

from papercoder import configkeys
from papercoder.verify.distributions import STDLIB, distribution_of, is_known_package, requirement_names
from papercoder.verify.findings import Finding
from papercoder.verify.pysource import imports, module_name, runs_something, top_level_names

MAX_FILES = 500
"""Most Python files read; a larger repository is checked in part (and says so)."""
MAX_BYTES = 2_000_000
"""Largest Python file read."""


def python_files(repo: Path) -> tuple[list[str], list[Finding]]:
    """The repository's Python files (relative, sorted; hidden folders skipped), capped at :data:`MAX_FILES`."""
    paths = sorted(str(p.relative_to(repo)) for p in repo.rglob("*.py")
                   if p.is_file() and not p.is_symlink()
                   and not any(part.startswith(".") for part in p.relative_to(repo).parts))
    findings = []
    if len(paths) > MAX_FILES:
        findings.append(Finding(file=".", kind="too_many_files", blocking=False,
                                message=f"{len(paths)} Python files; only the first {MAX_FILES} are checked"))
        paths = paths[:MAX_FILES]
    return paths, findings


def _read(repo: Path, rel: str) -> str | None:
    path = repo / rel
    if path.stat().st_size > MAX_BYTES:
        return None
    return path.read_text(encoding="utf-8", errors="replace")


def check_repo(repo: Path, dag: Mapping[str, Any] | None = None) -> list[Finding]:
    """All static findings of the repository at ``repo`` (``dag``: the planned dependency graph, if any)."""
    repo = Path(repo)
    paths, findings = python_files(repo)
    sources = {p: s for p in paths if (s := _read(repo, p)) is not None}
    modules = {module_name(p): p for p in sources}
    packages = {m.rsplit(".", 1)[0] for m in modules if "." in m} | {m for m, p in modules.items()
                                                                     if p.endswith("__init__.py")}
    repo_tops = {m.split(".")[0] for m in modules} | {p.split(".")[0] for p in packages}
    requirements_file = repo / "requirements.txt"
    required = requirement_names(requirements_file.read_text()) if requirements_file.is_file() else set()
    config = configkeys.load((repo / "config.yaml").read_text()) if (repo / "config.yaml").is_file() else None
    reported_dists: set[str] = set()
    planned = _planned_deps(dag)
    planned_files = set(planned or ())

    for rel, code in sources.items():
        try:
            tree = ast.parse(code, filename=rel)
            compile(tree, rel, "exec", dont_inherit=True)
        except SyntaxError as exc:
            findings.append(Finding(file=rel, line=exc.lineno or 0, kind="syntax", message=exc.msg or str(exc)))
            continue
        except ValueError as exc:
            findings.append(Finding(file=rel, kind="syntax", message=str(exc)))
            continue
        findings += undefined_names(tree, rel)
        package = module_name(rel) if rel.endswith("__init__.py") else module_name(rel).rpartition(".")[0]
        repo_deps: set[str] = set()
        for imp in imports(tree, package):
            top = imp.module.split(".")[0]
            if top in repo_tops:
                findings += _check_repo_import(imp, rel, modules, packages, sources, repo_deps)
            elif top not in STDLIB and not imp.optional:
                dist = distribution_of(imp.module)
                if dist in required or dist in reported_dists:
                    continue
                reported_dists.add(dist)
                if f"{top}.py" in planned_files or not is_known_package(imp.module):
                    findings.append(Finding(file=rel, line=imp.line, kind="missing_module", target=f"{top}.py",
                                            message=f"imports {imp.module}: no {top}.py in the repository and no "
                                            f"{dist} in requirements.txt"))
                else:
                    findings.append(Finding(file=rel, line=imp.line, kind="missing_requirement",
                                            message=f"imports {imp.module} but requirements.txt lacks {dist}"))
        if config is not None:
            for key in configkeys.unknown_in_code(code, config):
                findings.append(Finding(file=rel, line=_line_of(code, key.split(".")[-1]), kind="config_key",
                                        message=f"reads config key {key}, which config.yaml does not have"))
        if planned is not None and rel in planned:
            extra = sorted(repo_deps - planned[rel] - {rel})
            if extra:
                findings.append(Finding(file=rel, kind="dag_mismatch", blocking=False,
                                        message=f"imports {', '.join(extra)}, not among its planned dependencies"))
    findings += _check_reproduce(repo)
    return findings


def _check_repo_import(imp: Any, rel: str, modules: dict[str, str], packages: set[str], sources: dict[str, str],
                       repo_deps: set[str]) -> list[Finding]:
    out = []
    if imp.module not in modules and imp.module not in packages:
        return [Finding(file=rel, line=imp.line, kind="missing_module",
                        target=imp.module.replace(".", "/") + ".py",
                        message=f"imports {imp.module}, but the repository has no {imp.module.replace('.', '/')}.py")]
    if imp.module in modules:
        repo_deps.add(modules[imp.module])
        defined = top_level_names(sources[modules[imp.module]])
    else:
        defined = None
    for name in imp.names:
        sub = f"{imp.module}.{name}"
        if sub in modules:
            repo_deps.add(modules[sub])
            continue
        if name != "*" and defined is not None and name not in defined:
            out.append(Finding(file=rel, line=imp.line, kind="undefined_name",
                               message=f"imports {name} from {imp.module}, which does not define it"))
    return out


def undefined_names(tree: ast.Module, rel: str) -> list[Finding]:
    """Names used where nothing defines them, by pyflakes: anywhere, and at module level before their definition.

    Found without running anything, so a module-level ``NameError`` shows even where an import before it would
    fail for a missing package.
    """
    checker = pyflakes_checker.Checker(tree, filename=rel)
    return [Finding(file=rel, line=m.lineno, kind="name_error", message=m.message % m.message_args)
            for m in sorted(checker.messages, key=lambda m: m.lineno)
            if isinstance(m, pyflakes_messages.UndefinedName | pyflakes_messages.UndefinedLocal)]


def _planned_deps(dag: Mapping[str, Any] | None) -> dict[str, set[str]] | None:
    if not dag:
        return None
    deps: dict[str, set[str]] = {n: set() for n in dag.get("nodes", [])}
    for dep, dependent in dag.get("edges", []):
        deps.setdefault(dependent, set()).add(dep)
    return deps


def _line_of(code: str, needle: str) -> int:
    for i, line in enumerate(code.splitlines(), 1):
        if needle in line:
            return i
    return 0


def _check_reproduce(repo: Path) -> list[Finding]:
    script = repo / "reproduce.sh"
    if not script.is_file():
        return []
    out = []
    for i, line in enumerate(script.read_text(errors="replace").splitlines(), 1):
        m = re.search(r"\bpython3?\s+(?:-\S+\s+)*['\"]?([\w./-]+\.py)", line)
        if m and not (repo / m.group(1)).is_file():
            out.append(Finding(file="reproduce.sh", line=i, kind="entry_point",
                               message=f"runs {m.group(1)}, which the repository does not have"))
        elif m and not runs_something((repo / m.group(1)).read_text(errors="replace")):
            out.append(Finding(file=m.group(1), kind="entry_point",
                               message=f"reproduce.sh runs {m.group(1)}, which does nothing when started: it needs "
                               "a main() that parses --config and --smoke and runs the experiment, called under "
                               "`if __name__ == \"__main__\":`"))
    return out
