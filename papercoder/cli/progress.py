"""The progress renderer: the graph's custom events and node updates as lines on stderr."""

from __future__ import annotations

import time
from typing import Any

from papercoder.cli.common import console


class Progress:
    """Renders the graph's custom progress events and node updates as lines."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.out_tokens = 0
        self.in_tokens = 0

    def _t(self) -> str:
        return f"[dim]{time.monotonic() - self.started:7.1f}s[/dim]"

    def event(self, ev: dict[str, Any]) -> None:
        """Print one custom progress event (a call starting, ending or re-asked)."""
        kind = ev.get("event")
        what = ev.get("node", "?") + (f" {ev['file']}" if ev.get("file") else "")
        if kind == "call_start":
            again = f" (try {ev['attempt'] + 1})" if ev.get("attempt") else ""
            console.print(f"{self._t()} [cyan]→[/cyan] {what}{again}")
        elif kind == "call":
            run = ev.get("run_totals") or {}
            self.in_tokens = run.get("input_tokens", self.in_tokens + ev.get("input_tokens", 0))
            self.out_tokens = run.get("output_tokens", self.out_tokens + ev.get("output_tokens", 0))
            cost = run.get("cost_usd")
            served = " [dim](from the cache)[/dim]" if ev.get("cache_hit") else ""
            console.print(f"{self._t()} [green]✓[/green] {what}: {ev.get('input_tokens', 0)} in, "
                          f"{ev.get('output_tokens', 0)} out, {ev.get('seconds', 0):.1f}s{served}"
                          f"  [dim](total {self.in_tokens} in / {self.out_tokens} out"
                          f"{f', ${cost:.4f}' if cost else ''})[/dim]")
        elif kind == "retry":
            console.print(f"{self._t()} [yellow]…[/yellow] {what}: retry {ev.get('retry')} in {ev.get('wait')}s "
                          f"after {ev.get('error', '')[:160]}")
        elif kind == "reask":
            console.print(f"{self._t()} [yellow]↻[/yellow] {what}: re-asking: {ev.get('problem', '')[:200]}")

    def update(self, update: dict[str, Any]) -> None:
        """Print what a node's state update says worth knowing (paper size, DAG)."""
        for node, value in update.items():
            if node == "build_dag" and isinstance(value, dict) and "dag" in value:
                gens = value["dag"]["generations"]
                console.print(f"{self._t()} [magenta]DAG[/magenta] {len(value['dag']['nodes'])} files in "
                              f"{len(gens)} generations: " + " | ".join(", ".join(g) for g in gens))
                for r in value["dag"]["repairs"]:
                    console.print(f"          [yellow]repaired:[/yellow] {r}")
            elif node == "ingest" and isinstance(value, dict) and "paper_info" in value:
                info = value["paper_info"]
                console.print(f"{self._t()} [magenta]paper[/magenta] {info.get('title') or info.get('source')}: "
                              f"{info.get('tokens')} tokens (of {info.get('tokens_full')}), out: {value['out_dir']}")
