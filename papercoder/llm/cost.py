"""Cost of model calls from an editable price table (``prices.yaml`` beside this module, plus the user's)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml


class PriceTableError(ValueError):
    """A price file that cannot be read."""


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    cached_input: float
    output: float

    def cost(self, input_tokens: int, cached_input_tokens: int, output_tokens: int) -> float:
        """USD for one call (cached input tokens are part of ``input_tokens``)."""
        fresh = max(0, input_tokens - cached_input_tokens)
        return (fresh * self.input + cached_input_tokens * self.cached_input + output_tokens * self.output) / 1e6


def _read(text: str, where: str) -> dict[str, Price]:
    try:
        data = yaml.safe_load(text) or {}
        if not isinstance(data, dict):
            raise TypeError("not a mapping of model names")
        out = {}
        for name, row in data.items():
            out[str(name)] = Price(input=float(row["input"]), output=float(row["output"]),
                                   cached_input=float(row.get("cached_input", row["input"])))
        return out
    except (yaml.YAMLError, TypeError, KeyError, ValueError, AttributeError) as exc:
        raise PriceTableError(f"{where}: not a price table ({exc}); expected `model: {{input, output}}`") from exc


@functools.lru_cache(maxsize=8)
def price_table(user_file: str = "") -> dict[str, Price]:
    """The shipped prices, with ``user_file``'s merged over them."""
    table = _read(files("papercoder.llm").joinpath("prices.yaml").read_text(encoding="utf-8"), "prices.yaml")
    if user_file:
        path = Path(user_file).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PriceTableError(f"{path}: cannot read the price file ({exc.strerror})") from exc
        table.update(_read(text, str(path)))
    return table


def price_of(model: str, user_file: str = "") -> Price | None:
    """Prices of ``model`` (a spec such as ``openai:gpt-4.1-mini`` or a bare name), or None when unknown."""
    name = model.split(":", 1)[1] if model.startswith("openai:") else model
    name = name.split("@", 1)[0]
    table = price_table(user_file)
    best = max((k for k in table if name == k or name.startswith(k + "-")), key=len, default=None)
    return table[best] if best else None


def call_cost(record: dict[str, Any], user_file: str = "") -> float | None:
    """USD of one call record (0 for a cache hit), or None when its model has no price."""
    if record.get("cache_hit"):
        return 0.0
    price = price_of(str(record.get("model_spec") or record.get("model", "")), user_file)
    if price is None:
        return None
    return price.cost(int(record.get("input_tokens", 0)), int(record.get("cached_input_tokens", 0)),
                      int(record.get("output_tokens", 0)))
