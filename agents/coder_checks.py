"""The coder's answer checks: what a file must be before it is written (no model needed to check it).

:func:`make_parser` turns a coder's answer into the file's code or an :class:`~papercoder.llm.AnswerError` naming
each problem, so the coder is asked again with exactly those: code that does not compile, placeholders, imports
of names or modules that do not exist, undefined names, config keys config.yaml lacks, rows of the interface
table not defined, code copied from a file written before.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from papercoder import configkeys, interfaces
from papercoder.llm import AnswerError
from papercoder.llm.answers import Reply
from papercoder.problems import Problem
from papercoder.textblocks import fenced_blocks, unclosed_block
from papercoder.verify.autofix import tidy
from papercoder.verify.distributions import STDLIB, distribution_of, is_known_package, normalize
from papercoder.verify.entry import drop_copies
from papercoder.verify.pysource import imports, module_name, top_level_names
from papercoder.verify.static import undefined_names

_LANGS = {".py": "python", ".sh": "bash", ".yaml": "yaml", ".yml": "yaml", ".json": "json", ".md": "markdown"}


_PLACEHOLDER = re.compile(r"#\s*(TODO|FIXME)\b|raise NotImplementedError|your code here|implement (this|me)",
                          re.IGNORECASE)


_DOTTED_KEY = re.compile(r"""\[\s*["'][\w<>-]+\.[\w<>.-]+["']\s*\]""")
"""A config read with a dotted path as one key (``config['data.<name>.split']``), copied from a spec."""


def language(path: str) -> str:
    """The fence language for a file path."""
    return next((lang for ext, lang in _LANGS.items() if path.endswith(ext)), "")


def placeholder_problems(code: str) -> list[str]:
    """Placeholders a complete file must not have: TODOs, NotImplementedError, empty bodies."""
    found = [f"line {code.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r}" for m in _PLACEHOLDER.finditer(code)]
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = [b for b in node.body if not (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant)
                                                 and isinstance(b.value.value, str))]
            if all(isinstance(b, ast.Pass) or (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant)
                                               and b.value.value is Ellipsis) for b in body):
                found.append(f"line {node.lineno}: function {node.name}() has an empty body")
    return found


def extract_code(reply: Reply, path: str, problems: list[str]) -> str:
    """The file's code from the answer: its fenced block, or the bare answer when it is code."""
    lang = language(path)
    blocks = fenced_blocks(reply.text)
    preferred = [b for lg, b in blocks if lg in (lang, "py" if lang == "python" else lang)]
    if preferred or blocks:
        return max(preferred or [b for _lg, b in blocks], key=len)
    cut = unclosed_block(reply.text)
    if cut is not None and reply.finish_reason == "length":
        problems.append("the file was cut off at the output-token limit; write a shorter, complete version")
    if cut is not None:
        return cut[1]
    return reply.text.strip()


