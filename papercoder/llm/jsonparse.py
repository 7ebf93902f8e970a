"""A tolerant reader of JSON answers, for servers without JSON-schema mode.

Models asked for JSON in plain text wrap it in Markdown fences, MetaGPT-style ``[CONTENT]...[/CONTENT]``
markers, or add prose before and after. The first JSON object (or array) that decodes is taken.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

_CONTENT = re.compile(r"\[CONTENT\](.*?)\[/CONTENT\]", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n(.*?)```", re.DOTALL)


class JSONAnswerError(ValueError):
    """No usable JSON in an answer; the message says why, for a re-ask."""


def _candidates(text: str) -> list[str]:
    found = [m.group(1) for m in _CONTENT.finditer(text)] + [m.group(1) for m in _FENCE.finditer(text)]
    return [*found, text]


def extract_json(text: str) -> Any:
    """The first JSON value (object or array) in ``text``.

    Raises:
        JSONAnswerError: When there is none.

    """
    decoder = json.JSONDecoder()
    for chunk in _candidates(text):
        for start in (i for i, c in enumerate(chunk) if c in "{["):
            try:
                value, _end = decoder.raw_decode(chunk, start)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict | list):
                return value
    raise JSONAnswerError("the answer holds no JSON object; answer with one JSON object only")


def parse_as(text: str, schema: type[BaseModel]) -> BaseModel:
    """``text``'s JSON validated as ``schema``.

    Raises:
        JSONAnswerError: When there is no JSON or it does not fit the schema (the pydantic errors, briefly).

    """
    value = extract_json(text)
    try:
        return schema.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in exc.errors()[:8])
        raise JSONAnswerError(f"the JSON does not fit the schema: {problems}") from exc


def schema_instructions(schema: type[BaseModel]) -> str:
    """Text asking for one JSON object of ``schema`` (for servers without JSON-schema mode)."""
    return ("Answer with one JSON object only (no prose, no Markdown fences) that follows this JSON schema:\n"
            + json.dumps(schema.model_json_schema(), separators=(",", ":")))
