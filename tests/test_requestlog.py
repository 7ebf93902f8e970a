"""The request log: every model call of a run, replayable, and the speculative-decoding setting it serves."""

from __future__ import annotations

import json

import pytest

from papercoder import build_graph
from papercoder.llm.embedded import EmbeddedModelError, speculative_type
from papercoder.llm.requestlog import read_requests


def test_a_run_logs_each_model_call_with_its_messages_settings_and_answer(scripted, paper_file, tmp_path):
    script, model, context = scripted
    script.code_overrides["model.py"] = ["```python\ndef f(:\n```", "```python\ndef run_model():\n    return 0\n```"]
    log = tmp_path / "logs" / "requests.jsonl"
    build_graph().compile().invoke({"paper": str(paper_file)}, context=context(request_log=str(log)))
    lines = read_requests(log)
    assert len(lines) == len(model.calls)
    # Parallel calls (analysts, coders of one generation) finish in any order: compare as multisets.
    logged = sorted(json.dumps([m["content"] for m in line["messages"]]) for line in lines)
    sent = sorted(json.dumps([m.content for m in call["messages"]]) for call in model.calls)
    assert logged == sent
    coder = [x for x in lines if x["node"] == "coder" and x["file"] == "model.py"]
    assert [x["attempt"] for x in coder] == [0, 1]
    assert "def f(:" in coder[0]["answer"] and "return 0" in coder[1]["answer"]
    assert coder[1]["messages"][-2] == {"role": "assistant", "content": coder[0]["answer"]}
    assert all(x["settings"]["max_tokens"] > 0 and x["output_tokens"] > 0 for x in lines)


def test_no_log_unless_asked(scripted, paper_file, tmp_path):
    _script, _model, context = scripted
    build_graph().compile().invoke({"paper": str(paper_file)}, context=context())
    assert not list(tmp_path.rglob("*.jsonl"))


def test_a_line_that_is_not_a_request_is_named(tmp_path):
    log = tmp_path / "r.jsonl"
    log.write_text('{"messages": [], "node": "coder"}\n\nnot json\n')
    with pytest.raises(ValueError, match=r"r\.jsonl:3: not JSON"):
        read_requests(log)
    log.write_text('{"node": "coder"}\n')
    with pytest.raises(ValueError, match=r"r\.jsonl:1: not a logged request"):
        read_requests(log)


def test_speculative_settings_name_llama_cpp_n_gram_types():
    xllamacpp = pytest.importorskip("xllamacpp")
    kinds = xllamacpp.common_speculative_type
    assert speculative_type(xllamacpp, "ngram_mod") == kinds.COMMON_SPECULATIVE_TYPE_NGRAM_MOD
    params = xllamacpp.CommonParams()
    params.speculative.types = [speculative_type(xllamacpp, "ngram_simple")]
    assert [t.name for t in params.speculative.types] == ["COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE"]
    for bad in ("draft_simple", "ngram_nonsense"):
        with pytest.raises(EmbeddedModelError, match="speculative"):
            speculative_type(xllamacpp, bad)


def test_the_speculative_benchmark_replays_the_logged_requests_as_sent(scripted, paper_file, tmp_path):
    from tests.conftest import load_benchmark
    from tests.fake_openai import FakeOpenAI

    bench = load_benchmark("speculative")
    script, _model, context = scripted
    script.code_overrides["model.py"] = ["```python\ndef f(:\n```", "```python\ndef run_model():\n    return 0\n```"]
    log = tmp_path / "requests.jsonl"
    build_graph().compile().invoke({"paper": str(paper_file)}, context=context(request_log=str(log)))
    logged = read_requests(log)
    chosen = bench.select(logged, ["coder"], per_group=2)
    assert [(r["file"], bench.group_kind(r)) for r in chosen][-1] == ("model.py", "re-ask")
    assert sum(bench.group_kind(r) == "first" for r in chosen) == 2
    with FakeOpenAI(lambda messages: f"answer to {len(messages)} messages") as server:
        rows = bench.replay(server.base_url, chosen, "off") + bench.replay(server.base_url, chosen, "ngram_mod")
    for body, r in zip(server.bodies, chosen * 2, strict=True):
        assert body["messages"] == r["messages"]
        assert body["max_tokens"] == r["settings"]["max_tokens"]
    groups = {(g["setting"], g["kind"]): g for g in bench.summary(rows)}
    assert groups["ngram_mod", "first"]["identical"] == 2 and groups["ngram_mod", "re-ask"]["identical"] == 1
    assert groups["off", "first"]["speedup"] == 1.0


def test_the_speculative_benchmark_refuses_a_bad_log_in_one_line(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    log = tmp_path / "requests.jsonl"
    log.write_text("not json\n")
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "speculative.py"
    done = subprocess.run([sys.executable, str(script), str(log)], capture_output=True, text=True)
    assert done.returncode != 0
    assert done.stderr.strip() == f"speculative benchmark: cannot read the request log {log}: {log}:1: not JSON " \
                                  "(Expecting value)"
    done = subprocess.run([sys.executable, str(script), str(log), "--settings", "off,eagle"], capture_output=True,
                          text=True)
    assert "--settings 'eagle' is not one of" in done.stderr
    log.write_text(json.dumps({"node": "coder", "messages": [{"role": "user", "content": "x"}], "settings": {}}) + "\n")
    done = subprocess.run([sys.executable, str(script), str(log), "--base-url", "http://127.0.0.1:9/v1"],
                          capture_output=True, text=True)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("speculative benchmark: setting 'server' failed: URLError")
