"""Running one paper of a batch on a LangGraph server (``langgraph dev`` or a deployment) via langgraph-sdk.

Each paper is a thread of the server's ``papercoder`` graph (and, to evaluate, a thread of its ``evaluation``
graph). The ledger keeps thread and run ids, so a batch that was stopped picks up where the server stands:
a run still going is waited for, a finished one is collected, a failed or interrupted one continues from
the thread's last checkpoint (a run with no input), and a thread the server no longer knows starts again.
The server reads the paper and writes the run folder itself: paths must be valid on the server's machine
(the same machine, or a shared filesystem).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from papercoder.batch.ledger import BatchLedger
from papercoder.batch.papers import BatchPaper

ACTIVE = ("pending", "running")


class ServerRunError(RuntimeError):
    """A run the server could not finish."""


def client_for(url: str) -> Any:
    """A synchronous langgraph-sdk client for ``url`` (checked with a request, so a dead URL fails early).

    Raises:
        ServerRunError: When the server does not answer.
    """
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=url)
    try:
        client.assistants.search(limit=1)
    except Exception as exc:  # noqa: BLE001 - httpx and SDK errors alike: one clear message
        raise ServerRunError(f"{url}: the LangGraph server does not answer: {exc}") from None
    return client


def _thread(client: Any, thread_id: str | None) -> str | None:
    if not thread_id:
        return None
    try:
        client.threads.get(thread_id)
        return thread_id
    except Exception:  # noqa: BLE001 - gone (a server restarted without persistence)
        return None


def _finish(client: Any, thread_id: str, run_id: str, poll: float) -> dict[str, Any]:
    """Wait for a run to end; its thread's final values, or ServerRunError."""
    while True:
        run = client.runs.get(thread_id, run_id)
        if run["status"] not in ACTIVE:
            break
        time.sleep(poll)
    if run["status"] != "success":
        detail = ""
        try:
            joined = client.runs.join(thread_id, run_id)
            detail = str((joined or {}).get("__error__", "")) if isinstance(joined, dict) else ""
        except Exception as exc:  # noqa: BLE001 - the error text is what we want
            detail = str(exc)
        raise ServerRunError(f"run {run_id} ended {run['status']}: {detail}"[:600])
    return client.threads.get_state(thread_id)["values"] or {}


def run_on_server(client: Any, ledger: BatchLedger, paper: BatchPaper, *, graph: str, prefix: str,
                  graph_input: dict[str, Any], context: dict[str, Any], poll: float = 2.0) -> dict[str, Any]:
    """Run (or continue, or collect) one paper on ``graph``; ledger keys are ``{prefix}thread_id``/``run_id``.

    Raises:
        ServerRunError: When the run fails on the server.
    """
    entry = ledger.get(paper.id)
    thread_id = _thread(client, entry.get(f"{prefix}thread_id"))
    run_id = entry.get(f"{prefix}run_id") if thread_id else None
    if run_id:
        try:
            status = client.runs.get(thread_id, run_id)["status"]
        except Exception:  # noqa: BLE001 - the run is gone: start another on the thread
            status = None
        if status in ACTIVE or status == "success":
            return _finish(client, thread_id, run_id, poll)
    if thread_id is None:
        thread_id = client.threads.create(metadata={"papercoder_batch": str(ledger.path.parent),
                                                    "paper": paper.id})["thread_id"]
        payload: dict[str, Any] | None = graph_input
    else:
        payload = None  # continue from the thread's last checkpoint
    run = client.runs.create(thread_id, graph, input=payload, context=context, durability="sync")
    ledger.update(paper.id, **{f"{prefix}thread_id": thread_id, f"{prefix}run_id": run["run_id"]})
    return _finish(client, thread_id, run["run_id"], poll)


def generate(client: Any, paper: BatchPaper, folder: Path, ledger: BatchLedger, context: dict[str, Any]) -> bool:
    """Generate ``paper``'s repository on the server into ``folder``; True when complete."""
    entry = ledger.get(paper.id)
    if entry.get("status") == "completed" and entry.get("thread_id"):
        return True
    ledger.update(paper.id, status="running", attempts=entry.get("attempts", 0) + 1)
    started = time.monotonic()
    try:
        values = run_on_server(client, ledger, paper, graph="papercoder", prefix="",
                               graph_input={"paper": paper.path}, context={**context, "out_dir": str(folder)})
        done = (values.get("summary") or {}).get("status") == "completed"
        error = None if done else f"the run ended without a repository: {values.get('summary')}"
    except Exception as exc:  # noqa: BLE001 - one paper's failure is recorded, the batch goes on
        done, error = False, f"{type(exc).__name__}: {exc}"[:600]
    ledger.add_seconds(paper.id, "seconds", time.monotonic() - started)
    ledger.update(paper.id, status="completed" if done else "failed", error=error)
    return done


def evaluate(client: Any, paper: BatchPaper, folder: Path, ledger: BatchLedger, context: dict[str, Any],
             *, judge: bool, rubric: bool) -> bool:
    """Evaluate the repository on the server's ``evaluation`` graph into ``folder/eval``."""
    if ledger.get(paper.id).get("eval_status") == "completed":
        return True
    graph_input: dict[str, Any] = {"repo": str(folder / "repo"), "paper": paper.path, "out_dir": str(folder / "eval"),
                                   "judge": judge}
    if paper.rubric and rubric:
        graph_input["rubric"] = paper.rubric
    if paper.reference:
        graph_input["reference"] = paper.reference
    ledger.update(paper.id, eval_status="running")
    started = time.monotonic()
    try:
        values = run_on_server(client, ledger, paper, graph="evaluation", prefix="eval_", graph_input=graph_input,
                               context=context)
        done, error = bool(values.get("result")), None
    except Exception as exc:  # noqa: BLE001
        done, error = False, f"{type(exc).__name__}: {exc}"[:600]
    ledger.add_seconds(paper.id, "eval_seconds", time.monotonic() - started)
    ledger.update(paper.id, eval_status="completed" if done else "failed", eval_error=error)
    return done
