"""The paper's requirements checklist: what the model extracted, kept only where the paper says it.

Each item has an id (``R1``, ``R2``...), a kind (:data:`KINDS`), a one-line requirement, the paper's own words as
a quote with its section, and for a hyperparameter the value as stated. A quote is checked against the ingested
paper text deterministically (:func:`find_quote`: case, whitespace, hyphenation and typography ignored; ``...``
splits it into fragments found in order). A reworded quote is replaced by the paper's sentence that clearly holds
its words (:func:`locate`; the model's words kept as ``quote_given``). An item whose quote is still not in the
paper is dropped and counted, and so is a hyperparameter whose value is not in its quote. Nothing on the list is
invented.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

KINDS = ("component", "loss", "algorithm", "hyperparameter", "data", "experiment", "metric", "result")
"""Component; loss or objective; algorithm step; hyperparameter; dataset and preprocessing; experiment; metric;
figure or table to reproduce."""

Kind = Literal["component", "loss", "algorithm", "hyperparameter", "data", "experiment", "metric", "result"]

MIN_QUOTE = 12
"""Characters a quote needs (after normalising) to say anything checkable."""


class ItemAnswer(BaseModel):
    """One requirement as the model gives it (bounded for small models).

    A number or null where text is asked for is taken as text.
    """

    model_config = ConfigDict(coerce_numbers_to_str=True)

    kind: Kind
    requirement: str = Field(max_length=200, description="What the code must do or hold, in one line.")
    quote: str = Field(max_length=300, description="The paper's own words that state it, copied exactly.")
    section: str = Field(default="", max_length=80, description="The paper section the quote is in.")
    value: str = Field(default="", max_length=40, description="For a hyperparameter: its value as stated.")

    @field_validator("section", "value", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return "" if v is None else v

    @field_validator("quote", "requirement", "value", mode="after")
    @classmethod
    def _latex_back(cls, v: str) -> str:
        return latex_escapes(v)


_ESCAPED = {"\t": "\\t", "\b": "\\b", "\f": "\\f", "\r": "\\r", "\v": "\\v", "\a": "\\a"}
_NEWLINE_COMMAND = re.compile(r"\n(?=(?:abla|eq|u|ot|ewline|oindent|onumber|exists|olimits|orm|atural)(?![a-z]))")


def latex_escapes(text: str) -> str:
    r"""LaTeX commands a JSON answer read as escapes, given back their backslash.

    The model writes a quote's ``\text{...}`` as ``"\text{...}"`` in JSON, which reads as a tab and ``ext``
    (seen on the Transformer: 7 quotes "not in the paper"); ``\frac``, ``\beta``, ``\rho`` likewise. A
    newline is taken back only before a LaTeX command's rest (``\nabla``, ``\neq``...).
    """
    text = _NEWLINE_COMMAND.sub(r"\\n", text)
    return text.translate(str.maketrans(_ESCAPED)) if any(c in text for c in _ESCAPED) else text


class ChecklistAnswer(BaseModel):
    """The model's requirements for one part of the paper."""

    items: list[ItemAnswer] = Field(max_length=20)


def salvage(text: str) -> ChecklistAnswer | None:
    """The complete, valid items of an answer cut off at the output-token limit (None when there are none).

    Seen with the embedded model on the Transformer: 12 items with long quotes ran past 1,500 tokens; the 11
    complete ones were thrown away and the re-ask answered with the request's example.
    """
    start = text.find("[")
    decoder = json.JSONDecoder()
    items: list[ItemAnswer] = []
    at = start + 1 if start >= 0 else len(text)
    while (brace := text.find("{", at)) >= 0:
        try:
            obj, at = decoder.raw_decode(text, brace)
        except ValueError:
            break
        try:
            items.append(ItemAnswer.model_validate(obj))
        except ValidationError:
            continue
    return ChecklistAnswer(items=items[:20]) if items else None


