"""What a Python file defines and imports, read from its AST (the code is never run)."""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Import:
    """One imported module (and the names taken from it) at a line."""

    module: str
    names: tuple[str, ...]
    line: int
    optional: bool
    """Inside ``try`` with an ``except ImportError`` (or broader): the code copes without it."""


def module_name(path: str) -> str:
    """``a/b.py`` -> ``a.b``; ``a/__init__.py`` -> ``a``."""
    name = path[:-3].replace("/", ".")
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


def top_level_names(code: str) -> set[str] | None:
    """Names a module defines at top level (None when it does not parse or defines names conditionally)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.If) and _is_main_guard(node):
            continue  # runs only as a script: defines nothing an importer sees
        elif isinstance(node, ast.If | ast.Try):
            return None  # conditional definitions: do not guess
    return names


def runs_something(code: str) -> bool:
    """Whether running ``code`` as a script does something: a ``__main__`` block or a module-level call.

    True when it does not parse (the syntax check says what is wrong).
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return True
    return any((isinstance(n, ast.If) and _is_main_guard(n)) or (isinstance(n, ast.Expr)
               and isinstance(n.value, ast.Call)) for n in tree.body)


def _is_main_guard(node: ast.If) -> bool:
    """``if __name__ == "__main__":``."""
    test = node.test
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators))


def _catches_import_error(node: ast.Try) -> bool:
    for h in node.handlers:
        caught = [h.type] if not isinstance(h.type, ast.Tuple) else list(h.type.elts)
        if h.type is None or any(isinstance(c, ast.Name) and c.id in ("ImportError", "ModuleNotFoundError",
                                                                      "Exception", "BaseException")
                                 for c in caught):
            return True
    return False


def imports(tree: ast.AST, package: str) -> list[Import]:
    """The imports in ``tree``, relative ones resolved against ``package`` (the file's package)."""
    out: list[Import] = []

    def visit(node: ast.AST, optional: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Try):
                guarded = optional or _catches_import_error(child)
                for stmt in child.body:
                    visit_stmt(stmt, guarded)
                for part in (*child.handlers, *child.orelse, *child.finalbody):
                    visit_stmt(part, optional)
            else:
                visit_stmt(child, optional)

    def visit_stmt(node: ast.AST, optional: bool) -> None:
        if isinstance(node, ast.Import):
            out.extend(Import(a.name, (), node.lineno, optional) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join([*parts, *([base] if base else [])])
            if base and base != "__future__":
                out.append(Import(base, tuple(a.name for a in node.names), node.lineno, optional))
        if not isinstance(node, ast.Import | ast.ImportFrom):
            visit(node, optional)

    visit(tree, False)
    return out
