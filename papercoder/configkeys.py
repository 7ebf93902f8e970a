"""Which config.yaml keys a spec or a code file refers to, and which of them do not exist.

Agents are told to use only keys that exist in config.yaml; these checks hold them to it. Code is only
parsed (``ast``), never executed.
"""

from __future__ import annotations

import ast
import difflib
import functools
import re
from typing import Any

import yaml


@functools.lru_cache(maxsize=16)
def load(config_yaml: str) -> dict[str, Any]:
    """The config as a dict (empty when it does not parse); shared between callers: read it, never change it."""
    try:
        data = yaml.safe_load(config_yaml)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def exists(config: dict[str, Any], path: list[str]) -> bool:
    """Whether ``path`` (keys from the top) names something in ``config``."""
    node: Any = config
    for key in path:
        if not isinstance(node, dict):
            return True  # indexing into a value (a list, a string): not a key question
        if key not in node:
            return False
        node = node[key]
    return True


def flat_keys(config: dict[str, Any], prefix: str = "") -> list[str]:
    """Every key path in ``config`` as dotted strings."""
    out: list[str] = []
    for key, value in config.items():
        path = f"{prefix}{key}"
        out.append(path)
        if isinstance(value, dict):
            out.extend(flat_keys(value, path + "."))
    return out


def nearest(config: dict[str, Any], missing: str, most: int = 3) -> list[str]:
    """Key paths of ``config`` a reader of the missing path ``missing`` probably meant: same last key first.

    Seen on What Will My Model Forget: the code read ``model.name`` where config.yaml holds ``model.bart0.name``
    and ``model.flan_t5.name``; the re-ask named the missing key but not where the value is.
    """
    last = missing.rsplit(".", 1)[-1]
    paths = flat_keys(config)
    same = [p for p in paths if p.rsplit(".", 1)[-1] == last and p != missing]
    return same[:most] or difflib.get_close_matches(missing, paths, n=most, cutoff=0.6)