_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                         "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalize(text: str) -> str:
    """Text for matching.

    NFKC, lowercase, typographic dashes and quotes plain, hyphens between letters removed (so a word hyphenated at a
    line end, or written with or without a hyphen, matches), Markdown emphasis and math markers removed,
    whitespace collapsed.
    """
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).lower()
    text = re.sub(r"([a-z])-\s*([a-z])", r"\1\2", text)  # pre-training, pre-\ntraining, pretraining alike
    text = re.sub(r"[*_`$\\{}]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _fragments(quote: str) -> list[str]:
    parts = re.split(r"\s*(?:\.\.\.|\u2026|\[\.\.\.\])\s*", normalize(quote).strip(" \"'"))
    return [p.strip(" .,;:") for p in parts if p.strip(" .,;:")]


def find_quote(quote: str, paper: str) -> bool:
    """Whether ``quote`` is in ``paper``: each ``...``-separated fragment, in order, after :func:`normalize`."""
    fragments = _fragments(quote)
    if not fragments or sum(len(f) for f in fragments) < MIN_QUOTE:
        return False
    at = 0
    for fragment in fragments:
        at = _find_whole(paper, fragment, at)
        if at < 0:
            return False
        at += len(fragment)
    return True


def _find_whole(text: str, part: str, start: int) -> int:
    """Where ``part`` is in ``text`` from ``start`` without cutting a word or number at either end (-1: nowhere)."""
    at = text.find(part, start)
    while at >= 0:
        before = text[at - 1] if at > 0 else " "
        after = text[at + len(part)] if at + len(part) < len(text) else " "
        if not (part[0].isalnum() and before.isalnum()) and not (part[-1].isalnum() and after.isalnum()):
            return at
        at = text.find(part, at + 1)
    return -1


def value_in(value: str, quote: str) -> bool:
    """Whether a hyperparameter's ``value`` is written in its ``quote`` (numbers compared as numbers)."""
    value, quote = normalize(value), normalize(quote)
    if not value:
        return False
    if _find_whole(quote, value, 0) >= 0:
        return True
    wanted, stated = _numbers(value), _numbers(quote)
    return bool(wanted) and all(any(math.isclose(n, q, rel_tol=1e-9) for q in stated) for n in wanted)


_NUMBER = re.compile(r"(?<![\w.])(?:10\s*\^\s*([-+]?\d+)"
                     r"|(\d+(?:\.\d+)?)(?:\s*(?:e|[x×]\s*10\s*\^?)\s*([-+]?\d+))?)")


def _numbers(text: str) -> list[float]:
    """The numbers written in ``text``: ``0.0003``, ``3e-4``, ``3 × 10^-4`` and ``10^-4`` as floats."""
    out = []
    for m in _NUMBER.finditer(text.replace(",", "")):
        mantissa, exponent = ("1", m.group(1)) if m.group(1) is not None else (m.group(2), m.group(3))
        try:
            out.append(float(f"{mantissa}e{exponent or 0}"))
        except ValueError:
            continue
    return out


def verified(answers: Iterable[ItemAnswer], paper: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The items whose quote (and, for a hyperparameter, value) is in the paper, and the dropped ones with why."""
    text = normalize(paper)
    kept, dropped = [], []
    for a in answers:
        item = {k: (v.strip() if isinstance(v, str) else v) for k, v in a.model_dump().items()}
        if not find_quote(item["quote"], text) and (found := locate(item["quote"], paper)):
            item = {**item, "quote": found, "quote_given": item["quote"]}
        if not find_quote(item["quote"], text):
            dropped.append({**item, "reason": "quote not in the paper"})
        elif item["kind"] == "hyperparameter" and not value_in(item["value"], item["quote"]):
            dropped.append({**item, "reason": "value not in its quote"})
        else:
            kept.append(item)
    return kept, dropped


LOCATE_SHARE = 0.8
"""Share of a paraphrased quote's words one sentence of the paper must hold for the quote to be placed there."""
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z$\\(])|\n\s*\n")
_NOT_QUOTES = frozenset({"code", "must", "paper", "implement", "implemented", "reproduce"})


def locate(quote: str, paper: str) -> str | None:
    """The paper's own sentence that a paraphrased ``quote`` stands for, if one clearly holds it.

    The embedded model rewords most quotes (seen on What Will My Model Forget: 29 of 35 dropped as not in the
    paper, "The learning rate of 10^-5." among them). A quote of at least 4 distinct words, at least
    :data:`LOCATE_SHARE` of which are in one sentence of the paper (the most, and clearly more than any other),
    is replaced by that sentence: the item then quotes the paper word for word. Words of the request's own
    phrasing ("the code must reproduce") do not count. None otherwise.
    """
    words = _words(quote) - _NOT_QUOTES
    if len(words) < 4:
        return None
    scored = []
    for sentence in _SENTENCE.split(paper):
        sentence = " ".join(sentence.split())
        if 20 <= len(sentence) <= 300:
            scored.append((len(words & _words(sentence)) / len(words), sentence))
    scored.sort(key=lambda x: -x[0])
    if not scored or scored[0][0] < LOCATE_SHARE or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def deduplicated(items: Iterable[dict[str, Any]], threshold: float = 0.85) -> list[dict[str, Any]]:
    """``items`` without repeats: the same kind and value, with the same quote or a near-identical requirement.

    Two hyperparameters from one sentence ("Adam with beta1 = 0.9, beta2 = 0.98") are both kept.
    """
    out: list[dict[str, Any]] = []
    for item in items:
        quote, req = normalize(item["quote"]), normalize(item["requirement"])
        if any(o["kind"] == item["kind"] and o.get("value", "") == item.get("value", "")
               and (normalize(o["quote"]) == quote
                    or difflib.SequenceMatcher(None, normalize(o["requirement"]), req).ratio() >= threshold)
               for o in out):
            continue
        out.append(item)
    return out


def numbered(items: Iterable[dict[str, Any]], start: int = 1) -> list[dict[str, Any]]:
    """Items with ids ``R<start>``, ``R<start+1>``... in order."""
    return [{"id": f"R{i}", **{k: v for k, v in item.items() if k != "id"}} for i, item in enumerate(items, start)]


def render(checklist: dict[str, Any]) -> str:
    """``checklist.md``: one table row per item, then what was dropped."""
    rows = ["| id | kind | requirement | value | files | quote (section) |", "|---|---|---|---|---|---|"]
    for it in checklist.get("items", []):
        quote = it["quote"].replace("|", "\\|")
        where = f" ({it['section']})" if it.get("section") else ""
        rows.append(f"| {it['id']} | {it['kind']} | {it['requirement'].replace('|', '/')} | {it.get('value', '')} "
                    f"| {', '.join(it.get('files', []))} | \u201c{quote}\u201d{where} |")
    dropped = checklist.get("dropped", [])
    tail = [f"\n{len(dropped)} item(s) dropped:"] + [f"- {d['kind']}: {d['requirement']} ({d['reason']})"
                                                   for d in dropped] if dropped else []
    return "# Requirements checklist\n\n" + "\n".join(rows + tail) + "\n"


_WORD = re.compile(r"[a-z][a-z0-9]{2,}")
COMMON_WORDS = frozenset("the and for with from that this each into are its use using used all per".split())
"""Words too common to tell two requirements (or a requirement and a name) apart."""


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(normalize(text.replace("_", " ").replace("/", " ").replace(".", " ")))
            if w not in COMMON_WORDS}


