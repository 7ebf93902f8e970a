"""Config writer: config.yaml with the paper's hyperparameters, nothing invented."""

from __future__ import annotations

import re
from typing import Any

import yaml
from langgraph.runtime import Runtime
from papercoder.agents.conversation import planning_messages

from papercoder import checklist
from papercoder.context import RunContext
from papercoder.llm import AnswerError, ask
from papercoder.llm.answers import Reply
from papercoder.papertexts import paper_texts
from papercoder.problems import Problem, record_problem, state_update
from papercoder.runtime import context_of, workspace_of
from papercoder.state import PaperCoderState
from papercoder.textblocks import first_block, unclosed_block
from papercoder.workspace import Workspace

NOT_STATED = "not stated in the paper"


def salvage(text: str) -> str:
    """The usable head of a config cut off at the token limit: whole lines, up to where it degenerates.

    A small model that loops writes ever longer made-up keys; the config is cut before the first key of
    over 48 characters, and the last (partial) line is dropped.
    """
    lines = text.splitlines()[:-1]
    for i, line in enumerate(lines):
        m = re.match(r"^\s*([^\s:#][^:#]*):", line)
        if m and len(m.group(1)) > 48:
            return "\n".join(lines[:i])
    return "\n".join(lines)


def parse_config(reply: Reply) -> str:
    """Accept one YAML mapping (from a ```yaml block, or the bare answer)."""
    cut = reply.finish_reason == "length"
    block = first_block(reply.text, langs=("yaml", "yml", ""))
    if block is None:
        open_block = unclosed_block(reply.text)
        block = open_block[1] if open_block else reply.text
    if cut and not reply.last:
        raise AnswerError("the answer was cut off at the output-token limit (it ran on, repeating keys); "
                          "write a shorter config.yaml with only the settings the code needs, each key once")
    text = (salvage(block) if cut else block).strip()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AnswerError(f"config.yaml does not parse as YAML: {' '.join(str(exc).split())}") from exc
    if not isinstance(data, dict) or not data:
        raise AnswerError("config.yaml must be a YAML mapping of settings (key: value), not empty")
    return text + "\n"


UNVERIFIED = "chosen: not found in the paper text, check"
SMOKE_NOTE = "tiny settings for a quick test run, not from the paper"


def unverified_values(config_text: str, paper_md: str) -> list[dict[str, Any]]:
    """Numeric settings whose value appears nowhere in the paper and are not marked as not stated.

    This is the audit behind "nothing invented". The ``smoke`` section (tiny test settings) is exempt.
    """
    paper_numbers = {_norm_number(n) for n in re.findall(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", paper_md)}
    out = []
    in_smoke = False
    for lineno, line in enumerate(config_text.splitlines(), 1):
        if re.match(r"^[^\s#]", line):
            in_smoke = line.split(":", 1)[0].strip() == "smoke"
        m = re.match(r"^\s*([\w.-]+)\s*:\s*([-+]?\d[\d.eE+-]*)\s*(#.*)?$", line)
        if in_smoke or not m or (m.group(3) and NOT_STATED in m.group(3).lower()):
            continue
        if _norm_number(m.group(2)) not in paper_numbers:
            out.append({"line": lineno, "key": m.group(1), "value": m.group(2)})
    return out


def mark(config_text: str, unverified: list[dict[str, Any]]) -> str:
    """Comment the lines whose values the paper does not state, and the smoke section, in config.yaml."""
    flagged = {u["line"] for u in unverified}
    lines = config_text.splitlines()
    for i, line in enumerate(lines):
        if i + 1 in flagged:
            lines[i] = f"{line}; {UNVERIFIED}" if "#" in line else f"{line}  # {UNVERIFIED}"
        elif re.match(r"^smoke\s*:\s*$", line):
            lines[i] = f"{line}  # {SMOKE_NOTE}"
    return "\n".join(lines) + "\n"


def _norm_number(text: str) -> str:
    try:
        return repr(float(text))
    except ValueError:
        return text


def checked_against(items: list[dict[str, Any]], ws: Workspace):  # noqa: ANN201
    """:func:`parse_config`, then the checklist's hyperparameters.

    One missing or with another value than the paper's is named in a re-ask; on the last try, recorded.
    """

    def parse(reply: Reply) -> str:
        text = parse_config(reply)
        found = checklist.hyperparameters_in_config(items, text)
        by_id = {i["id"]: i for i in items}
        bad = [f"{k} ({by_id[k]['requirement']} = {by_id[k]['value']}: {f['status'].replace('_', ' ')})"
               for k, f in found.items() if f["status"] in ("missing", "wrong_value")]
        if bad and not reply.last:
            raise AnswerError("config.yaml lacks the paper's value of these hyperparameters: " + "; ".join(bad)
                              + ". Add each as a key with exactly that value and its id as the comment on its line")
        record_problem(ws, *(Problem(stage="config_writer", kind="hyperparameter_missing", message=b,
                                     action="kept the config; coverage reports it") for b in bad))
        return text

    return parse


def config_writer(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Write ``repo/config.yaml`` and an audit of values the paper does not state."""
    ctx = context_of(runtime)
    ws = workspace_of(state)
    items = (state.get("checklist") or {}).get("items") or []
    config = ask(ctx=ctx, ws=ws, node="config_writer", messages=planning_messages(state, ctx, "config_writer"),
                 parse=checked_against(items, ws), max_tokens=ctx.max_tokens("config"))
    texts = paper_texts(state)
    unverified = unverified_values(config, texts["paper_full"] or texts["paper_md"])
    config = mark(config, unverified)
    ws.write_repo_file("config.yaml", config)
    ws.write_artifact("config.yaml", config)
    ws.write_artifact("config_check.json", {"unverified_values": unverified,
                                            "hyperparameters": checklist.hyperparameters_in_config(items, config)})
    ws.update_run(config_unverified_values=len(unverified))
    return {"config_yaml": config, **state_update(ws)}
