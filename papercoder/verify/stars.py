"""``from <repository module> import *`` made explicit, so nothing hides an undefined name.

A star import of another repository file makes every name the file uses look possibly defined: pyflakes can only
say "may be undefined, or defined from star imports", so the undefined-name check, the coder's re-ask and the
import completion all go blind. Seen on Bridging Data Gaps: main.py did ``from utils import *`` four times over
and called ``load_data``, which no file defines at top level; the static check found nothing, and the smoke run
died on ``NameError``.

Each such import becomes an explicit import of the names the file takes from it (the module's top-level names,
through its own star imports of repository files, the last star import winning as in Python). A name no star
module defines is then reported as undefined, like any other.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from pyflakes import checker as pyflakes_checker
from pyflakes import messages as pyflakes_messages

from papercoder.verify.pysource import module_name, top_level_names


def expand_star_imports(code: str, path: str, others: Mapping[str, str]) -> tuple[str, str | None]:
    """``code`` with its star imports of repository modules made explicit, and one sentence saying so (or None).

    Args:
        code: The file's source.
        path: Its path in the repository.
        others: The repository's other files (path to source).

    Returns:
        The source (unchanged when it does not parse, has no such import, or a star module's names cannot be
        read) and the change made.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code, None
    paths = {module_name(p): p for p in others if p.endswith(".py") and p != path}
    stars = [n for n in tree.body if isinstance(n, ast.ImportFrom) and not n.level and n.module in paths
             and [a.name for a in n.names] == ["*"]]
    if not stars:
        return code, None
    exported = {n.module: _exported(paths[n.module], others, paths, set()) for n in stars}
    if any(names is None for names in exported.values()):
        return code, None
    wanted = _star_used(tree, path)
    taken: dict[str, list[str]] = {n.module: [] for n in stars}
    for name in sorted(wanted):
        owner = next((n.module for n in reversed(stars) if name in exported[n.module]), None)
        if owner:
            taken[owner].append(name)
    lines = code.splitlines(keepends=True)
    for node in reversed(stars):
        names = taken[node.module]
        new = [f"from {node.module} import {', '.join(names)}\n"] if names else []
        lines[node.lineno - 1:node.end_lineno] = new
        taken[node.module] = []  # a module star-imported twice is imported once, at its last place
    made = ", ".join(f"`from {m} import *`" for m in dict.fromkeys(n.module for n in stars))
    return "".join(lines), f"made {made} explicit (the names used from there), so undefined names show"


def _exported(path: str, others: Mapping[str, str], paths: Mapping[str, str], seen: set[str]) -> set[str] | None:
    """Names ``from <path's module> import *`` binds: its public top-level names, through its own star imports."""
    if path in seen:
        return set()
    seen.add(path)
    names = top_level_names(others[path])
    if names is None:
        return None
    out = {n for n in names if n != "*" and not n.startswith("_")}
    tree = ast.parse(others[path])
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and [a.name for a in node.names] == ["*"]:
            inner = _exported(paths[node.module], others, paths, seen) if node.module in paths else None
            if inner is None:
                return None  # a star import of a package: its names are not known here
            out |= inner
    return out


def _star_used(tree: ast.Module, path: str) -> set[str]:
    """Names the code uses that only a star import can define (pyflakes' "may be undefined")."""
    checker = pyflakes_checker.Checker(tree, filename=path)
    return {m.message_args[0] for m in checker.messages if isinstance(m, pyflakes_messages.ImportStarUsage)}