def unassigned(items: list[dict[str, Any]], tasks: Iterable[Any]) -> list[str]:
    """Ids of ``items`` that no task (a :class:`~papercoder.schemas.FileLogic` or its dict) lists."""
    listed = {i.strip().upper() for t in tasks for i in (t["items"] if isinstance(t, dict) else t.items)}
    return [i["id"] for i in items if i["id"].upper() not in listed]


def assign(items: list[dict[str, Any]], tasks: list[dict[str, Any]], entry_point: str) -> tuple[
        list[dict[str, Any]], list[str]]:
    """Each item with the files that implement it; tasks' ``items`` kept, the rest placed by the stated rule.

    The rule for an item no task lists: the file whose path and logic share the most words with the item's
    requirement and quote; with no word shared, the entry point.

    Returns:
        The items with ``files`` set, and one sentence per item placed by the rule.
    """
    ids = {i["id"] for i in items}
    files: dict[str, list[str]] = {i["id"]: [] for i in items}
    for t in tasks:
        for ref in t.get("items", []):
            ref = ref.strip().upper()
            if ref in ids and t["path"] not in files[ref]:
                files[ref].append(t["path"])
    placed = []
    for item in items:
        if files[item["id"]]:
            continue
        want = _words(item["requirement"] + " " + item["quote"])
        scores = [(len(want & _words(t["path"] + " " + t.get("logic", ""))), -k, t["path"])
                  for k, t in enumerate(tasks)]
        best = max(scores, default=(0, 0, entry_point))
        files[item["id"]] = [best[2] if best[0] > 0 else entry_point]
        placed.append(f"{item['id']} assigned to {files[item['id']][0]} by the rule (no file listed it)")
    return [{**i, "files": files[i["id"]]} for i in items], placed


_CONFIG_LINE = re.compile(r"^\s*([\w.-]+)\s*:\s*([^#\n]*?)\s*(?:#(.*))?$")


