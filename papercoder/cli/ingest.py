"""``papercoder ingest``: a paper as the agents would see it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from papercoder.cli.common import PAPER_HELP, console


def ingest(
    paper: Annotated[str, typer.Argument(help=PAPER_HELP)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the Markdown here (default: stdout).")] = None,
    budget: Annotated[int, typer.Option(min=0, help="Token budget: compact the paper to it (0: the whole paper).")] = 0,
    bibliography: Annotated[bool, typer.Option(help="Append the bibliography (agents never get it).")] = False,
    digest: Annotated[bool, typer.Option(help="Compact with the digest's rules (what the agents after the planner "
                                              "see) to --budget.")] = False,
) -> None:
    """Read PAPER as the agents would see it: Markdown, plus a one-line summary."""
    from papercoder.llm.tokens import count_tokens
    from papercoder.paper import PaperReadError, compact, load_paper

    try:
        doc = load_paper(paper)
    except PaperReadError as exc:
        console.print(f"[red]error[/red] (stage ingest): {exc}")
        raise typer.Exit(1) from None
    if budget:
        md, info = compact(doc, budget, digest=digest)
        dropped = info["dropped"]
    else:
        md, dropped = doc.to_markdown(), []
    if bibliography and doc.bibliography:
        md = f"{md.rstrip()}\n\n{doc.bibliography_markdown()}\n"
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(md, encoding="utf-8")
    else:
        sys.stdout.write(md)
    appendix = len(doc.appendix)
    console.print(f"{doc.format}: {doc.title or '(untitled)'}: {len(doc.sections) - appendix} sections"
                  f" + {appendix} in the appendix, {len(doc.equations)} equations, {len(doc.tables)} tables,"
                  f" {len(doc.bibliography)} references kept apart; {count_tokens(md)} tokens"
                  f"{f' (budget {budget})' if budget else ''}; dropped: {_dropped_summary(doc, dropped)}"
                  + "".join(f"\n[yellow]warning[/yellow]: {w}" for w in doc.warnings),
                  highlight=False, soft_wrap=True)


def _dropped_summary(doc: Any, dropped: list[str]) -> str:
    """The dropped top-level sections by name, and how many sections were dropped in all."""
    if not dropped:
        return "nothing"
    level = {s.heading: s.level for s in doc.sections}
    top = [h for h in dropped if level.get(h, 1) <= 1]
    return f"{len(dropped)} sections ({', '.join(top or dropped)})"
