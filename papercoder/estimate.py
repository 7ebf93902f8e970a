"""A run's cost before it runs: calls, tokens and cost per stage, from the paper and the settings alone.

The estimate is an upper bound without re-asks: every answer is taken at its output-token limit, the
plan has the most files the settings allow, nothing is served from a prompt cache or the response cache.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from papercoder.context import RunContext
from papercoder.llm.cost import price_of
from papercoder.llm.models import model_label
from papercoder.llm.tokens import count_tokens
from papercoder.paper import compact, load_paper, remainder


def _prompt_tokens(name: str) -> int:
    return count_tokens(files("papercoder.agents").joinpath(f"{name}.md").read_text(encoding="utf-8"))


def estimate_run(paper: str, ctx: RunContext) -> dict[str, Any]:
    """Estimate the model calls of a run of ``paper`` with ``ctx``; no model is called, nothing is written."""
    doc = load_paper(paper)
    md, info = compact(doc, ctx.effective_paper_budget())
    digest, _ = compact(doc, ctx.effective_digest_budget(), digest=True)
    rest, _ = remainder(doc, ctx.effective_paper_budget(), ctx.effective_digest_budget())
    n = ctx.effective_max_files()
    rows: list[dict[str, Any]] = []

    # the planner reads the paper as the digest then the rest; every later call has the digest alone
    split = digest.strip() != md.strip() and bool(rest)
    planner_paper = (count_tokens(digest) + count_tokens(rest) + _prompt_tokens("paper_rest")) if split \
        else count_tokens(md)
    later_paper = count_tokens(digest) + _prompt_tokens("paper_rest_omitted") if split else count_tokens(md)
    planning_in = _prompt_tokens("system") + planner_paper + _prompt_tokens("planner")
    planning_out = ctx.max_tokens("plan")
    history = _prompt_tokens("system") + later_paper + _prompt_tokens("planner") + ctx.max_tokens("plan")
    for step, kind in (("architect", "design"), ("logic_designer", "design"), ("config_writer", "config")):
        history += _prompt_tokens(step)
        planning_in += history
        planning_out += ctx.max_tokens(kind)
        history += ctx.max_tokens(kind)
    # the interface table: one call after the four planning steps (at most: none when the diagram fills it)
    planning_in += history + _prompt_tokens("interface_designer")
    planning_out += ctx.max_tokens("design")
    rows.append(_row("planning", ctx, 5, planning_in, planning_out))
    analysis_in = n * (history + _prompt_tokens("analyst"))
    rows.append(_row("analysis", ctx, n, analysis_in, n * ctx.max_tokens("analysis")))
    # a coder sees its spec and the code of the files it depends on: on average half of the others
    coder_in = history + _prompt_tokens("coder") + ctx.max_tokens("analysis") + ctx.max_tokens("code") * (n - 1) // 2
    rows.append(_row("coding", ctx, n, n * coder_in, n * ctx.max_tokens("code")))
    costs = [r["cost_usd"] for r in rows]
    total = {"calls": sum(r["calls"] for r in rows), "input_tokens": sum(r["input_tokens"] for r in rows),
             "output_tokens": sum(r["output_tokens"] for r in rows),
             "cost_usd": None if None in costs else round(sum(costs), 6)}
    return {"title": doc.title, "paper_tokens": info["tokens"], "digest_tokens": count_tokens(digest),
            "dropped": info["dropped"], "files": n,
            "stages": rows, "total": total}


def _row(stage: str, ctx: RunContext, calls: int, tokens_in: int, tokens_out: int) -> dict[str, Any]:
    stage_ctx = ctx.for_stage(stage)
    price = price_of(stage_ctx.model, ctx.prices_path)
    cost = None if price is None else round(price.cost(tokens_in, 0, tokens_out), 6)
    return {"stage": stage, "model": model_label(stage_ctx), "calls": calls, "input_tokens": tokens_in,
            "output_tokens": tokens_out, "cost_usd": cost}
