"""Deterministic fixes of generated Python that a small model often gets wrong, made before anyone is asked again.

- **Star imports made explicit.** ``from <repository file> import *`` becomes an import of the names used from
  there (:mod:`papercoder.verify.stars`), so the checks below see undefined names.
- **Imports completed.** A name the code uses but nothing defines or imports (pyflakes) is imported when exactly
  one import can mean it: a standard-library module used by its own name (``os``, ``math``), a conventional alias
  or class of a well-known package (``np``, ``nn``, ``F``, ``DataLoader``, ``AutoTokenizer``), or the one other
  repository file that defines it at top level.
- **Entry point completed.** Classes and functions the entry point defines again although another file defines
  them are dropped (and imported); a ``run``/``main`` never called gets ``main()`` and its ``__main__`` block
  (:mod:`papercoder.verify.entry`).
- **Demo code dropped.** In a library module (not the entry point), module-level statements that use names nothing
  defines (an example call such as ``evaluate(responses)`` left after the definitions) would raise ``NameError``
  on import, and a ``__main__`` block doing the same never runs as part of the repository; both go.

Nothing is guessed: a name with no single meaning stays undefined and is left to the coder's re-ask. Each change
comes back as one sentence, which the caller records.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping

from papercoder.verify.distributions import STDLIB, distribution_of, name_of
from papercoder.verify.entry import drop_redefined, scaffold
from papercoder.verify.pysource import imports, module_name, top_level_names
from papercoder.verify.stars import expand_star_imports
from papercoder.verify.static import undefined_names

CONVENTIONAL = {
    "np": "import numpy as np", "pd": "import pandas as pd", "plt": "import matplotlib.pyplot as plt",
    "sns": "import seaborn as sns", "tf": "import tensorflow as tf", "jnp": "import jax.numpy as jnp",
    "nn": "import torch.nn as nn", "F": "import torch.nn.functional as F", "optim": "import torch.optim as optim",
    "torch": "import torch", "yaml": "import yaml", "scipy": "import scipy", "sklearn": "import sklearn",
    "Dataset": "from torch.utils.data import Dataset", "DataLoader": "from torch.utils.data import DataLoader",
    "TensorDataset": "from torch.utils.data import TensorDataset",
    "random_split": "from torch.utils.data import random_split", "tqdm": "from tqdm import tqdm",
    "AutoTokenizer": "from transformers import AutoTokenizer", "AutoModel": "from transformers import AutoModel",
    "AutoConfig": "from transformers import AutoConfig",
    "AutoModelForCausalLM": "from transformers import AutoModelForCausalLM",
    "AutoModelForSequenceClassification": "from transformers import AutoModelForSequenceClassification",
    "load_dataset": "from datasets import load_dataset", "Path": "from pathlib import Path",
    "dataclass": "from dataclasses import dataclass", "field": "from dataclasses import field",
    "defaultdict": "from collections import defaultdict", "Counter": "from collections import Counter",
    "OrderedDict": "from collections import OrderedDict", "deque": "from collections import deque",
    "partial": "from functools import partial", "ABC": "from abc import ABC",
    "abstractmethod": "from abc import abstractmethod",
    **{t: f"from typing import {t}" for t in ("Any", "Callable", "Dict", "Iterable", "Iterator", "List",
                                              "Mapping", "Optional", "Sequence", "Set", "Tuple", "Union")},
}
"""Names that mean one import in ML code, whatever the paper."""

_ROUNDS = 3
"""Most passes of demo-code dropping (dropping ``x = f(y)`` can leave ``print(x)`` undefined)."""


def tidy(code: str, path: str, others: Mapping[str, str], *, entry: bool) -> tuple[str, list[str]]:
    """``code`` of ``path`` with imports completed and (unless it is the ``entry`` point) demo code dropped.

    Args:
        code: The file's source.
        path: Its path in the repository.
        others: The repository's other files already written (path to source), whose top-level names may be
            imported.
        entry: Whether the file is the entry point (its module-level code is the program: never dropped).

    Returns:
        The source (unchanged when it does not parse) and one sentence per change.
    """
    code, explicit = expand_star_imports(code, path, others)
    changes: list[str] = [explicit] if explicit else []
    if entry:
        code, dropped = drop_redefined(code, path, others)
        if dropped:
            changes.append(f"dropped {', '.join(dropped)} from the entry point: other repository files define them "
                           f"(imported from there instead)")
    code = _self_attributes(code, path, changes)
    code = _complete_imports(code, path, others, changes)
    if entry:
        code, made = scaffold(code)
        changes += [made] if made else []
    else:
        for _ in range(_ROUNDS):
            code, dropped = _drop_demo(code, path)
            if not dropped:
                break
            changes += dropped
        code = _complete_imports(code, path, others, changes)
    return code, changes


def _self_attributes(code: str, path: str, changes: list[str]) -> str:
    """A bare name a method uses but nothing defines, which its class keeps as ``self.<name>``, read from there.

    Seen on Semantic Self-Consistency: ``self.config = config`` in ``load(self)`` after ``__init__`` stored
    ``self.config``; the coder was asked three times about the undefined ``config`` and never fixed it.
    """
    missing = {name for name, _line in _undefined(code, path) or ()}
    if not missing:
        return code
    spots: list[tuple[int, int, str]] = []
    for cls in (n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.ClassDef)):
        kept = {t.attr for t in ast.walk(cls) if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                and t.value.id == "self" and isinstance(t.ctx, ast.Store)}
        for method in (m for m in cls.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)):
            if not method.args.args or method.args.args[0].arg != "self":
                continue
            spots += [(n.lineno, n.col_offset, n.id) for n in ast.walk(method)
                      if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in missing & kept]
    if not spots:
        return code
    lines = code.splitlines(keepends=True)
    for line, col, _name in sorted(spots, reverse=True):
        text = lines[line - 1]
        lines[line - 1] = text[:col] + "self." + text[col:]
    names = sorted({name for _l, _c, name in spots})
    changes.append(f"read {', '.join(names)} as self.{' / self.'.join(names)} in methods of the class that keeps it")
    return "".join(lines)


def _undefined(code: str, path: str) -> list[tuple[str, int]] | None:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    return [(f.message.removeprefix("undefined name ").strip("'"), f.line) for f in undefined_names(tree, path)
            if f.message.startswith("undefined name ")]


def import_for(name: str, path: str, others: Mapping[str, str]) -> str | None:
    """The one import statement that can mean ``name`` in ``path``, if there is exactly one."""
    if name in CONVENTIONAL:
        return CONVENTIONAL[name]
    if name in STDLIB and not name.startswith("_"):
        return f"import {name}"
    owners = sorted(p for p, src in others.items()
                    if p != path and p.endswith(".py") and name in (top_level_names(src) or ()))
    return f"from {module_name(owners[0])} import {name}" if len(owners) == 1 else None


def _complete_imports(code: str, path: str, others: Mapping[str, str], changes: list[str]) -> str:
    missing = _undefined(code, path)
    if not missing:
        return code
    statements: dict[str, list[str]] = {}
    for name, _line in missing:
        stmt = import_for(name, path, others)
        if stmt and stmt not in statements:
            statements[stmt] = [name]
    if not statements:
        return code
    lines = code.splitlines(keepends=True)
    at = _import_line(ast.parse(code))
    lines[at:at] = [s + "\n" for s in statements]
    changes.append(f"added {'; '.join(f'`{s}`' for s in statements)} for names used but never imported")
    return "".join(lines)


def _import_line(tree: ast.Module) -> int:
    """The line index after the module's docstring, ``__future__`` imports and leading imports."""
    at = 0
    for i, node in enumerate(tree.body):
        docstring = i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if docstring or isinstance(node, ast.Import | ast.ImportFrom):
            at = node.end_lineno or node.lineno
        else:
            break
    return at


