"""Pulling fenced blocks and Markdown sections out of model answers.

Small models write code and diagrams better as fenced blocks in plain text than as long JSON strings, so
several agents answer in Markdown and these helpers read it.
"""

from __future__ import annotations

import re
import textwrap

# Fences may be indented (small models nest them under list items); the body is dedented.
_FENCE = re.compile(r"^[ \t]{0,8}(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+.#-]*)[^\n]*\n(?P<body>.*?)"
                    r"^[ \t]{0,8}(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL)


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """All closed fenced blocks as ``(language, body)`` pairs, in order."""
    return [(m.group("lang").lower(), textwrap.dedent(m.group("body")).rstrip("\n")) for m in _FENCE.finditer(text)]


def unclosed_block(text: str) -> tuple[str, str] | None:
    """A fenced block opened but never closed (an answer cut at its token limit), if any."""
    closed_end = 0
    for m in _FENCE.finditer(text):
        closed_end = m.end()
    m = re.search(r"^(`{3,}|~{3,})[ \t]*([\w+.#-]*)[^\n]*\n(.*)\Z", text[closed_end:], re.MULTILINE | re.DOTALL)
    return (m.group(2).lower(), m.group(3)) if m else None


def first_block(text: str, *, langs: tuple[str, ...] = (), containing: str | None = None) -> str | None:
    """The first fenced block whose language is in ``langs`` (any when empty) and holds ``containing``."""
    for lang, body in fenced_blocks(text):
        if langs and lang not in langs:
            continue
        if containing and containing not in body:
            continue
        return body
    return None


def sections(markdown: str, labels: tuple[str, ...] = ()) -> dict[str, str]:
    """Map each section's title (lower-cased) to the text under it, ignoring headings inside fences.

    A section starts at a Markdown heading, or at a bold label line (``**File list**:``, ``- **File list**:``)
    whose title is one of ``labels`` — small models often write the requested headings that way.
    """
    out: dict[str, str] = {}
    current, buf, in_fence = "", [], False
    for line in markdown.splitlines():
        if re.match(r"^\s*(`{3,}|~{3,})", line):
            in_fence = not in_fence
        m = None if in_fence else re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        label = None if in_fence or m else re.match(r"^\s*(?:[-*+]\s+)?\*\*(.+?):?\*\*\s*:?\s*(.*)$", line)
        if label and _heading_key(label.group(1)) not in labels:
            label = None
        if m or label:
            out[current] = "\n".join(buf).strip()
            current = _heading_key((m or label).group(1))  # type: ignore[union-attr]
            buf = [label.group(2)] if label and label.group(2) else []
        else:
            buf.append(line)
    out[current] = "\n".join(buf).strip()
    return out


def _heading_key(title: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", re.sub(r"^\s*[\d.]+\s*", "", title.lower())).strip()


def drop_repeats(text: str) -> tuple[str, int]:
    """Remove paragraphs that repeat an earlier one word for word (small models loop).

    Returns:
        The text without repeats, and how many paragraphs were removed.
    """
    seen: set[str] = set()
    kept: list[str] = []
    removed = 0
    for block in re.split(r"\n\s*\n", text.strip()):
        key = " ".join(block.split())
        if key and key in seen and not block.lstrip().startswith(("```", "~~~")):
            removed += 1
            continue
        seen.add(key)
        kept.append(block)
    return "\n\n".join(kept), removed
