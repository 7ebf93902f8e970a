"""Config writer: config.yaml with the paper's hyperparameters, nothing invented."""

from __future__ import annotations

import re
from typing import Any

import yaml
from langgraph.runtime import Runtime
from papercoder.agents.conversation import context_of, planning_messages, workspace_of

from papercoder.context import RunContext
from papercoder.llm import AnswerError, ask
from papercoder.llm.answers import Reply
from papercoder.state import PaperCoderState
from papercoder.textblocks import first_block

NOT_STATED = "not stated in the paper"


def parse_config(reply: Reply) -> str:
    """Accept one YAML mapping (from a ```yaml block, or the bare answer)."""
    text = first_block(reply.text, langs=("yaml", "yml", "")) or reply.text
    text = text.strip()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AnswerError(f"config.yaml does not parse as YAML: {' '.join(str(exc).split())}") from exc
    if not isinstance(data, dict) or not data:
        raise AnswerError("config.yaml must be a YAML mapping of settings (key: value), not empty")
    return text + "\n"


def unverified_values(config_text: str, paper_md: str) -> list[dict[str, Any]]:
    """Numeric settings whose value appears nowhere in the paper and are not marked as not stated.

    This is the audit behind "nothing invented": each such line is reported in the artifacts.
    """
    paper_numbers = {_norm_number(n) for n in re.findall(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", paper_md)}
    out = []
    for lineno, line in enumerate(config_text.splitlines(), 1):
        m = re.match(r"^\s*([\w.-]+)\s*:\s*([-+]?\d[\d.eE+-]*)\s*(#.*)?$", line)
        if not m or (m.group(3) and NOT_STATED in m.group(3).lower()):
            continue
        if _norm_number(m.group(2)) not in paper_numbers:
            out.append({"line": lineno, "key": m.group(1), "value": m.group(2)})
    return out


def _norm_number(text: str) -> str:
    try:
        return repr(float(text))
    except ValueError:
        return text


def config_writer(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Write ``repo/config.yaml`` and an audit of values the paper does not state."""
    ctx = context_of(runtime)
    ws = workspace_of(state)
    config = ask(ctx=ctx, ws=ws, node="config_writer", messages=planning_messages(state, ctx, "config_writer"),
                 parse=parse_config, max_tokens=ctx.max_tokens("design"))
    ws.write_repo_file("config.yaml", config)
    ws.write_artifact("config.yaml", config)
    ws.write_artifact("config_check.json", {"unverified_values": unverified_values(config, state["paper_md"])})
    return {"config_yaml": config}
