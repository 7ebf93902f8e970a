"""Low-level LaTeX scanning: braced groups, optional arguments, environments, comments.

Every function works on a string and an index and returns the new index, so callers can walk a document
without copying it. Nothing here interprets commands.
"""

from __future__ import annotations

import re

CONTROL_WORD = re.compile(r"\\([A-Za-z@]+)")
_VERBATIM_ENVS = ("verbatim", "verbatim*", "Verbatim", "lstlisting", "minted", "comment")
_VERB = re.compile(r"\\(?:verb|lstinline)\*?([^A-Za-z\s{])")
# Where a row of a tabular or of multi-row math ends: \\ (with its spacing), \tabularnewline, \cr.
ROW_BREAK = re.compile(r"\\\\\*?(?:\s*\[[^\]]*\])?|\\tabularnewline(?![A-Za-z])|\\cr(?![A-Za-z])")


def skip_space(s: str, i: int, *, newlines: bool = True) -> int:
    """Skip spaces and tabs (and single line ends when ``newlines``; never a blank line) from ``i``."""
    n = len(s)
    while i < n:
        c = s[i]
        if c in " \t":
            i += 1
        elif c == "\n" and newlines:
            j = i + 1
            while j < n and s[j] in " \t":
                j += 1
            if j < n and s[j] == "\n":
                return i
            i = j
        else:
            return i
    return i


def _balanced(s: str, i: int, open_: str, close: str, *, shielded_by_braces: bool) -> tuple[str, int] | None:
    """Content between ``s[i] == open_`` and its matching ``close`` (escaped characters skipped), or None.

    With ``shielded_by_braces``, delimiters inside ``{...}`` do not count (``[`` inside an optional argument).
    """
    depth = braces = 0
    for j in range(i, len(s)):
        c = s[j]
        if j > i and s[j - 1] == "\\" and not _escaped_backslash(s, j - 1):
            continue
        if shielded_by_braces and c in "{}" and c not in (open_, close):
            braces += 1 if c == "{" else -1
        elif braces == 0 and c == open_:
            depth += 1
        elif braces == 0 and c == close:
            depth -= 1
            if depth == 0:
                return s[i + 1:j], j + 1
    return None


def _escaped_backslash(s: str, k: int) -> bool:
    """Whether the backslash at ``s[k]`` is itself escaped (preceded by an odd run of backslashes)."""
    run = 0
    while k - 1 - run >= 0 and s[k - 1 - run] == "\\":
        run += 1
    return run % 2 == 1


def read_group(s: str, i: int) -> tuple[str, int] | None:
    """Read a balanced ``{...}`` starting at ``s[i]``; (content, index after the closing brace) or None.

    An unclosed group runs to the end of the text.
    """
    if i >= len(s) or s[i] != "{":
        return None
    return _balanced(s, i, "{", "}", shielded_by_braces=False) or (s[i + 1:], len(s))


def read_optional(s: str, i: int, *, open_: str = "[", close: str = "]") -> tuple[str, int] | None:
    """Read ``[...]`` at ``s[i]`` (brackets inside braces do not count); (content, next index) or None."""
    if i >= len(s) or s[i] != open_:
        return None
    return _balanced(s, i, open_, close, shielded_by_braces=True)


def read_token(s: str, i: int) -> tuple[str, int]:
    """Read one TeX token at ``s[i]``: a control sequence, a group's content, or one character."""
    if i >= len(s):
        return "", i
    if s[i] == "{":
        group = read_group(s, i)
        assert group is not None
        return group
    if s[i] == "\\":
        m = CONTROL_WORD.match(s, i)
        if m:
            return m.group(0), m.end()
        return s[i:i + 2], min(len(s), i + 2)
    return s[i], i + 1


def read_arg(s: str, i: int) -> tuple[str, int]:
    """Read a mandatory argument after optional spaces: a group's content or a single token."""
    return read_token(s, skip_space(s, i))