def unknown_modules(code: str, path: str, planned: list[str], packages: list[str]) -> list[str]:
    """Modules ``code`` imports that are not files of the plan, the standard library or a package.

    Packages are the logic design's list and well-known ones. Anything else the coder invented (seen:
    ``main.py`` importing the modules of a longer plan than the one kept).
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    wanted = {normalize(p) for p in packages}
    found: dict[str, None] = {}
    for imp in imports(tree, module_name(path).rpartition(".")[0]):
        top = imp.module.split(".")[0]
        if imp.optional or top in STDLIB or top in found:
            continue
        if any(p == f"{top}.py" or p.startswith(f"{top}/") for p in planned):
            continue
        if distribution_of(imp.module) in wanted or is_known_package(imp.module):
            continue
        found[top] = None
    return list(found)


def make_parser(path: str, config: dict[str, Any], written: dict[str, str],  # noqa: ANN201
                warnings: list[Problem], planned: list[str] | None = None,
                packages: list[str] | None = None, rows: dict[str, Any] | None = None, entry: bool = False,
                shape: Callable[[str], str | None] | None = None):
    """The coder's answer check; the last try is accepted with its problems recorded, not re-asked.

    So is an answer with the same problems as the one sent back before it: the coder did not fix them when told
    (seen on Bridging Data Gaps: main.py importing four modules that do not exist, three times in a row, at two
    to five minutes an answer).

    Before the checks, :func:`~papercoder.verify.autofix.tidy` completes imports that have one meaning and drops
    a library module's demo code (recorded as ``autofix``), so those never cost a re-ask.
    ``rows``: the file's rows of the interface table; a name it lacks is a problem (names beyond it are fine).
    ``entry``: the file is the entry point (its module-level code is kept).
    ``shape``: makes the file from the answer's code (:func:`~papercoder.verify.entry.assemble`); None from it is
    a problem.
    """
    fixed: list[str] = []
    asked: list[frozenset[str]] = []  # the problems of each answer sent back, as _gist

    def parse(reply: Reply) -> str:
        problems: list[str] = []
        copied: list[str] = []
        fixed.clear()
        code = extract_code(reply, path, problems).rstrip() + "\n"
        if not code.strip():
            raise AnswerError(f"the answer holds no code; write the whole of {path} in one fenced block")
        if shape is not None:
            shaped = shape(code)
            if shaped is None and not reply.last:
                raise AnswerError("the answer defines no `def run(config: dict, smoke: bool) -> None:`; write it")
            code = shaped or code
        if path.endswith(".py"):
            try:
                compile(code, path, "exec", dont_inherit=True)  # parses only; nothing is executed
            except SyntaxError as exc:
                problems.append(f"the code does not compile: line {exc.lineno}: {exc.msg}")
            else:
                code, copied = (code, []) if entry else drop_copies(code, path, written)
                if copied:
                    fixed.append(f"dropped {', '.join(copied)}: exact copies of what files written before define "
                                 f"(imported from there instead)")
                code, fixes = tidy(code, path, written, entry=entry)
                fixed.extend(fixes)
                code, renamed = configkeys.rename_synonyms(code, config)
                fixed.extend(renamed)
            holes = placeholder_problems(code)
            if holes:  # one problem, so that the ones after it still fit the re-ask
                problems.append(f"placeholders (write them in full) at {'; '.join(holes[:6])}"
                                + (f" and {len(holes) - 6} more" if len(holes) > 6 else ""))
            problems += [f"it imports a name that does not exist: {p}" for p in undefined_imports(code, written)]
            problems += undefined_here(code, path)
            invented = unknown_modules(code, path, planned or [], packages or [])
            if invented and planned:
                problems.append(f"it imports modules that are neither files of this repository nor packages: "
                                f"{', '.join(invented)}; the repository's files are "
                                f"{', '.join(p for p in planned)}: import from those or write what you need here "
                                f"(third-party packages of this plan: {', '.join(packages or []) or 'none'})")
            unknown = configkeys.unknown_in_code(code, config)
            if unknown:
                dotted = ("; config.yaml is nested: read one key per subscript (`config[\"data\"][\"split\"]`), "
                          "never a dotted path as one key" if _DOTTED_KEY.search(code) else "")
                problems.append(f"it reads config keys that config.yaml does not have: "
                                f"{', '.join(_with_nearest(k, config) for k in unknown)}{dotted}")
            lacking = interfaces.missing_in(code, rows) if rows else []
            if lacking:
                problems.append(f"it does not define what the interface table fixes for this file: "
                                f"{', '.join(lacking)} (define them with exactly these names)")
            if copied and (lacking or not _defines_anything(code)):
                problems.append(f"it repeats code of the files already written ({', '.join(copied)}), which "
                                f"{path} imports instead; write what {path} itself holds")
        again = bool(problems and asked) and _gist(problems) == asked[-1]
        if problems and not reply.last and not again:
            fixed.clear()
            asked.append(_gist(problems))
            raise AnswerError("; ".join(problems[:8]) + ". Write the complete, working file.")
        warnings.extend(Problem(stage="coder", file=path, kind="autofix", message=f) for f in fixed)
        warnings.extend(Problem(stage="coder", file=path, kind="code_problem", message=p,
                                action="kept the last answer") for p in problems)
        return code

    return parse


def _gist(problems: list[str]) -> frozenset[str]:
    """Problems without their line numbers: the same problems again after a re-ask end the asking."""
    return frozenset(re.sub(r"\blines? \d+|\(line \d+\)", "", p) for p in problems)


def _defines_anything(code: str) -> bool:
    try:
        return any(isinstance(n, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) for n in ast.parse(code).body)
    except SyntaxError:
        return True


def _with_nearest(key: str, config: dict[str, Any]) -> str:
    near = configkeys.nearest(config, key)
    return f"{key} (config.yaml has {' / '.join(near)})" if near else key


def undefined_here(code: str, path: str) -> list[str]:
    """Names the code uses where nothing defines or imports them (pyflakes), as problems for the re-ask."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names = [f"{f.message.removeprefix('undefined name ')} (line {f.line})" for f in undefined_names(tree, path)]
    return [f"it uses names that nothing defines or imports: {', '.join(names)}"] if names else []


def undefined_imports(code: str, written: dict[str, str]) -> list[str]:
    """``from module import Name`` of a repository file already written that does not define ``Name``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    modules = {p[:-3].replace("/", "."): src for p, src in written.items() if p.endswith(".py")}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in modules:
            defined = top_level_names(modules[node.module])
            if defined is None:
                continue
            found += [f"{node.module}.py defines no {a.name}" for a in node.names
                      if a.name != "*" and a.name not in defined]
    return found
