"""Problems a run met and went on from: one typed record, written to run.json and the graph state alike.

A problem is not a failure: the run recorded it and did something about it (re-asked the model, kept the last
answer, dropped a file, undid a repair). Every node records through :func:`record_problem`, which appends the problem to
run.json's ``errors`` at once (so a run that stops later keeps it) and to the node's workspace, whose
``problems`` the node hands back as the state's ``errors``: run.json and the state hold the same list.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from papercoder.workspace import Workspace


class Problem(BaseModel):
    """One recorded problem."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    stage: str
    """The node that met it (planner, architect, analyst, coder, debugger, verify, ...)."""
    file: str | None = None
    """The repository file it concerns, if any."""
    kind: str
    """What sort of problem: reask, code_problem, unknown_config_key, edit_failed, repair_undone, ..."""
    message: str = Field(alias="problem")
    """What was wrong (stored as ``problem``, the key run.json has always used)."""
    action: str | None = None
    """What was done about it, when it is not evident from the kind."""
    attempt: int | None = None
    """For a re-ask: the try that was refused (0 = the first)."""

    def record(self) -> dict[str, Any]:
        """The JSON form kept in run.json and the state (``action`` and ``attempt`` left out when unset)."""
        out = self.model_dump(by_alias=True)
        return {k: v for k, v in out.items() if v is not None or k not in ("action", "attempt")}


def record_problem(ws: Workspace, *problems: Problem) -> list[dict[str, Any]]:
    """Record ``problems`` in run.json and in ``ws.problems`` (for the node's state update); returns their records."""
    out = [p.record() for p in problems]
    for item in out:
        ws.record_error(item)
    return out


def state_update(ws: Workspace) -> dict[str, Any]:
    """The state update carrying what the node recorded through ``ws`` (empty when it recorded nothing)."""
    return {"errors": list(ws.problems)} if ws.problems else {}