def _drop_demo(code: str, path: str) -> tuple[str, list[str]]:
    """Module-level statements (and a ``__main__`` block) that use undefined names, removed; what was removed."""
    missing = _undefined(code, path)
    if not missing:
        return code, []
    tree = ast.parse(code)
    lines = code.splitlines(keepends=True)
    bad = {line for _name, line in missing}
    spans = []
    for node in tree.body:
        definition = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import
                                | ast.ImportFrom)
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        end = node.end_lineno or node.lineno
        if not definition and any(start <= b <= end for b in bad):
            spans.append((start, end))
    if not spans:
        return code, []
    for start, end in reversed(spans):
        del lines[start - 1:end]
    names = sorted({n for n, line in missing if any(s <= line <= e for s, e in spans)})
    where = ", ".join(f"{s}-{e}" if e > s else str(s) for s, e in spans)
    return "".join(lines), [f"dropped module-level code at lines {where}, which used {', '.join(names)} "
                            f"that nothing defines (it would fail on import)"]


_CANNOT_IMPORT = re.compile(r"cannot import name '(\w+)' from '(transformers)'")
_AUTO = [(re.compile(p), auto) for p, auto in (
    (r"\w+ForCausalLM$", "AutoModelForCausalLM"), (r"\w+LMHeadModel$", "AutoModelForCausalLM"),
    (r"\w+ForSequenceClassification$", "AutoModelForSequenceClassification"),
    (r"\w+ForMaskedLM$", "AutoModelForMaskedLM"), (r"\w+ForSeq2SeqLM$", "AutoModelForSeq2SeqLM"),
    (r"\w+ForConditionalGeneration$", "AutoModelForSeq2SeqLM"),
    (r"\w+ForTokenClassification$", "AutoModelForTokenClassification"),
    (r"\w+ForQuestionAnswering$", "AutoModelForQuestionAnswering"),
    (r"\w+Tokenizer(Fast)?$", "AutoTokenizer"), (r"\w+Config$", "AutoConfig"), (r"\w+Model$", "AutoModel"))]