def same_value(stated: str, written: str) -> bool:
    """Whether a config value ``written`` is the paper's ``stated`` value (numbers compared as numbers)."""
    a, b = normalize(stated).strip("'\" "), normalize(written).strip("'\" ")
    if not a or not b:
        return False
    if a == b:
        return True
    na, nb = _numbers(a), _numbers(b)
    return bool(na) and len(na) == len(nb) and all(math.isclose(x, y, rel_tol=1e-9)
                                                      for x, y in zip(na, nb, strict=True))


def hyperparameters_in_config(items: list[dict[str, Any]], config_text: str) -> dict[str, dict[str, Any]]:
    """Each hyperparameter item's place in config.yaml: ``{"status", "line", "key"}`` by id.

    ``status``: ``ok`` (a line tagged with the id holds the paper's value), ``untagged`` (no tagged line, but a
    line holds the value), ``wrong_value`` (the tagged line holds another value) or ``missing``.
    """
    lines = [(n, m) for n, line in enumerate(config_text.splitlines(), 1) if (m := _CONFIG_LINE.match(line))]
    out = {}
    for item in (i for i in items if i["kind"] == "hyperparameter"):
        tag = re.compile(rf"\b{re.escape(item['id'])}\b", re.IGNORECASE)
        tagged = [(n, m) for n, m in lines if m.group(3) and tag.search(m.group(3))]
        good = [(n, m) for n, m in tagged if same_value(item["value"], m.group(2))]
        loose = [(n, m) for n, m in lines if same_value(item["value"], m.group(2))]
        status, hit = ("ok", good[0]) if good else ("wrong_value", tagged[0]) if tagged else \
            ("untagged", loose[0]) if loose else ("missing", None)
        out[item["id"]] = {"status": status, "line": hit[0] if hit else None, "key": hit[1].group(1) if hit else None}
    return out


def items_of(data: dict[str, Any] | None, path: str) -> list[dict[str, Any]]:
    """The checklist items assigned to ``path``."""
    return [i for i in (data or {}).get("items") or [] if path in i.get("files", [])]


def brief(items: list[dict[str, Any]], intro: str) -> str:
    """A request's lines about ``items`` (``""`` for none): ``intro``, then one bullet per item with its quote."""
    if not items:
        return ""
    lines = [f"- {i['id']} ({i['kind']}): {i['requirement']}" + (f" = {i['value']}" if i.get("value") else "")
             + (f" (paper: \u201c{i['quote']}\u201d)" if i.get("quote") else "") for i in items]
    return intro + "\n" + "\n".join(lines) + "\n"


_SKIP = re.compile(r"related work|prior work|acknowledg|funding|broader impact|ethic|societal|impact statement|"
                   r"references|bibliography|checklist|author contribution|limitation", re.IGNORECASE)
_FIRST = re.compile(r"experiment|setup|set-up|implementation|training|hyper|detail|config|parameter|dataset|"
                    r"result|evaluation|metric|method|model|algorithm|prompt", re.IGNORECASE)


def _sections(markdown: str) -> list[tuple[str, str]]:
    """``(heading, text)`` of each ``#``-headed section (the text before the first heading left out)."""
    parts = re.split(r"(?m)^(#{1,4} .*)$", markdown)
    return [(parts[i].lstrip("#").strip(), parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)]


def unread_parts(full: str, read: str, budget: int, most: int) -> list[str]:
    """The sections of ``full`` that ``read`` does not hold, in parts of about ``budget`` tokens, at most ``most``.

    Sections an implementer needs least (related work, acknowledgements, references, ...) are left out; those
    about the method, set-up, experiments and results come first. A section is unread when its opening words
    are not in ``read`` (compaction drops whole sections and shortens others from their end).
    """
    from papercoder.llm.tokens import count_tokens

    have = normalize(read)
    unread = []
    for heading, text in _sections(full):
        body = normalize(text)
        if not body or _SKIP.search(heading):
            continue
        tail = body[len(body) // 2:][:200]
        if body[:200] in have and tail in have:
            continue
        unread.append((heading, text))
    unread.sort(key=lambda s: 0 if _FIRST.search(s[0]) else 1)
    parts: list[str] = []
    current = ""
    for heading, text in unread:
        block = f"## {heading}\n{text}\n\n"
        while count_tokens(block) > budget:  # one section longer than a part: its beginning
            block = block[: int(len(block) * 0.8)]
        if current and count_tokens(current + block) > budget:
            parts.append(current)
            current = ""
        current += block
        if len(parts) >= most:
            break
    if current and len(parts) < most:
        parts.append(current)
    return parts[:most]
