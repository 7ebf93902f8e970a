"""Command line: ``papercoder run``, ``resume``, ``status``, ``review``, ``verify``, ``ingest``, ``eval``, ``batch``.

One module per concern: :mod:`~papercoder.cli.run` (run, resume, status, review), :mod:`~papercoder.cli.verify`,
:mod:`~papercoder.cli.ingest`, :mod:`~papercoder.cli.evaluate`, :mod:`~papercoder.cli.batch`; the options of
the run settings come from :mod:`~papercoder.cli.options`. Running a graph is the command line's job: the rest
of the library does not import ``papercoder.graphs``.
"""

from __future__ import annotations

import signal

import typer

from papercoder.cli import batch, evaluate, ingest, run, verify

__all__ = ["app", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Turn an ML paper into a code repository.")


@app.callback()
def _root() -> None:
    """PaperCoder: paper in, repository out."""


app.command("run")(run.run)
app.command("resume")(run.resume)
app.command("status")(run.status)
app.command("review")(run.review_cmd)
app.command("verify")(verify.verify_cmd)
app.command("ingest")(ingest.ingest)
app.command("eval")(evaluate.eval_cmd)
app.command("batch")(batch.batch_cmd)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM ends the run like Ctrl-C: run.json says "interrupted"


def main() -> None:
    """Entry point of the ``papercoder`` script."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    finally:
        from papercoder.llm.embedded import EmbeddedServer

        EmbeddedServer.stop_shared()
