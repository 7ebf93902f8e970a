"""The request log: every model call of a run, replayable, and the speculative-decoding setting it serves."""

from __future__ import annotations

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
    for line, call in zip(lines, model.calls, strict=True):
        assert [m["content"] for m in line["messages"]] == [m.content for m in call["messages"]]
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
