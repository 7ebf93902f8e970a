"""Errors of the model layer."""

from __future__ import annotations


class AnswerError(ValueError):
    """The model's answer cannot be used; the message is the complaint sent back to it."""


class StageError(RuntimeError):
    """A stage could not get a usable answer (or could not reach its model): the run stops here."""

    def __init__(self, stage: str, problem: str, *, file: str | None = None):
        self.stage, self.problem, self.file = stage, problem, file
        where = f"{stage} ({file})" if file else stage
        super().__init__(f"{where}: {problem}")


class UnusableAnswerError(StageError):
    """The endpoint answered, but no answer was usable within the re-ask bound."""
