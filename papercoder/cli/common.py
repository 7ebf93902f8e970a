"""What the command modules share: the message console, the paper argument's help, error exits."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

console = Console(stderr=True, soft_wrap=True)

PAPER_HELP = ("The paper: a PDF, a LaTeX file, folder or arXiv source archive (.tar.gz/.tar/.zip), "
              "s2orc JSON, Markdown or text (the format is detected from the content).")


def input_error(message: object) -> NoReturn:
    """Print ``error (input): message`` and exit 2 (the command line or its files are unusable)."""
    console.print(f"[red]error[/red] (input): {message}")
    raise typer.Exit(2)
