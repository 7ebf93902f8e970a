"""The repository's interface table: what each file must define, fixed before any code is written.

For each file: its classes (constructor parameters, public methods with their parameters) and its functions; and
which files' rows it may import (the files it depends on in the DAG). Rows come from the class diagram where it
is usable (a class is given to the file whose design names it); files the diagram leaves empty get theirs from
one schema-validated model call (the ``interfaces`` agent). Each coder is given its own rows and its
dependencies' rows, and its answer is checked against them (:func:`missing_in`).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from pydantic import BaseModel, Field

from papercoder import depgraph


class Member(BaseModel):
    """A function or method: its name and parameter names (``self`` left out)."""

    name: str = Field(max_length=60)
    params: list[str] = Field(default_factory=list, max_length=8)


class ClassRow(BaseModel):
    """A class: constructor parameters and public methods."""

    name: str = Field(max_length=60)
    init: list[str] = Field(default_factory=list, max_length=8, description="Constructor parameters.")
    methods: list[Member] = Field(default_factory=list, max_length=8)


class FileRows(BaseModel):
    """What one file defines."""

    path: str = Field(max_length=80)
    classes: list[ClassRow] = Field(default_factory=list, max_length=6)
    functions: list[Member] = Field(default_factory=list, max_length=8)


class InterfaceAnswer(BaseModel):
    """The model's rows for the files that have none yet (bounded for small models)."""

    files: list[FileRows] = Field(max_length=20)


_CLASS = re.compile(r"^\s*class\s+([A-Za-z_]\w*)\s*(\{)?", re.MULTILINE)
_METHOD = re.compile(r"^\s*(?:[A-Za-z_]\w*\s*:\s*)?[+\-#~]?\s*([A-Za-z_]\w*)\s*\(([^)]*)\)")
_INLINE = re.compile(r"^\s*([A-Za-z_]\w*)\s*:\s*[+\-#~]?\s*([A-Za-z_]\w*)\s*\(([^)]*)\)")


def _params(text: str) -> list[str]:
    out = []
    for p in text.split(","):
        name = re.split(r"[:=\s]", p.strip().lstrip("*"), maxsplit=1)[0]
        if name and name not in ("self", "cls") and name.isidentifier():
            out.append(name)
    return out[:8]


def diagram_classes(mermaid: str) -> list[ClassRow]:
    """The classes of a mermaid ``classDiagram`` with their methods (hollow classes included, empty)."""
    rows: dict[str, ClassRow] = {}
    current = None
    for line in mermaid.splitlines():
        m = _CLASS.match(line)
        if m:
            current = rows.setdefault(m.group(1), ClassRow(name=m.group(1)))
            current = current if m.group(2) else None
            continue
        if line.strip() == "}":
            current = None
            continue
        inline = _INLINE.match(line)
        target, found = (rows.setdefault(inline.group(1), ClassRow(name=inline.group(1))),
                         inline.groups()[1:]) if inline else (current, None)
        if target is None:
            continue
        if found is None:
            m = _METHOD.match(line)
            found = m.groups() if m else None
        if found:
            name, params = found
            if name in ("__init__", target.name):
                target.init = _params(params)
            elif not name.startswith("_") and len(target.methods) < 8:
                target.methods.append(Member(name=name, params=_params(params)))
    return list(rows.values())


def from_design(class_diagram: str, logic_design: dict[str, Any], architecture: dict[str, Any]) -> dict[str, dict]:
    """Rows from the class diagram: each class given to the first file whose design text names it."""
    texts = {t["path"]: t.get("logic", "") for t in logic_design["tasks"]}
    for f in architecture.get("files", []):
        texts[f["path"]] = f"{texts.get(f['path'], '')} {f.get('description', '')}"
    table = {p: FileRows(path=p).model_dump() for p in logic_design["task_list"]}
    for cls in diagram_classes(class_diagram):
        owner = next((p for p in logic_design["task_list"] if re.search(rf"\b{re.escape(cls.name)}\b", texts[p])),
                     None)
        if owner is not None and (cls.methods or cls.init):
            table[owner]["classes"].append(cls.model_dump())
    return table


def empty_files(table: dict[str, dict], entry_point: str) -> list[str]:
    """Files with no rows yet (the entry point needs none: nothing imports it)."""
    return [p for p, rows in table.items() if p.endswith(".py") and p != entry_point
            and not rows["classes"] and not rows["functions"]]


def merge(table: dict[str, dict], answer: InterfaceAnswer, only: list[str]) -> dict[str, dict]:
    """``table`` with the model's rows for the files in ``only`` (others it named are ignored)."""
    out = {p: dict(rows) for p, rows in table.items()}
    for rows in answer.files:
        path = rows.path.strip().lstrip("./")
        if path in only and (rows.classes or rows.functions):
            out[path] = {**rows.model_dump(), "path": path}
    return out


def with_imports(table: dict[str, dict], dag: dict[str, Any]) -> dict[str, Any]:
    """The artifact: each file's rows, and the files whose rows it may import (its DAG dependencies)."""
    return {"files": [{**rows, "imports_from": depgraph.dependencies_of(dag, p)} for p, rows in table.items()]}


def render(rows: dict[str, Any]) -> str:
    """One file's rows as the lines a coder reads."""
    lines = []
    for c in rows.get("classes", []):
        methods = ", ".join(f"{m['name']}({', '.join(m['params'])})" for m in c.get("methods", []))
        lines.append(f"- class {c['name']}({', '.join(c.get('init', []))})" + (f": {methods}" if methods else ""))
    lines += [f"- def {f['name']}({', '.join(f['params'])})" for f in rows.get("functions", [])]
    return "\n".join(lines)


def rows_of(interfaces: dict[str, Any] | None, path: str) -> dict[str, Any] | None:
    """The rows of ``path`` in the artifact (None when there is no table or no such file)."""
    return next((f for f in (interfaces or {}).get("files", []) if f["path"] == path), None)


def missing_in(code: str, rows: dict[str, Any]) -> list[str]:
    """The names of ``rows`` the code does not define at top level (classes with their methods)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    classes = {n.name: {m.name for m in n.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)}
               for n in tree.body if isinstance(n, ast.ClassDef)}
    defined = set(classes) | {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    defined |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    out = [c["name"] for c in rows.get("classes", []) if c["name"] not in defined]
    out += [f"{c['name']}.{m['name']}" for c in rows.get("classes", []) if c["name"] in classes
            for m in c.get("methods", []) if m["name"] not in classes[c["name"]]]
    out += [f["name"] for f in rows.get("functions", []) if f["name"] not in defined]
    return out