def read_args(s: str, i: int, spec: str) -> tuple[list[str | None], int]:
    """Read arguments by a spec: ``*`` optional star, ``[`` optional, ``(`` optional in parentheses, ``{`` mandatory.

    Optional arguments that are absent come back as None (a star as ``"*"`` or None).
    """
    out: list[str | None] = []
    for kind in spec:
        j = skip_space(s, i)
        if kind == "*":
            star = j < len(s) and s[j] == "*"
            out.append("*" if star else None)
            i = j + 1 if star else i
        elif kind in "[(":
            got = read_optional(s, j, open_=kind, close="]" if kind == "[" else ")")
            out.append(got[0] if got else None)
            i = got[1] if got else i
        else:
            arg, i = read_arg(s, i)
            out.append(arg)
    return out, i


def find_env_end(s: str, i: int, name: str) -> tuple[int, int]:
    r"""Find the ``\end{name}`` closing an environment whose body starts at ``i`` (same-name nesting counted).

    Returns (body end, index after ``\end{name}``); an unclosed environment runs to the end of ``s``.
    """
    pattern = re.compile(r"\\(begin|end)\s*\{" + re.escape(name) + r"\}")
    depth = 1
    for m in pattern.finditer(s, i):
        depth += 1 if m.group(1) == "begin" else -1
        if depth == 0:
            return m.start(), m.end()
    return len(s), len(s)


def split_top_level(s: str, separator: re.Pattern[str]) -> list[str]:
    """Split ``s`` where ``separator`` matches outside braces and outside nested environments."""
    parts: list[str] = []
    depth = 0
    env_depth = 0
    start = 0
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if depth == 0 and env_depth == 0 and c not in "{}" and not s.startswith("\\begin", i):
            m = separator.match(s, i)
            if m:
                parts.append(s[start:i])
                start = i = m.end()
                continue
        if c == "\\":
            if s.startswith("\\begin", i) and depth == 0:
                env_depth += 1
            elif s.startswith("\\end", i) and depth == 0 and env_depth:
                env_depth -= 1
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        i += 1
    parts.append(s[start:])
    return parts


def strip_comments(text: str) -> str:
    """Drop ``%`` comments as TeX does (the line end and the next line's indentation go too); keep verbatim text.

    A line that is only a comment disappears entirely, so it never splits a paragraph.
    """
    pieces: list[str] = []
    verbatim_end: str | None = None
    join_next = False
    for line in text.split("\n"):
        if join_next:
            line = line.lstrip(" \t")
            if not line:
                pieces.append("\n\n")
                join_next = False
                continue
        if verbatim_end is not None:
            pieces += [line, "\n"]
            verbatim_end = None if verbatim_end in line else verbatim_end
            join_next = False
            continue
        cut = _comment_start(line)
        kept = line if cut is None else line[:cut]
        pieces += [kept] if cut is not None else [kept, "\n"]
        join_next = cut is not None
        verbatim_end = _opens_verbatim(kept)
    if pieces and pieces[-1] == "\n":
        pieces.pop()
    return "".join(pieces)


def _opens_verbatim(line: str) -> str | None:
    r"""The ``\end{...}`` a line's unclosed verbatim-like environment waits for, or None."""
    for env in _VERBATIM_ENVS:
        begin = f"\\begin{{{env}}}"
        at = line.find(begin)
        if at >= 0 and f"\\end{{{env}}}" not in line[at:]:
            return f"\\end{{{env}}}"
    return None


def _comment_start(line: str) -> int | None:
    r"""Index of the first unescaped ``%`` of a line (outside ``\verb``), or None."""
    i = 0
    n = len(line)
    while i < n:
        c = line[i]
        if c == "\\":
            m = _VERB.match(line, i)
            if m:
                end = line.find(m.group(1), m.end())
                i = n if end < 0 else end + 1
                continue
            i += 2
            continue
        if c == "%":
            return i
        i += 1
    return None
