r"""The text-mode commands the converter interprets itself: labels, footnotes, captions, links, verbatim...

Each handler gets the renderer, the command name, the source and the index after the name; it appends its
output and returns the index after the command.
"""

from __future__ import annotations

from collections.abc import Callable

from papercoder.paper.latex_envs import render_caption, render_environment, render_subcaption
from papercoder.paper.latex_scan import read_args, read_group, read_optional, skip_space
from papercoder.paper.latex_state import RenderState

Handler = Callable[[RenderState, str, str, int, list[str]], int]


def _handle_begin(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    return render_environment(r, s, j, out)


def _handle_end(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    return read_args(s, j, "{")[1]  # a stray \end (its \begin was in another argument)


def _handle_mintinline(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    return _handle_verb(r, name, s, read_args(s, j, "{")[1], out)


def _handle_label(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    key, j = read_args(s, j, "{")
    r.set_label(key[0] or "")
    return j


def _handle_footnote(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    args, j = read_args(s, j, "[{")
    text = r.markdown(r.render(args[1] or ""))
    out.append(r.footnote(" ".join(text.split())))
    return j


def _handle_caption(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    spec = "{*[{" if name == "captionof" else "*[{"
    args, j = read_args(s, j, spec)
    kind = (args[0] or "figure").strip() if name == "captionof" else None
    starred = (args[1] if name == "captionof" else args[0]) == "*"
    out.append(render_caption(r, args[-1] or "", kind=kind, numbered=not starred))
    return j


def _handle_appendix(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    r.start_appendix()
    return skip_space(s, j)


def _handle_url(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    if j < len(s) and s[j] not in "{ \t\n":  # \url|...| with another delimiter
        end = s.find(s[j], j + 1)
        out.append(s[j + 1:end] if end > 0 else "")
        return end + 1 if end > 0 else len(s)
    args, j = read_args(s, j, "{")
    out.append((args[0] or "").replace("\\%", "%").replace("\\_", "_").replace("\\#", "#").replace("\\&", "&"))
    return j


def _handle_href(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    args, j = read_args(s, j, "[{{")
    url = (args[1] or "").replace("\\%", "%").replace("\\_", "_").replace("\\#", "#").strip()
    text = r.inline(r.render(args[2] or ""))
    out.append(text if not url or text == url else f"[{text}]({url})")
    return j


def _handle_verb(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    if j < len(s) and s[j] == "*":
        j += 1
    if j < len(s) and s[j] == "[":
        got = read_optional(s, j)
        j = got[1] if got else j
    if j >= len(s):
        return j
    if s[j] == "{":
        content, end = read_group(s, j) or ("", j + 1)
        out.append(f"`{content}`")
        return end
    end = s.find(s[j], j + 1)
    end = len(s) if end < 0 else end
    out.append(f"`{s[j + 1:end]}`")
    return end + 1


def _handle_item(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    got = read_optional(s, skip_space(s, j))
    label = r.inline(r.render(got[0])) if got else ""
    out.append(f"\n\n- {label} " if label else "\n\n- ")
    return got[1] if got else j


def _handle_ensuremath(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    args, j = read_args(s, j, "{")
    out.append(f"${' '.join((args[0] or '').split())}$")
    return j


def _handle_abstract_command(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    if s[skip_space(s, j):skip_space(s, j) + 1] == "{":
        args, j = read_args(s, j, "{")
        if not r.abstract:
            r.abstract = r.markdown(r.render(args[0] or ""))
    return j


def _handle_title_like(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    return r.drop_groups(s, j)


def _handle_newtheorem(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    return r.drop_groups(s, j)


def _handle_xspace(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    k = j
    while s.startswith("{}", k):
        k += 2
    nxt = s[k:k + 1]
    if nxt and (nxt.isalnum() or nxt in "(\\$`“‘["):
        out.append(" ")
    return k


def _handle_subfloat(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    args, j = read_args(s, j, "[[{")
    if args[0]:
        out.append(render_subcaption(r, args[0]))
    out.append(r.render(args[2] or ""))
    return j


def _handle_texorpdfstring(r: RenderState, name: str, s: str, j: int, out: list[str]) -> int:
    args, j = read_args(s, j, "{{")
    out.append(r.render(args[0] or ""))
    return j


HANDLERS: dict[str, Handler] = {
    "begin": _handle_begin,
    "end": _handle_end,
    "label": _handle_label,
    "footnote": _handle_footnote,
    "footnotetext": _handle_footnote,
    "tablefootnote": _handle_footnote,
    "caption": _handle_caption,
    "captionof": _handle_caption,
    "appendix": _handle_appendix,
    "url": _handle_url,
    "href": _handle_href,
    "verb": _handle_verb,
    "lstinline": _handle_verb,
    "mintinline": _handle_mintinline,
    "item": _handle_item,
    "ensuremath": _handle_ensuremath,
    "abstract": _handle_abstract_command,
    "title": _handle_title_like,
    "newtheorem": _handle_newtheorem,
    "xspace": _handle_xspace,
    "subfloat": _handle_subfloat,
    "subfigure": _handle_subfloat,
    "texorpdfstring": _handle_texorpdfstring,
}
