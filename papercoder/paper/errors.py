"""The error every reader raises for input it cannot read."""

from __future__ import annotations


class PaperReadError(ValueError):
    """The paper could not be read; the message names the input and the cause, on one line."""
