"""Imports run one way: graphs/ -> agents/ -> papercoder/ (the library).

Every import statement counts, at module level or inside a function. The library never imports the agents or
the graphs (the CLI, which runs the graphs, and ``papercoder/__init__.py``'s lazy re-export are the exceptions);
agents never import graphs.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXEMPT = ("papercoder/cli/", "papercoder/__init__.py")


def _imported(path: Path) -> set[str]:
    """Every module an import statement of ``path`` names (``from a import b`` names ``a`` and ``a.b``)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _violations(folder: str, forbidden: tuple[str, ...], exempt: tuple[str, ...] = ()) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(exempt):
            continue
        found += [f"{rel} imports {m}" for m in sorted(_imported(path))
                  if any(m == f or m.startswith(f + ".") for f in forbidden)]
    return found


def test_the_library_imports_neither_agents_nor_graphs():
    assert (ROOT / "papercoder/cli").is_dir()  # the exemption names a real package
    assert _violations("papercoder", ("papercoder.agents", "papercoder.graphs", "agents", "graphs"), EXEMPT) == []


def test_agents_do_not_import_graphs():
    assert _violations("agents", ("papercoder.graphs", "graphs")) == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from papercoder.agents.conversation import prompt\n    import papercoder.graphs\n")
    assert {"papercoder.agents.conversation", "papercoder.graphs"} <= _imported(probe)