"""transformers classes a small model invents (``GPT3ForCausalLM``, ``GPT4Tokenizer``), and the auto class that
loads the same kind of model by name (``from_pretrained`` takes the same arguments)."""


def alias_missing(code: str, error: str) -> tuple[str, str] | None:
    """``code`` importing the auto class in place of a transformers class the error says does not exist.

    ``from transformers import GPT3ForCausalLM`` becomes ``from transformers import AutoModelForCausalLM as
    GPT3ForCausalLM``: every use keeps working as ``GPT3ForCausalLM.from_pretrained(name)``. None when the error
    is another one, the name has no auto class, or ``code`` does not hold that import.
    """
    m = _CANNOT_IMPORT.search(error)
    if not m:
        return None
    name, module = m.groups()
    auto = next((a for pattern, a in _AUTO if pattern.match(name)), None)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    node = next((n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == module and n.level == 0
                 and any(a.name == name for a in n.names)), None)
    if auto is None or node is None or name == auto:
        return None
    node.names = [ast.alias(auto, a.asname or name) if a.name == name else a for a in node.names]
    lines = code.splitlines(keepends=True)
    lines[node.lineno - 1:node.end_lineno] = [ast.unparse(node) + "\n"]
    return "".join(lines), f"`{name}` does not exist in {module}: imported `{auto}` under that name"


def unused_uninstallable(requirements: str, failed: list[str], sources: Mapping[str, str]) -> tuple[str, list[str]]:
    """requirements.txt without the lines that could not be installed and that no file imports.

    Seen on Semantic Self-Consistency: ``bert-base-uncased``, ``roberta-base`` (model names) listed as packages.
    A failed line some file imports stays: it is a real finding.
    """
    imported: set[str] = set()
    for text in sources.values():
        try:
            imported |= {distribution_of(i.module) for i in imports(ast.parse(text), "")}
        except SyntaxError:
            continue
    drop = {name_of(f) for f in failed} - imported
    kept = [line for line in requirements.splitlines()
            if not line.strip() or line.lstrip().startswith(("#", "-")) or name_of(line.strip()) not in drop]
    dropped = sorted(drop & {name_of(line.strip()) for line in requirements.splitlines() if line.strip()})
    return ("\n".join(kept) + "\n" if kept else ""), dropped
