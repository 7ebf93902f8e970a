"""What the files of a repository expect of a module that does not exist: the names they import, and their uses.

Given to the coder that writes the missing module, so that it defines what its importers call, the way they
call it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from papercoder.verify.pysource import module_name

MAX_USES = 4
"""Lines shown per name and importer."""


def _importers(tree: ast.Module, module: str) -> tuple[list[str], set[str], str]:
    """The names taken from ``module``, the local names the module itself is bound to, and the import lines."""
    names, aliases, lines = [], set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == module and not node.level:
            names += [a.asname or a.name for a in node.names if a.name != "*"]
            lines.append(ast.unparse(node))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == module:
                    aliases.add(a.asname or a.name)
                    lines.append(ast.unparse(node))
    return names, aliases, "; ".join(lines)


def _uses(tree: ast.Module, source: list[str], names: list[str], aliases: set[str]) -> dict[str, list[int]]:
    """Line numbers where each name (or ``alias.attribute``) is used."""
    uses: dict[str, list[int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in names and isinstance(node.ctx, ast.Load):
            uses.setdefault(node.id, []).append(node.lineno)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            uses.setdefault(f"{node.value.id}.{node.attr}", []).append(node.lineno)
    return {k: sorted(set(v))[:MAX_USES] for k, v in uses.items()}


def expectations(repo: Path, missing: str) -> str:
    """What the repository's files expect of the missing file ``missing`` (a path like ``utils/io.py``)."""
    module = module_name(missing)
    parts = []
    for path in sorted(Path(repo).rglob("*.py")):
        rel = str(path.relative_to(repo))
        try:
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text)
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        names, aliases, lines = _importers(tree, module)
        if not lines:
            continue
        source = text.splitlines()
        body = [f"`{rel}`: {lines}"]
        for name, at in _uses(tree, source, names, aliases).items():
            body += [f"  {name}, line {n}: {source[n - 1].strip()[:160]}" for n in at]
        parts.append("\n".join(body))
    return "\n".join(parts) or f"(no file imports {module} directly)"
