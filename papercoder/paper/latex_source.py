r"""A LaTeX project's source as one text: decoding, the main file, ``\input``/``\include``, dead code.

The project is given as a ``fetch(path) -> bytes | None`` function over relative POSIX paths, so the same code
serves an in-memory archive and a folder read on demand.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from papercoder.paper.errors import PaperReadError
from papercoder.paper.latex_scan import find_env_end, strip_comments

Fetch = Callable[[str], "bytes | None"]

MAX_INCLUDE_DEPTH = 20
MAX_SOURCE_CHARS = 20_000_000
TEX_SUFFIXES = (".tex", ".ltx", ".latex")
_DOCUMENTCLASS = re.compile(r"^[ \t]*\\documentclass", re.MULTILINE)
_BEGIN_DOCUMENT = re.compile(r"\\begin\s*\{document\}")
_INCLUDE = re.compile(
    r"\\(?P<cmd>input|include|subfile|subimport\*?|import\*?|inputfrom|subinputfrom|includefrom|subincludefrom)"
    r"(?![A-Za-z@])\s*(?:\{(?P<a>[^{}]*)\}(?:\s*\{(?P<b>[^{}]*)\})?|(?P<bare>[^\s{}\\%]+))")
_NAMED = ("main", "ms", "paper", "article", "manuscript", "arxiv")
_LATIN_SIGNS = "«»‘’“”–—…·°±×÷§¶©®™€£¥¢¿¡´¸¨ªº¹²³¼½¾µ\u00a0"
_CONTROL_CHARS = dict.fromkeys(c for c in range(32) if chr(c) not in "\n\t")


@dataclass
class Source:
    """The assembled document and what was noticed on the way."""

    main: str
    text: str
    warnings: list[str] = field(default_factory=list)


def decode_tex(data: bytes, name: str, warnings: list[str] | None = None) -> str:
    """Decode a LaTeX file: UTF-8 (or UTF-16 with a BOM), else Windows-1252/Latin-1 when the bytes clearly are.

    Args:
        data: The file's bytes.
        name: How to name the file in messages.
        warnings: Where to note that a file was not UTF-8 (optional).

    Raises:
        PaperReadError: Binary data, or bytes that are neither UTF-8 nor plausibly Latin-1 (names the file).

    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return _clean(data.decode("utf-16"))
        except UnicodeDecodeError as exc:
            raise PaperReadError(f"{name}: invalid UTF-16 text (byte {exc.start})") from exc
    if b"\x00" in data[:65536]:
        raise PaperReadError(f"{name}: binary data (NUL bytes), not a LaTeX text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = _decode_latin(data, name, exc)
        if warnings is not None:
            warnings.append(f"{name}: not UTF-8; read as Latin-1 (Windows-1252)")
    return _clean(text)


def _clean(text: str) -> str:
    """Unix line ends; control characters (which the converter uses as marks) removed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL_CHARS)


def _decode_latin(data: bytes, name: str, exc: UnicodeDecodeError) -> str:
    """Latin-1 (as Windows-1252) when few bytes are high and every one decodes to a letter or common sign."""
    high = sum(1 for b in data if b >= 0x80)
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    odd = sum(1 for ch in text if ord(ch) >= 0x80 and not (ch.isalpha() or ch in _LATIN_SIGNS))
    if not text or high > max(8, len(data) // 10) or odd > max(2, high // 20):
        raise PaperReadError(f"{name}: not UTF-8 (invalid byte at offset {exc.start}) and not plausibly Latin-1 "
                             "either; convert the file to UTF-8") from exc
    return text


def is_tex_name(path: str) -> bool:
    """Whether a path names a LaTeX source file."""
    return path.lower().endswith(TEX_SUFFIXES)


def find_main(files: Mapping[str, bytes], *, source: str) -> str:
    r"""Choose the main file of a project.

    The main file has ``\documentclass`` and ``\begin{document}``; among several, the one no other file inputs,
    then one named main/ms/paper, then the largest. A project of fragments falls back to the one fragment with
    sections that nothing inputs.

    Raises:
        PaperReadError: When no file looks like a LaTeX document (names ``source``).

    """
    texts = {p: _peek_text(d[:2_000_000]) for p, d in files.items() if is_tex_name(p)}
    texts = {p: strip_comments(t) for p, t in texts.items()}
    full = [p for p, t in texts.items() if _DOCUMENTCLASS.search(t) and _BEGIN_DOCUMENT.search(t)]
    candidates = full or [p for p, t in texts.items() if _DOCUMENTCLASS.search(t)]
    if not candidates:
        candidates = [p for p, t in texts.items() if re.search(r"\\(section|begin\s*\{abstract\}|title)\b", t)]
    if not candidates:
        raise PaperReadError(f"{source}: no main LaTeX file (no .tex file with \\documentclass or sections)")
    included = {target for p, t in texts.items() for target in _include_targets(t, p)}
    roots = [p for p in candidates if p not in included] or candidates
    return max(roots, key=lambda p: (_stem(p) in _NAMED, -p.count("/"), len(files[p]), p))


def _peek_text(data: bytes) -> str:
    """Text good enough to look for markers in (no error for a bad byte)."""
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    return data.decode(encoding, errors="replace")


def _stem(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path))[0].lower()


def _include_targets(text: str, path: str) -> set[str]:
    """The paths a file's include commands may name (with and without ``.tex``, from its folder or the root)."""
    out: set[str] = set()
    base = posixpath.dirname(path)
    for m in _INCLUDE.finditer(text):
        name = _target_name(m)
        for folder in ("", base):
            joined = posixpath.normpath(posixpath.join(folder, name))
            out.update({joined, joined + ".tex"})
    return out


def _target_name(m: re.Match[str]) -> str:
    r"""The file an include command names (``\import{dir}{file}`` joins its two arguments)."""
    if m.group("bare") is not None:
        return m.group("bare").strip()
    if m.group("b") is not None:
        return posixpath.join(m.group("a").strip(), m.group("b").strip())
    return (m.group("a") or "").strip()


def assemble(main: str, fetch: Fetch, *, source: str) -> Source:
    """Read ``main`` with every file it inputs spliced in, comments and dead branches removed.

    Raises:
        PaperReadError: When the main file is missing or a file cannot be decoded (names it).

    """
    data = fetch(main)
    if data is None:
        raise PaperReadError(f"{source}: cannot read {main}")
    result = Source(main=main, text="")
    text = strip_comments(decode_tex(data, f"{source}: {main}", result.warnings))
    text = _expand(text, main, fetch, result, [main], source)
    result.text = remove_dead_code(text)
    return result


def _expand(text: str, path: str, fetch: Fetch, result: Source, stack: list[str], source: str) -> str:
    """Splice included files into ``text`` recursively (cycles and runaway depth are cut with a warning)."""
    out: list[str] = []
    last = 0
    root = posixpath.dirname(stack[0])
    for m in _INCLUDE.finditer(text):
        out.append(text[last:m.start()])
        last = m.end()
        name = _target_name(m)
        folder = posixpath.dirname(path) if m.group("cmd").startswith("sub") else root
        found = _resolve(name, [folder, root, posixpath.dirname(path)], fetch)
        if found is None and m.group("bare") is not None:
            out.append(m.group(0))  # \input used as the primitive on something that is not a file of the project
            continue
        if found is None:
            result.warnings.append(f"{path}: included file {name!r} not found; skipped")
            continue
        target, data = found
        if target in stack or len(stack) > MAX_INCLUDE_DEPTH:
            result.warnings.append(f"{path}: include of {target!r} skipped (cycle or depth over {MAX_INCLUDE_DEPTH})")
            continue
        child = _document_body(strip_comments(decode_tex(data, f"{source}: {target}", result.warnings)))
        out.append(_expand(child, target, fetch, result, [*stack, target], source))
        if sum(map(len, out)) > MAX_SOURCE_CHARS:
            raise PaperReadError(f"{source}: the expanded LaTeX source exceeds {MAX_SOURCE_CHARS} characters")
    out.append(text[last:])
    return "".join(out)


def _document_body(text: str) -> str:
    r"""An included file that is a document itself (``subfiles``, ``standalone``) contributes only its body."""
    begin = _BEGIN_DOCUMENT.search(text)
    if begin is None:
        return text
    end = re.search(r"\\end\s*\{document\}", text[begin.end():])
    return text[begin.end():begin.end() + end.start()] if end else text[begin.end():]


def _resolve(name: str, folders: list[str], fetch: Fetch) -> tuple[str, bytes] | None:
    """The first existing file for an include name, tried in each folder with and without ``.tex``."""
    for folder in dict.fromkeys(folders):
        joined = posixpath.normpath(posixpath.join(folder, name))
        if joined.startswith("../") or joined == ".." or joined.startswith("/"):
            continue
        for candidate in (joined, joined + ".tex") if not is_tex_name(joined) else (joined,):
            data = fetch(candidate)
            if data is not None:
                return candidate, data
    return None


_IF_TOKEN = re.compile(r"\\(if[A-Za-z@]*|else|fi|or)(?![A-Za-z@])")
_NOT_CONDITIONALS = {"iff", "ifthenelse", "ifcase"}


def remove_dead_code(text: str) -> str:
    r"""Remove ``comment`` environments and dead conditional branches.

    ``\iffalse``/``\iftrue``/``\if0``/``\if1`` and flags declared with ``\newif`` (set by ``\flagtrue`` /
    ``\flagfalse``) are evaluated; other conditionals are left for the converter, which keeps both branches.
    """
    text = _remove_environment(text, "comment")
    flags = _newif_flags(text)
    return _evaluate_conditionals(text, flags)


def _remove_environment(text: str, name: str) -> str:
    begin = re.compile(r"\\begin\s*\{" + re.escape(name) + r"\}")
    out: list[str] = []
    i = 0
    while (m := begin.search(text, i)) is not None:
        out.append(text[i:m.start()])
        i = find_env_end(text, m.end(), name)[1]
    out.append(text[i:])
    return "".join(out)


def _newif_flags(text: str) -> dict[str, bool]:
    r"""The ``\newif`` flags and their last setting."""
    flags = {m.group(1): False for m in re.finditer(r"\\newif\s*\\if([A-Za-z@]+)", text)}
    for m in re.finditer(r"\\([A-Za-z@]+)(true|false)(?![A-Za-z@])", text):
        if m.group(1) in flags:
            flags[m.group(1)] = m.group(2) == "true"
    return flags


def _condition(name: str, text: str, end: int, flags: dict[str, bool]) -> tuple[bool | None, int]:
    """The value of a conditional we can evaluate (and where its test ends), or None for the others."""
    if name == "iffalse":
        return False, end
    if name == "iftrue":
        return True, end
    if name == "if":
        m = re.match(r"\s*([01])(?![0-9])", text[end:])
        if m:
            return m.group(1) == "1", end + m.end()
        return None, end
    if name[2:] in flags:
        return flags[name[2:]], end
    return None, end


def _evaluate_conditionals(text: str, flags: dict[str, bool]) -> str:
    """Drop the dead branch of every conditional :func:`_condition` can evaluate."""
    text = re.sub(r"\\newif\s*\\if[A-Za-z@]+", "", text)
    if flags:
        text = re.sub(r"\\(?:" + "|".join(map(re.escape, flags)) + r")(?:true|false)(?![A-Za-z@])", "", text)
    return _resolve_conditionals(text, flags)


def _resolve_conditionals(text: str, flags: dict[str, bool]) -> str:
    out: list[str] = []
    i = 0
    while (m := _IF_TOKEN.search(text, i)) is not None:
        name = m.group(1)
        value, test_end = (None, m.end())
        if name.startswith("if") and name not in _NOT_CONDITIONALS:
            value, test_end = _condition(name, text, m.end(), flags)
        if value is None:
            out.append(text[i:m.end()])
            i = m.end()
            continue
        out.append(text[i:m.start()])
        else_at, fi_at, fi_end = _branches(text, test_end)
        if value:
            kept = text[test_end:fi_at if else_at is None else else_at]
        else:
            kept = "" if else_at is None else text[else_at + len("\\else"):fi_at]
        out.append(_resolve_conditionals(kept, flags))
        i = fi_end
    out.append(text[i:])
    return "".join(out)


def _branches(text: str, start: int) -> tuple[int | None, int, int]:
    r"""Positions of the ``\else`` and ``\fi`` matching a conditional whose test ends at ``start``."""
    depth = 0
    else_at: int | None = None
    for m in _IF_TOKEN.finditer(text, start):
        name = m.group(1)
        if name.startswith("if") and name not in _NOT_CONDITIONALS:
            depth += 1
        elif name == "fi":
            if depth == 0:
                return else_at, m.start(), m.end()
            depth -= 1
        elif name == "else" and depth == 0 and else_at is None:
            else_at = m.start()
    return else_at, len(text), len(text)

