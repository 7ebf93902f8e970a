"""The real embedded model (Qwen2.5-Coder-1.5B via xllamacpp) through the project's own call layer.

Marked ``embedded``: deselect with ``-m 'not embedded'``; CI runs it (``make test`` installs the model).
"""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from papercoder.context import RunContext
from papercoder.llm import ask
from papercoder.llm.answers import Reply
from papercoder.workspace import Workspace

pytestmark = pytest.mark.embedded


class Setting(BaseModel):
    name: str = Field(max_length=40)
    value: float


@pytest.fixture(scope="module")
def ctx():
    pytest.importorskip("xllamacpp", reason="the `local` extra is not installed")
    from papercoder.llm import embedded

    try:
        embedded.ensure_model()
    except embedded.EmbeddedModelError as exc:
        pytest.skip(str(exc))
    yield RunContext(model="local", n_ctx=4096, max_reasks=1)
    embedded.EmbeddedServer.stop_shared()


PAPER = ("We train a two-layer MLP with Adam at learning rate 0.001, batch size 64, for 30 epochs. "
         "Mixup uses alpha 0.2 and label smoothing uses epsilon 0.1. ") * 3


def test_text_and_json_schema_calls_with_kv_cache_reuse(ctx, tmp_path):
    ws = Workspace(tmp_path).ensure()
    prefix = [SystemMessage(content="You are a concise ML engineer."), HumanMessage(content=f"Paper:\n{PAPER}")]
    text = ask(ctx=ctx, ws=ws, node="planner", max_tokens=24, parse=lambda r: r.text,
               messages=[*prefix, HumanMessage(content="Name the optimizer the paper uses, in one word.")])
    assert "adam" in text.lower()

    def parse(reply: Reply) -> Setting:
        assert isinstance(reply.parsed, Setting)
        return reply.parsed

    setting = ask(ctx=ctx, ws=ws, node="config_writer", max_tokens=48, schema=Setting, parse=parse,
                  messages=[*prefix, HumanMessage(content="Give the learning rate as JSON {name, value}.")])
    assert setting.value == pytest.approx(0.001)
    run = json.loads((tmp_path / "run.json").read_text())
    first, second = run["calls"]
    assert first["model"] == second["model"] == "local"
    assert first["estimated"] == 0 and first["input_tokens"] > 100  # the server's own usage figures
    assert first["output_tokens"] <= 24
    # the second call shares the system + paper prefix: llama.cpp serves it from its KV cache
    assert second["cached_input_tokens"] >= 100


def test_repetition_penalty_reaches_the_server_for_prose_only(ctx):
    """The DRY sampler stops the loops the 1.5B model falls into; code calls are sampled without it."""
    from papercoder.llm.models import build_chat_model

    ask_loop = [HumanMessage(content="Write the word `transformers` 40 times, separated by commas. Nothing else.")]
    plain = build_chat_model(ctx, max_tokens=120, code=True).invoke(ask_loop).content
    guarded = build_chat_model(ctx, max_tokens=120).invoke(ask_loop).content
    assert plain.count("transformers") >= 20
    assert guarded.count("transformers") < plain.count("transformers") / 2


def test_run_json_totals_equal_llama_cpp_s_own_counters(ctx, tmp_path):
    """What run.json says the embedded model did is what llama.cpp counted (its /metrics)."""
    from papercoder.llm.embedded import EmbeddedServer

    server = EmbeddedServer.shared(n_ctx=ctx.n_ctx)
    before = server.metrics()
    ws = Workspace(tmp_path).ensure()
    prefix = [SystemMessage(content="You are a concise ML engineer."), HumanMessage(content=f"Paper:\n{PAPER}")]
    for question in ("Which optimizer?", "Which batch size?", "How many epochs?"):
        ask(ctx=ctx, ws=ws, node="planner", max_tokens=16, parse=lambda r: r.text,
            messages=[*prefix, HumanMessage(content=f"{question} One short line.")])
    after = server.metrics()
    totals = json.loads((tmp_path / "run.json").read_text())["totals"]
    assert totals["calls"] == 3 and totals["cache_hits"] == 0
    evaluated = totals["input_tokens"] - totals["cached_input_tokens"]
    assert evaluated == after["prompt_tokens_total"] - before["prompt_tokens_total"]
    assert totals["output_tokens"] == after["tokens_predicted_total"] - before["tokens_predicted_total"]
    assert totals["cached_input_tokens"] > 0  # the shared prefix was reused, and reported as such


def test_sigterm_during_an_embedded_generation_exits_at_once(ctx, paper_file, tmp_path):
    """Stopping the in-process llama.cpp server waits for the generation in flight; an interrupted run must
    not (seen: a run given SIGTERM mid-call kept both cores busy and did not exit)."""
    import signal
    import subprocess
    import sys
    import threading
    import time

    out = tmp_path / "term"
    proc = subprocess.Popen([sys.executable, "-m", "papercoder.cli", "run", str(paper_file), "--out", str(out),
                             "--model", "local", "--no-cache"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True)
    started = threading.Event()
    lines: list[str] = []

    def read() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            lines.append(line)
            if "→ planner" in line:
                started.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert started.wait(120), "".join(lines)
        time.sleep(3.0)  # the planner's prompt is being read or answered
        proc.send_signal(signal.SIGTERM)
        began = time.monotonic()
        proc.wait(timeout=30)
        took = time.monotonic() - began
    finally:
        proc.kill()
    assert proc.returncode == 130, "".join(lines)
    assert took < 10, took
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"


def test_sigterm_during_an_embedded_grader_call_stops_eval_at_once(ctx, tmp_path):
    """Seen: `papercoder eval` with the embedded model ignored SIGTERM and Ctrl-C for over three minutes during a
    grader call (`run` already left at once)."""
    import signal
    import subprocess
    import sys
    import threading
    import time

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "model.py").write_text("class TinyNet:\n    hidden_units = 8\n")
    (tmp_path / "paper.md").write_text("# TinyNet\n\n" + PAPER)
    leaf = {"requirements": "TinyNet has a hidden layer of 8 units.", "weight": 1, "sub_tasks": [],
            "task_category": "Code Development"}
    (tmp_path / "rubric.json").write_text(json.dumps({"id": "root", "requirements": "TinyNet.", "weight": 1,
                                                      "sub_tasks": [{**leaf, "id": f"l{i}"} for i in range(3)]}))
    out = tmp_path / "eval"
    proc = subprocess.Popen([sys.executable, "-m", "papercoder.cli", "eval", str(repo), "--paper",
                             str(tmp_path / "paper.md"), "--rubric", str(tmp_path / "rubric.json"), "--samples", "0",
                             "--judge", "local", "--no-cache", "--out", str(out)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    started = threading.Event()
    lines: list[str] = []

    def read() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            lines.append(line)
            if line.startswith("→ grader"):
                started.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert started.wait(180), "".join(lines)
        time.sleep(3.0)  # the grader's prompt is being read or answered
        proc.send_signal(signal.SIGTERM)
        began = time.monotonic()
        proc.wait(timeout=30)
        took = time.monotonic() - began
    finally:
        proc.kill()
    assert proc.returncode == 130, "".join(lines)
    assert took < 10, took
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
