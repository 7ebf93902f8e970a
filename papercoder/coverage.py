"""Where each checklist item went in the generated repository, found deterministically (code parsed, never run).

An item is traced when one of these holds, checked in this order:

- ``marked``: a comment names its id (``# R12: KL penalty beta from config``): file and line;
- ``config``: a hyperparameter whose paper value config.yaml holds
  (:func:`papercoder.checklist.hyperparameters_in_config`) under a key the code reads;
- ``defined``: a component, loss, algorithm step or metric two of whose words name a class or function the code
  defines.

Anything else is ``missing``. The result is ``artifacts/coverage.json`` and a table in the run summary and the
generated README.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from collections.abc import Mapping
from typing import Any

from papercoder import checklist

_ID = re.compile(r"\bR(\d+)\b(\s*[:,;)]|\s*$)?")
_DEFINED_KINDS = ("component", "loss", "algorithm", "metric")



def markers(sources: Mapping[str, str]) -> dict[str, list[str]]:
    """Checklist ids named in comments (Python comments read by the tokenizer; ``#`` lines elsewhere), with places.

    A string or a URL holding ``R2`` is not a marker, nor is "the R2 score": an id opens the comment or is followed
    by ``:``, ``,``, ``;``, ``)`` or the comment's end.
    """
    out: dict[str, list[str]] = {}
    for path, text in sorted(sources.items()):
        for n, comment in _comments(path, text):
            for m in _ID.finditer(comment):
                if m.group(2) is not None or not comment[:m.start()].strip("# "):
                    out.setdefault(f"R{m.group(1)}", []).append(f"{path}:{n}")
    return out


def _comments(path: str, text: str) -> list[tuple[int, str]]:
    if path.endswith(".py"):
        try:
            return [(t.start[0], t.string) for t in tokenize.generate_tokens(io.StringIO(text).readline)
                    if t.type == tokenize.COMMENT]
        except (tokenize.TokenError, SyntaxError):
            pass
    return [(n, line[line.index("#"):]) for n, line in enumerate(text.splitlines(), 1) if "#" in line]


def _split(name: str) -> set[str]:
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).replace("_", " ").lower().split()
    return {w for w in words if len(w) > 2 and w not in checklist.COMMON_WORDS}


def _trees(sources: Mapping[str, str]) -> list[tuple[str, ast.Module]]:
    """The Python files that parse, as ``(path, tree)``, sorted by path."""
    out = []
    for path, text in sorted(sources.items()):
        if path.endswith(".py"):
            try:
                out.append((path, ast.parse(text)))
            except SyntaxError:
                continue
    return out


def definitions(sources: Mapping[str, str]) -> list[tuple[str, int, str]]:
    """Every class and function the Python files define: (file, line, name)."""
    return [(path, node.lineno, node.name) for path, tree in _trees(sources) for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)]


def strings_read(sources: Mapping[str, str]) -> set[str]:
    """String constants the Python files use as subscripts, ``.get`` keys or attribute-like reads (config keys)."""
    out: set[str] = set()
    for _path, tree in _trees(sources):
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                out.add(str(node.slice.value))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                    and node.args and isinstance(node.args[0], ast.Constant):
                out.add(str(node.args[0].value))
            elif isinstance(node, ast.Attribute):
                out.add(node.attr)
    return out


def _defined(item: dict[str, Any], defs: list[tuple[str, int, str]]) -> str | None:
    want = _split(re.sub(r"[^A-Za-z0-9]+", " ", item["requirement"]))
    for path, line, name in defs:
        if len(_split(name) & want) >= 2:  # two words of the requirement: one (loss, forward) says too little
            return f"{path}:{line}"
    return None


def trace(data: dict[str, Any] | None, sources: Mapping[str, str], config_text: str) -> dict[str, Any]:
    """Each item's status and places, and the counts (``artifacts/coverage.json``).

    Args:
        data: The checklist (``items`` with ids and files).
        sources: The repository's files (path to text), config.yaml left out.
        config_text: config.yaml.
    """
    items = (data or {}).get("items") or []
    marks, defs, read = markers(sources), definitions(sources), strings_read(sources)
    in_config = checklist.hyperparameters_in_config(items, config_text)
    rows = []
    for item in items:
        status, where = "missing", []
        place = in_config.get(item["id"])
        if item["id"] in marks:
            status, where = "marked", marks[item["id"]]
        elif place and place["status"] in ("ok", "untagged") and place["key"] in read:
            status, where = "config", [f"config.yaml:{place['line']} ({place['key']})"]
        elif item["kind"] in _DEFINED_KINDS and (hit := _defined(item, defs)):
            status, where = "defined", [hit]
        rows.append({"id": item["id"], "kind": item["kind"], "requirement": item["requirement"],
                     "quote": item.get("quote", ""), "value": item.get("value", ""),
                     "files": item.get("files", []), "status": status, "where": where,
                     **({"config": place["status"]} if place else {})})
    traced = sum(r["status"] != "missing" for r in rows)
    hyper = [r for r in rows if r["kind"] == "hyperparameter"]
    return {"items": rows, "total": len(rows), "traced": traced,
            "share": round(traced / len(rows), 3) if rows else None,
            "by_status": dict(Counter(r["status"] for r in rows)),
            "hyperparameters": len(hyper),
            "hyperparameters_in_config": sum(r.get("config") in ("ok", "untagged") for r in hyper)}


def missing_by_file(coverage: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The missing items grouped by the files they are assigned to."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in coverage.get("items", []):
        if row["status"] == "missing":
            for path in row["files"]:
                out.setdefault(path, []).append(row)
    return out


def table(coverage: dict[str, Any]) -> str:
    """The Markdown table for the run summary and the generated README."""
    if not coverage.get("items"):
        return ""
    rows = ["| item | kind | requirement | where | status |", "|---|---|---|---|---|"]
    rows += [f"| {r['id']} | {r['kind']} | {r['requirement'].replace('|', '/')} | {', '.join(r['where']) or '-'} "
             f"| {r['status']} |" for r in coverage["items"]]
    return (f"{coverage['traced']} of {coverage['total']} of the paper's requirements traced to the code.\n\n"
            + "\n".join(rows) + "\n")
