"""Code answers stuck in a degenerate loop are stopped as they stream in, and asked again."""

from __future__ import annotations

import json

from papercoder import build_graph
from papercoder.context import RunContext
from papercoder.llm.loops import loop_in
from tests.conftest import Script
from tests.fake_openai import FakeOpenAI

REPEATED = "from transformers import get_linear_schedule_with_warmup\n"
GROWING = "".join(f"from transformers import BertForSequenceClassificationWithLMHead{'ForSequence' * k}\n"
                  for k in range(1, 40))


def test_a_line_again_and_again_and_ever_longer_names_are_loops():
    assert "repeated 8 times" in loop_in("import torch\n" + REPEATED * 8 + "fr")
    assert "6 lines in a row beginning 'from transformers import BertForSequenceClassificationWithLMHead" \
        in loop_in(GROWING)
    assert loop_in("import torch\n" + REPEATED * 7 + "x = 1\n") is None


def test_ordinary_code_is_no_loop():
    code = "".join(f"    self.layer_{i} = nn.Linear(config['model']['d_model'], config['model']['d_ff'])\n"
                   for i in range(12))
    assert loop_in(code + "    return x\n") is None  # alike, but no line twice and no 60-character prefix
    assert loop_in("        )\n" * 20) is None  # short lines repeat in code
    assert loop_in((REPEATED + "x = 1\n") * 3) is None


def test_a_looping_code_answer_is_stopped_midstream_and_asked_again(paper_file, tmp_path):
    script = Script()
    script.code_overrides["model.py"] = ["```python\nimport torch\n" + REPEATED * 400,
                                         "```python\ndef run_model():\n    return 0\n```"]
    out = tmp_path / "out"
    with FakeOpenAI(script) as server:
        build_graph().compile().invoke({"paper": str(paper_file)}, context=RunContext(
            model="fake-model", base_url=server.base_url, out_dir=str(out), cache=False))
    total = len("```python\nimport torch\n" + REPEATED * 400) // server.stream_piece
    assert len(server.streams_cut) == 1 and server.streams_cut[0] < total / 4  # the server was stopped early
    run = json.loads((out / "run.json").read_text())
    stopped = [e for e in run["errors"] if e["kind"] == "loop_stopped"]
    assert [(e["stage"], e["file"]) for e in stopped] == [("coder", "model.py")]
    assert "repeated" in stopped[0]["problem"]
    assert any(e["kind"] == "reask" and e["file"] == "model.py" and "cut off" in e["problem"] for e in run["errors"])
    assert "return 0" in (out / "repo" / "model.py").read_text()
    looped = [c for c in run["calls"] if c["node"] == "coder" and c["file"] == "model.py"][0]
    assert 0 < looped["output_tokens"] < 400 * 8 / 4  # counted on what arrived, not the limit
