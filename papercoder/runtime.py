"""What every graph node reads besides its state: the run settings and the run folder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph.runtime import Runtime

from papercoder.context import RunContext
from papercoder.workspace import Workspace


def context_of(runtime: Runtime[RunContext] | None) -> RunContext:
    """The run settings (defaults when the graph was invoked without a context)."""
    ctx = getattr(runtime, "context", None)
    if isinstance(ctx, dict):
        return RunContext(**ctx)
    return ctx if isinstance(ctx, RunContext) else RunContext()


def workspace_of(state: Mapping[str, Any]) -> Workspace:
    """The run's output folder, named by the state's ``out_dir`` and ``run_id``."""
    return Workspace(state["out_dir"], state.get("run_id"))
