"""The entry point's command-line part, written by PaperCoder rather than left to the model.

A small model often answers the entry point with a file that runs nothing: seen on the Transformer, ``main.py``
repeated ``data.py``'s classes and had no ``main``; three re-asks did not change it, and the smoke run "passed"
doing nothing. What an entry point must hold beyond the experiment itself has one right answer, so it is made here:

- :func:`scaffold`: a file that defines ``run(config, smoke)`` or ``main()`` but never calls it gets the missing
  ``main()`` (``--config``, ``--smoke``, config.yaml read into a dict) and its ``__main__`` block.
- :func:`drop_redefined`: classes and functions the entry point defines again although another repository file
  defines them are removed, and imported from that file instead (by the caller's import completion).
- :func:`drop_copies`: what any file repeats of an earlier file, character for character, likewise.
- :func:`outline`: what the repository's written files define, with parameters, for the one narrow request
  (``run`` alone) made when the entry point still runs nothing.
- :func:`assemble`: that answer's ``run`` made into the entry point.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from papercoder.verify.pysource import module_name, runs_something

MAIN = '''

def main() -> None:
    """Parse --config and --smoke, read the config and run the experiment."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="config.yaml", help="the YAML file of settings")
    parser.add_argument("--smoke", action="store_true", help="tiny synthetic data, one step: checks that it runs")
    args = parser.parse_args()
    with open(args.config, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    $call


if __name__ == "__main__":
    main()
'''

GUARD = '\n\nif __name__ == "__main__":\n    main()\n'


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _required(fn: ast.FunctionDef) -> list[str]:
    """Parameter names without a default."""
    args = fn.args.posonlyargs + fn.args.args
    return [a.arg for a in args[: len(args) - len(fn.args.defaults)]]


def _call_of_run(fn: ast.FunctionDef) -> str | None:
    """How ``main()`` calls ``run``, by its parameters; None when they are not (config[, smoke])."""
    required = _required(fn)
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    if len(required) > 2 or not names:
        return None
    if len(names) == 1:
        return "run(config)"
    if "smoke" in names:
        return "run(config, smoke=args.smoke)" if names.index("smoke") > 0 else None
    return "run(config, args.smoke)" if len(required) == 2 else "run(config)"


def scaffold(code: str) -> tuple[str, str | None]:
    """``code`` made runnable when it defines ``run`` or ``main`` but never calls it; the change, if any."""
    if runs_something(code):
        return code, None
    tree = ast.parse(code)
    functions = _functions(tree)
    main = functions.get("main")
    if main is not None and not _required(main):
        return code.rstrip() + "\n" + GUARD, "added the `__main__` block calling main()"
    run = functions.get("run")
    call = _call_of_run(run) if run is not None else None
    if main is not None or call is None:
        return code, None
    head = "".join(f"import {m}\n" for m in ("argparse", "yaml") if not _imports(tree, m))
    body = code.rstrip() + "\n" + MAIN.replace("$call", call)
    return (head + body if head else body), "added main() (--config, --smoke) and the `__main__` block calling run()"


def _imports(tree: ast.Module, module: str) -> bool:
    return any(isinstance(n, ast.Import) and any(a.name == module and not a.asname for a in n.names)
               for n in tree.body)


def drop_redefined(code: str, path: str, others: Mapping[str, str]) -> tuple[str, list[str]]:
    """The entry point without the classes and functions another repository file defines; their names.

    The dropped names are then undefined here, and import completion takes each from the one file defining it.
    Names two other files define are kept (which one was meant is a guess).
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code, []
    owners: dict[str, list[str]] = {}
    for other, src in others.items():
        if other == path or not other.endswith(".py"):
            continue
        try:
            other_tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in other_tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                owners.setdefault(node.name, []).append(other)
    spans = [(_first_line(n), n.end_lineno or n.lineno, n.name) for n in tree.body
             if isinstance(n, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
             and len(owners.get(n.name, [])) == 1 and n.name not in ("main", "run")]
    if not spans:
        return code, []
    lines = code.splitlines(keepends=True)
    for start, end, _name in sorted(spans, reverse=True):
        del lines[start - 1:end]
    return "".join(lines), [name for _s, _e, name in spans]


def drop_copies(code: str, path: str, earlier: Mapping[str, str]) -> tuple[str, list[str]]:
    """``code`` without the classes and functions that are exact copies of ones an earlier file defines; their names.

    Seen on Bridging Data Gaps: the coders of ``classifier.py`` and ``adaptation.py`` answered with ``model.py``
    (already written, shown as a dependency) character for character. A copy is dropped (and then imported from
    the file it copies, by import completion) only when its code is the same, so nothing of the file changes
    meaning; what the file was meant to define is then missing, and the coder is asked for exactly that.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code, []
    seen: dict[str, str] = {}
    for other, src in earlier.items():
        if other == path or not other.endswith(".py"):
            continue
        try:
            seen.update((_definition_key(n), n.name) for n in ast.parse(src).body if _is_definition(n))
        except SyntaxError:
            continue
    spans = [(_first_line(n), n.end_lineno or n.lineno, n.name) for n in tree.body
             if _is_definition(n) and seen.get(_definition_key(n)) == n.name]
    lines = code.splitlines(keepends=True)
    for start, end, _name in sorted(spans, reverse=True):
        del lines[start - 1:end]
    return "".join(lines), [name for _s, _e, name in spans]


def _is_definition(node: ast.stmt) -> bool:
    return isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)


def _definition_key(node: ast.stmt) -> str:
    return ast.dump(node)


def _source(code: str, node: ast.stmt) -> str:
    """A top-level statement's lines, decorators included."""
    return "".join(code.splitlines(keepends=True)[_first_line(node) - 1:node.end_lineno]).rstrip()


def _first_line(node: ast.stmt) -> int:
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])


def _signature(fn: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> str:
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    if method and names and names[0] in ("self", "cls"):
        names = names[1:]
    return f"{fn.name}({', '.join(names)})"


def outline(sources: Mapping[str, str]) -> str:
    """What each Python file defines at top level, with parameters, as the lines a model reads."""
    parts = []
    for path, src in sources.items():
        if not path.endswith(".py"):
            continue
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        lines = []
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                methods = {m.name: m for m in node.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)}
                init = _signature(methods["__init__"], True).removeprefix("__init__") if "__init__" in methods \
                    else "()"
                public = [_signature(m, True) for n, m in methods.items() if not n.startswith("_")]
                lines.append(f"- class {node.name}{init}" + (f": {', '.join(public)}" if public else ""))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                lines.append(f"- def {_signature(node, False)}")
        if lines:
            parts.append(f"`{path}` (`from {module_name(path)} import ...`):\n" + "\n".join(lines))
    return "\n\n".join(parts)


def assemble(answer: str, previous: str, doc: str) -> str | None:
    """The entry point from an answer defining ``run``: its code without any ``main``, plus :data:`MAIN`.

    Definitions of ``previous`` (the earlier entry point) that ``run`` uses and the answer lacks are kept.
    None when the answer defines no usable ``run``.
    """
    try:
        tree = ast.parse(answer)
    except SyntaxError:
        return None
    run = _functions(tree).get("run")
    call = _call_of_run(run) if run is not None else None
    if call is None:
        return None
    kept = [n for n in tree.body if not (isinstance(n, ast.If) or (isinstance(n, ast.FunctionDef) and n.name == "main")
                                         or (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)))]
    used = {n.id for n in ast.walk(run) if isinstance(n, ast.Name)}
    defined = {n.name for n in kept if isinstance(n, ast.ClassDef | ast.FunctionDef)}
    extra = []
    try:
        extra = [_source(previous, n) for n in ast.parse(previous).body if isinstance(n, ast.ClassDef | ast.FunctionDef)
                 and n.name in used - defined - {"main", "run"}]
    except SyntaxError:
        pass
    imports = [_source(answer, n) for n in kept if isinstance(n, ast.Import | ast.ImportFrom)
               and _source(answer, n) not in ("import argparse", "import yaml")]
    rest = [_source(answer, n) for n in kept if not isinstance(n, ast.Import | ast.ImportFrom)
            and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    head = [f'"""{doc}"""', "", "import argparse", "", "import yaml", *imports]
    body = "\n\n\n".join([*extra, *rest])
    return "\n".join(head) + "\n\n\n" + body.rstrip() + "\n" + MAIN.replace("$call", call)
