"""PaperCoder: turn a machine-learning paper into a working code repository."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["RunContext", "__version__", "build_graph"]

if TYPE_CHECKING:
    from langgraph.graph import StateGraph

    from papercoder.context import RunContext


def build_graph() -> StateGraph:
    """The full pipeline as an uncompiled ``StateGraph`` (compile it with your own checkpointer)."""
    from papercoder.graphs.paper2code import build_graph as _build

    return _build()


def __getattr__(name: str) -> Any:
    if name == "RunContext":
        from papercoder.context import RunContext

        return RunContext
    raise AttributeError(name)
