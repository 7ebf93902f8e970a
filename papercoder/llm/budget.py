"""Run budgets: stop before a call would take the run's cost or tokens past a limit.

A call reserves its worst case (its input as counted, plus its whole output-token limit, at the model's
prices) before it is sent; parallel calls see each other's reservations, so the limit holds under
concurrency. When the call ends the reservation is replaced by what it really used.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from papercoder.llm.errors import StageError


class BudgetExceeded(StageError):
    """The next call would exceed the run's budget: the run stops here, everything so far kept."""


@dataclass
class Budget:
    """Spent and reserved cost and tokens of one run."""

    max_cost: float = 0.0
    max_tokens: int = 0
    spent_cost: float = 0.0
    spent_tokens: int = 0
    reserved_cost: float = 0.0
    reserved_tokens: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reserve(self, *, stage: str, file: str | None, tokens: int, cost: float) -> tuple[int, float]:
        """Hold ``tokens`` and ``cost`` for a call, or raise :class:`BudgetExceeded`."""
        with self.lock:
            if self.max_tokens and self.spent_tokens + self.reserved_tokens + tokens > self.max_tokens:
                raise BudgetExceeded(stage, f"stopped before this call: it could take the run to "
                                     f"{self.spent_tokens + self.reserved_tokens + tokens} tokens, over the "
                                     f"budget of {self.max_tokens} (spent {self.spent_tokens})", file=file)
            if self.max_cost and self.spent_cost + self.reserved_cost + cost > self.max_cost:
                raise BudgetExceeded(stage, f"stopped before this call: it could take the run to "
                                     f"${self.spent_cost + self.reserved_cost + cost:.4f}, over the budget of "
                                     f"${self.max_cost:.4f} (spent ${self.spent_cost:.4f})", file=file)
            self.reserved_tokens += tokens
            self.reserved_cost += cost
            return tokens, cost

    def settle(self, reservation: tuple[int, float], *, tokens: int, cost: float) -> None:
        """Replace a reservation by what the call used."""
        with self.lock:
            self.reserved_tokens -= reservation[0]
            self.reserved_cost -= reservation[1]
            self.spent_tokens += tokens
            self.spent_cost += cost


_BUDGETS: dict[str, Budget] = {}
_GUARD = threading.Lock()


def budget_for(run_key: str, *, max_cost: float, max_tokens: int, spent: dict[str, Any]) -> Budget:
    """The budget of the run ``run_key`` (created from run.json's totals ``spent`` the first time)."""
    with _GUARD:
        b = _BUDGETS.get(run_key)
        if b is None or (b.max_cost, b.max_tokens) != (max_cost, max_tokens):
            b = Budget(max_cost=max_cost, max_tokens=max_tokens,
                       spent_cost=float(spent.get("cost_usd") or 0.0),
                       spent_tokens=int(spent.get("input_tokens", 0)) + int(spent.get("output_tokens", 0)))
            _BUDGETS[run_key] = b
        return b
