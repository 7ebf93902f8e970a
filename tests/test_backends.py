"""The model layer against a real HTTP server through the real ChatOpenAI client: faults, retries,
accounting, budgets, the response cache, stage models, reasoning models and JSON fallbacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from papercoder import build_graph
from papercoder.context import RunContext
from papercoder.llm import BudgetExceeded, StageError, retry
from papercoder.llm.jsonparse import JSONAnswerError, extract_json
from papercoder.workspace import run_files
from tests.conftest import Script
from tests.fake_openai import FakeOpenAI, random_faults


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(retry, "BASE_SECONDS", 0.01)


def _ctx(server: FakeOpenAI, out: Path, **kw) -> RunContext:
    kw.setdefault("cache", False)
    return RunContext(model="fake-model", base_url=server.base_url, out_dir=str(out), **kw)


def _run(paper: Path, ctx: RunContext) -> dict:
    return build_graph().compile().invoke({"paper": str(paper)}, context=ctx)


def _run_json(out: Path) -> dict:
    return json.loads((out / "run.json").read_text())


def test_pipeline_under_faults_gives_the_clean_run_s_artifacts(paper_file, tmp_path):
    with FakeOpenAI(Script()) as clean:
        _run(paper_file, _ctx(clean, tmp_path / "clean"))
    plan = random_faults(0.3, seed=7, kinds=("429", "500", "drop", "malformed", "hang"))
    with FakeOpenAI(Script(), fault=plan, hang_seconds=2.0) as faulty:
        _run(paper_file, _ctx(faulty, tmp_path / "faulty", request_timeout=0.5, max_retries=8))
    assert sum(faulty.faults.values()) >= 3 and len(faulty.faults) >= 3, faulty.faults
    assert run_files(tmp_path / "faulty", mask=faulty.base_url) == run_files(tmp_path / "clean", mask=clean.base_url)
    run = _run_json(tmp_path / "faulty")
    assert run["status"] == "completed"
    assert run["totals"]["retries"] == sum(faulty.faults.values()) == faulty.requests - faulty.answered
    assert run["totals"]["calls"] == _run_json(tmp_path / "clean")["totals"]["calls"] == faulty.answered
    retried = [c for c in run["calls"] if c["retries"]]
    assert retried and all(len(c["retry_errors"]) == c["retries"] for c in retried)


def test_accounting_equals_the_server_s_own_counts(paper_file, tmp_path):
    with FakeOpenAI(Script()) as server:
        _run(paper_file, _ctx(server, tmp_path / "out"))
    totals = _run_json(tmp_path / "out")["totals"]
    assert totals["calls"] == server.answered == server.requests
    assert totals["input_tokens"] == server.prompt_tokens
    assert totals["output_tokens"] == server.completion_tokens
    assert totals["cached_input_tokens"] == server.cached_tokens > 0  # the shared prefix, as a provider reports
    assert sum(b["calls"] for b in totals["by_stage"].values()) == totals["calls"]
    assert set(totals["by_stage"]) == {"planning", "analysis", "coding"}
    assert list(totals["by_model"]) == [f"fake-model@{server.base_url}"]
    assert totals["cost_usd"] is None  # a self-hosted model with no price: unknown, not zero


def test_cost_uses_the_price_table_and_a_user_override(paper_file, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    prices = tmp_path / "prices.yaml"
    prices.write_text("gpt-4.1-mini: {input: 1.0, cached_input: 0.5, output: 2.0}\n")
    with FakeOpenAI(Script()) as server:
        _run(paper_file, RunContext(model="openai:gpt-4.1-mini", base_url=server.base_url, cache=False,
                                    out_dir=str(tmp_path / "a"), prices_path=str(prices)))
    calls = _run_json(tmp_path / "a")["calls"]
    for c in calls:
        fresh = c["input_tokens"] - c["cached_input_tokens"]
        assert c["cost_usd"] == pytest.approx((fresh * 1.0 + c["cached_input_tokens"] * 0.5
                                               + c["output_tokens"] * 2.0) / 1e6)
    assert _run_json(tmp_path / "a")["totals"]["cost_usd"] == pytest.approx(sum(c["cost_usd"] for c in calls))


def test_budget_stops_before_the_call_that_could_exceed_it(paper_file, tmp_path):
    with FakeOpenAI(Script()) as server:
        _run(paper_file, _ctx(server, tmp_path / "clean"))
    calls = _run_json(tmp_path / "clean")["calls"]
    spent_two = sum(c["input_tokens"] + c["output_tokens"] for c in calls[:2])
    third_worst = calls[2]["input_tokens"] + RunContext(model="x", base_url="u").max_tokens("design")
    with FakeOpenAI(Script()) as server:
        with pytest.raises(BudgetExceeded, match="checklist_writer"):
            _run(paper_file, _ctx(server, tmp_path / "stopped", max_total_tokens=spent_two + third_worst - 1))
        assert server.requests == 2
    run = _run_json(tmp_path / "stopped")
    assert run["status"] == "stopped" and run["error"]["kind"] == "budget"
    assert (tmp_path / "stopped/artifacts/plan.md").is_file()  # what was done is kept
    with FakeOpenAI(Script()) as server:
        _run(paper_file, _ctx(server, tmp_path / "enough", max_total_tokens=spent_two + third_worst
                              + sum(c["input_tokens"] + RunContext(model="x", base_url="u").max_tokens("code")
                                    for c in calls[2:])))
        assert server.requests == len(calls)


def test_cost_budget_stops_the_cli_cleanly(paper_file, tmp_path, monkeypatch):
    from papercoder.cli import app

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with FakeOpenAI(Script()) as server:
        result = CliRunner().invoke(app, ["run", str(paper_file), "--out", str(tmp_path / "o"), "--model",
                                          "openai:gpt-4.1", "--base-url", server.base_url, "--no-cache",
                                          "--max-cost", "0.06", "--concurrency", "1"])
        assert result.exit_code == 3, result.output
        # one call at a time, so where it stops does not depend on timing: a coder may write 6000 tokens at $8/M,
        # and that worst case on top of what was spent passes $0.06 (parallel analysts' reservations could stop
        # the run one stage earlier, depending on how their calls overlap)
        assert "stopped (stage coder)" in result.output and "over the budget of $0.0600" in result.output
        run = _run_json(tmp_path / "o")
        assert run["status"] == "stopped" and 0 < run["totals"]["cost_usd"] <= 0.06
        assert run["totals"]["calls"] == server.requests


def test_a_second_run_is_served_from_the_cache(paper_file, tmp_path):
    cache = tmp_path / "responses.sqlite"
    with FakeOpenAI(Script()) as server:
        _run(paper_file, _ctx(server, tmp_path / "first", cache=True, cache_path=str(cache)))
        made = server.requests
        _run(paper_file, _ctx(server, tmp_path / "second", cache=True, cache_path=str(cache)))
        assert server.requests == made
    second = _run_json(tmp_path / "second")
    assert second["totals"]["calls"] == 0 and second["totals"]["cache_hits"] == made
    assert run_files(tmp_path / "second", mask=server.base_url) == run_files(tmp_path / "first", mask=server.base_url)


def test_a_changed_setting_is_not_served_from_the_cache(paper_file, tmp_path):
    cache = tmp_path / "responses.sqlite"
    with FakeOpenAI(Script()) as server:
        _run(paper_file, _ctx(server, tmp_path / "a", cache=True, cache_path=str(cache)))
        made = server.requests
        _run(paper_file, _ctx(server, tmp_path / "b", cache=True, cache_path=str(cache), max_tokens_code=999))
        coder_calls = sum(1 for c in _run_json(tmp_path / "a")["calls"] if c["node"] == "coder")
        assert server.requests == made + coder_calls  # only the coders' requests changed


def test_a_dead_endpoint_is_a_clear_error_that_keeps_the_run(paper_file, tmp_path):
    sock = __import__("socket").socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    ctx = RunContext(model="m", base_url=f"http://127.0.0.1:{port}/v1", out_dir=str(tmp_path / "o"),
                     max_retries=2, cache=False)
    with pytest.raises(StageError) as err:
        _run(paper_file, ctx)
    message = str(err.value)
    assert message.startswith("planner:") and f"127.0.0.1:{port}" in message and "after 3 tries" in message
    run = _run_json(tmp_path / "o")
    assert run["status"] == "failed" and run["calls"][0]["retries"] == 2
    assert (tmp_path / "o/artifacts/paper.md").is_file()


def test_a_permanent_error_is_not_retried(paper_file, tmp_path):
    with FakeOpenAI(Script(), fault=lambda n, body: "refuse_schema") as server:
        ctx = _ctx(server, tmp_path / "o", structured_output="json_schema")
        with pytest.raises(StageError, match="Error code: 400"):
            _run(paper_file, ctx)
        assert server.faults == {"refuse_schema": 1}


def test_a_server_without_json_schema_gets_the_schema_in_the_prompt(paper_file, tmp_path):
    with FakeOpenAI(Script(), fault=lambda n, body: "refuse_schema") as server:
        _run(paper_file, _ctx(server, tmp_path / "o"))
        later = [b for b in server.bodies if "response_format" not in b]
    assert server.faults == {"refuse_schema": 1}
    assert any("follows this JSON schema" in b["messages"][-1]["content"] for b in later)
    assert _run_json(tmp_path / "o")["status"] == "completed"


def test_stage_models_go_to_their_own_endpoints(paper_file, tmp_path):
    with FakeOpenAI(Script()) as main, FakeOpenAI(Script()) as coding:
        ctx = _ctx(main, tmp_path / "o", coding_model=f"coder-model@{coding.base_url}")
        _run(paper_file, ctx)
        assert {b["model"] for b in coding.bodies} == {"coder-model"}
        assert all("Write the complete file" in b["messages"][-1]["content"] for b in coding.bodies)
        assert not any("Write the complete file" in b["messages"][-1]["content"] for b in main.bodies)
    by_stage = _run_json(tmp_path / "o")["totals"]["by_stage"]
    assert by_stage["coding"]["calls"] == coding.answered and by_stage["planning"]["calls"] == 8


def test_reasoning_models_get_no_temperature_and_their_effort(paper_file, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with FakeOpenAI(Script()) as server:
        _run(paper_file, RunContext(model="openai:o4-mini", base_url=server.base_url, reasoning_effort="low",
                                    out_dir=str(tmp_path / "o"), cache=False))
        bodies = server.bodies
    assert all("temperature" not in b and b["reasoning_effort"] == "low" for b in bodies)
    assert all("max_completion_tokens" in b and "max_tokens" not in b for b in bodies)


def test_other_compatible_servers_also_get_max_tokens(paper_file, tmp_path):
    with FakeOpenAI(Script()) as server:
        _run(paper_file, _ctx(server, tmp_path / "o"))
    assert all(b["max_tokens"] == b["max_completion_tokens"] and b["temperature"] == 0 for b in server.bodies)
    assert {b["seed"] for b in server.bodies} == {7}  # sampled re-asks repeat on a re-run


def test_dry_run_calls_no_model_and_writes_nothing(paper_file, tmp_path, monkeypatch):
    from papercoder.cli import app

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with FakeOpenAI(Script()) as server:
        result = CliRunner().invoke(app, ["run", str(paper_file), "--out", str(tmp_path / "o"), "--dry-run",
                                          "--model", "openai:gpt-4.1-mini", "--base-url", server.base_url,
                                          "--stage-model", "coding=local"])
        assert server.requests == 0
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "o").exists()
    assert "planning" in result.output and "coding" in result.output and "$" in result.output
    assert "local" in result.output  # the coding stage on the embedded model (free)


@pytest.mark.parametrize("text", [
    '```json\n{"a": 1}\n```', 'Here it is: {"a": 1} hope it helps', '[CONTENT]\n{"a": 1}\n[/CONTENT]',
    'Thinking {not json} then {"a": 1}'])
def test_tolerant_json_reader(text):
    assert extract_json(text) == {"a": 1}


def test_tolerant_json_reader_says_when_there_is_none():
    with pytest.raises(JSONAnswerError, match="no JSON object"):
        extract_json("I cannot do that.")


def test_backoff_honours_retry_after():
    import httpx
    import openai

    response = httpx.Response(429, headers={"Retry-After": "2"}, request=httpx.Request("POST", "http://x"))
    exc = openai.RateLimitError("slow down", response=response, body=None)
    assert retry.is_transient(exc) and retry.backoff(1, exc) >= 2
    bad = openai.AuthenticationError("no", response=httpx.Response(401, request=response.request), body=None)
    assert not retry.is_transient(bad)