def unknown_in_spec(spec: str, config: dict[str, Any], *, exclude: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Dotted key paths in backticks (e.g. `training.lr`) that start at a real top-level key but do not exist.

    File names (``data.py``, anything in ``exclude``) are not key paths, nor is a class of a repository module
    (```data.DataLoader``` when ``data.py`` is in ``exclude``: seen on What Will My Model Forget, where the analyst
    was re-asked for naming the classes it was asked to use).
    """
    modules = {p[:-3].replace("/", ".") for p in exclude if p.endswith(".py")}
    out = []
    for ref in dict.fromkeys(re.findall(r"`([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+)`", spec)):
        if ref in exclude or re.search(r"\.(py|ya?ml|json|txt|sh|md|csv|pt|pth|npy|npz|pkl|cfg|toml)$", ref):
            continue
        parts = ref.split(".")
        if parts[0] in modules and parts[1][:1].isupper():
            continue
        if parts[0] in config and not exists(config, parts):
            out.append(ref)
    return out


def _name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _is_config_name(node: ast.AST) -> bool:
    return bool(re.search(r"config|cfg", _name(node), re.IGNORECASE))


def _read(node: ast.AST) -> tuple[str, list[str]] | None:
    """For ``cfg["a"]["b"]`` or ``cfg.get("a", {}).get("b")``: ("cfg", ["a", "b"]); None when not a config read."""
    keys: list[str] = []
    while True:
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and isinstance(node.slice.value, str):
            keys.append(node.slice.value)
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            keys.append(node.args[0].value)
            node = node.func.value
        else:
            break
    return (_name(node), list(reversed(keys))) if keys and _is_config_name(node) else None


def _sections(tree: ast.AST) -> dict[str, list[str] | None]:
    """Names bound to a part of the config (``data_cfg = config["data"]``): name -> its key path.

    None marks a name bound to different parts in different places (then where it points is not known).
    """
    out: dict[str, list[str] | None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and _name(node.targets[0]):
            found = _read(node.value)
            if found is not None:
                name = _name(node.targets[0])
                out[name] = found[1] if out.get(name, found[1]) == found[1] else None
    return out


def _exists_below(config: dict[str, Any], path: list[str]) -> bool:
    """Whether ``path`` exists from some nested part of the config (a section handed to the code)."""
    stack = [v for v in config.values() if isinstance(v, dict)]
    while stack:
        node = stack.pop()
        if exists(node, path):
            return True
        stack.extend(v for v in node.values() if isinstance(v, dict))
    return False


def unknown_in_code(code: str, config: dict[str, Any]) -> list[str]:
    """Config reads in ``code`` whose keys do not exist in ``config``.

    A read is resolved from where its object came from: a name bound to a section of the config
    (``model_cfg = config["model"]``) reads below that section. An object of unknown origin (a parameter, say)
    is taken as the whole config, unless its first key is not a top-level key and the path exists below some
    section: then it is a section handed over, and the read is fine.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    sections = _sections(tree)
    found: dict[str, None] = {}
    inner: set[int] = set()
    for node in ast.walk(tree):
        if id(node) in inner:
            continue
        read = _read(node)
        if not read:
            continue
        root, path = read
        sub = node
        while isinstance(sub, ast.Subscript | ast.Call):  # skip the shorter chains inside this one
            sub = sub.value if isinstance(sub, ast.Subscript) else sub.func.value  # type: ignore[union-attr]
            inner.add(id(sub))
        prefix = sections.get(root)
        if prefix is not None:
            full = [*prefix, *path]
            if not exists(config, full):
                found[".".join(full)] = None
        elif not exists(config, path) and (path[0] in config or not _exists_below(config, path)):
            found[".".join(path)] = None
    return list(found)


SYNONYMS = [
    {"lr", "learning_rate"},
    {"epochs", "num_epochs", "n_epochs", "max_epochs", "num_train_epochs"},
    {"batch_size", "bs", "batchsize", "train_batch_size"},
    {"weight_decay", "wd"},
    {"dropout", "dropout_rate", "p_dropout", "drop_rate"},
    {"seed", "random_seed"},
    {"steps", "num_steps", "max_steps", "train_steps", "training_steps"},
    {"warmup_steps", "num_warmup_steps", "warmup"},
    {"hidden_size", "hidden_dim", "d_model"},
    {"num_layers", "n_layers"},
    {"num_heads", "n_heads"},
    {"name", "model_name", "model_name_or_path"},
]
"""Key names that mean the same setting: a read of one where the same section holds exactly one other is renamed."""


def rename_synonyms(code: str, config: dict[str, Any]) -> tuple[str, list[str]]:
    """``code`` with each config read of a missing key renamed to its one synonym in the same section.

    Seen on What Will My Model Forget: ``config["training"]["lr"]`` and ``["epochs"]`` where the section held
    ``learning_rate`` and ``num_epochs``; each cost the coder a re-ask. Only the key's string in that read changes,
    and only when the section holds exactly one synonym (:data:`SYNONYMS`): one meaning, no guess.

    Returns:
        The code and one sentence per rename.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code, []
    sections = _sections(tree)
    spots: list[tuple[int, int, int, str, str]] = []
    for node in ast.walk(tree):
        read = _read(node)
        if not read:
            continue
        key = node.slice if isinstance(node, ast.Subscript) else node.args[0]  # type: ignore[attr-defined]
        if not isinstance(key, ast.Constant) or key.lineno != key.end_lineno:
            continue
        prefix = sections.get(read[0]) or []
        full = [*prefix, *read[1]]
        if near := synonym(config, full):
            spots.append((key.lineno, key.col_offset, key.end_col_offset or 0, ".".join(full), near))
    lines = code.splitlines(keepends=True)
    for line, start, end, _full, new in sorted(set(spots), reverse=True):
        text = lines[line - 1]
        quote = text[start] if text[start] in "'\"" else '"'
        lines[line - 1] = text[:start] + quote + new + quote + text[end:]
    changes = [f"config key {full} read as {full.rsplit('.', 1)[0] + '.' if '.' in full else ''}{new} "
               f"(the section's name for it)" for full, new in dict.fromkeys((s[3], s[4]) for s in spots)]
    return "".join(lines), changes


def synonym(config: dict[str, Any], path: list[str]) -> str:
    """The one key of ``path``'s section that means what its missing last key means ('' if none or several)."""
    if not path or exists(config, path) or not exists(config, path[:-1]) \
            or not isinstance(_at(config, path[:-1]), dict):
        return ""
    group = next((g for g in SYNONYMS if path[-1] in g), set())
    near = [k for k in _at(config, path[:-1]) if k in group and k != path[-1]]
    return near[0] if len(near) == 1 else ""


def rename_synonyms_in_spec(spec: str, keys: list[str], config: dict[str, Any]) -> tuple[str, list[str]]:
    """``spec`` with each missing key of ``keys`` written, in backticks, as its one synonym in its section.

    ``keys`` are dotted paths as :func:`unknown_in_spec` finds them.

    Seen on the Transformer: an analyst wrote `training.learning_rate` where config.yaml has `training.lr`, and its
    re-ask cost 95 s.

    Returns:
        The spec and the keys renamed, as ``old -> new``.
    """
    changes = []
    for key in keys:
        parts = key.split(".")
        if near := synonym(config, parts):
            new = ".".join([*parts[:-1], near])
            spec = re.sub(rf"`{re.escape(key)}`", f"`{new}`", spec)
            changes.append(f"{key} -> {new}")
    return spec, changes


def _at(config: dict[str, Any], path: list[str]) -> Any:
    node: Any = config
    for key in path:
        node = node[key]
    return node
