"""Batch runs: the list formats, a local batch with evaluation, a batch killed and continued, the summary."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from papercoder.batch import BatchListError, load_list
from papercoder.cli import app
from tests.conftest import PAPER, Script
from tests.fake_openai import FakeOpenAI

RUBRIC = {"id": "root", "requirements": "Reproduced.", "weight": 1, "sub_tasks": [
    {"id": "hidden", "requirements": "TinyNet has a hidden layer.", "weight": 1, "sub_tasks": [],
     "task_category": "Code Development"},
    {"id": "sgd", "requirements": "SGD is used.", "weight": 3, "sub_tasks": [],
     "task_category": "Code Development"}]}


class Everything:
    """The scripted generation model, a judge (score 4) and a grader (met only for the hidden layer)."""

    def __init__(self):
        self.script = Script()
        self.hold: str | None = None  # a paper title whose first coder call hangs until released
        self.held = threading.Event()
        self.release = threading.Event()

    def __call__(self, messages):
        text = "\n".join(str(m.content) for m in messages)
        if "Grade one requirement" in text:
            met = "hidden layer" in text.split("Grade one requirement", 1)[1]
            return json.dumps({"justification": "seen in model.py" if met else "not found", "score": int(met)})
        if "Which items of the checklist above" in text:
            return json.dumps({"items": ["R1"] if "hidden layer" in text.split("replication rubric", 1)[1] else []})
        if "Review the repository above against the paper" in text:
            return '{"critiques": [{"file": "model.py", "severity": "low", "critique": "fine"}], "score": 4}'
        if self.hold and self.hold in text and "Write the complete file `model.py`" in str(messages[-1].content):
            self.held.set()
            self.release.wait(30)
        return self.script(messages)


def _papers(root: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        folder = root / f"paper{i}"
        folder.mkdir(parents=True)
        (folder / "paper.md").write_text(PAPER.replace("TinyNet", f"TinyNet{i}", 1))
        (folder / "rubric.json").write_text(json.dumps(RUBRIC))
        paths.append(folder / "paper.md")
    return paths


def test_lists_text_and_paper2code_json(tmp_path):
    a, b = _papers(tmp_path / "p", 2)
    text = tmp_path / "list.txt"
    text.write_text(f"# two papers\n{a.relative_to(tmp_path)}\n\n{b}  # absolute\n")
    papers, notes = load_list(text)
    assert [p.id for p in papers] == ["paper0", "paper1"] and notes == []
    assert papers[0].rubric == str(a.parent / "rubric.json")  # a rubric beside the paper is used
    info = tmp_path / "info.json"
    info.write_text(json.dumps({"iclr2024": [
        {"paper": "Tiny Net One", "repo_url": "https://github.com/x/y", "paper_path": str(a)},
        {"paper": "Not here", "repo_url": "https://github.com/x/z"}]}))
    papers, notes = load_list(info)
    assert [(p.id, p.title) for p in papers] == [("paper0", "Tiny Net One")]
    assert notes and "Not here" in notes[0] and "no local paper path" in notes[0]
    info.write_text(json.dumps({"iclr2024": [{"paper": "Gone", "paper_path": "gone.pdf"}]}))
    with pytest.raises(BatchListError, match="gone.pdf: no such paper file"):
        load_list(info)
    text.write_text("# nothing\n")
    with pytest.raises(BatchListError, match="no paper to run"):
        load_list(text)


def test_a_local_batch_with_evaluation_writes_the_summary(tmp_path):
    papers = _papers(tmp_path / "p", 2)
    (tmp_path / "list.txt").write_text("\n".join(map(str, papers)))
    with FakeOpenAI(Everything()) as server:
        res = CliRunner().invoke(app, ["batch", str(tmp_path / "list.txt"), "--out", str(tmp_path / "b"),
                                       "--model", "m", "--base-url", server.base_url, "--no-cache", "--no-verify",
                                       "--eval", "--samples", "2", "--jobs", "2", "--max-files", "3",
                                       "--paper-tokens", "900", "--digest-tokens", "400"])
        assert res.exit_code == 0, res.output
        again = server.requests
        res = CliRunner().invoke(app, ["batch", str(tmp_path / "list.txt"), "--out", str(tmp_path / "b"),
                                       "--model", "m", "--base-url", server.base_url, "--no-cache", "--no-verify",
                                       "--eval", "--samples", "2"])
        assert res.exit_code == 0 and server.requests == again  # all finished: nothing is asked again
    summary = json.loads((tmp_path / "b/summary.json").read_text())["papers"]
    assert [r["status"] for r in summary] == ["completed", "completed"]
    assert {r["judge_score"] for r in summary} == {4.0}
    assert {r["rubric_score"] for r in summary} == {0.25}  # 1 of weight 1 met, 0 of weight 3
    md = (tmp_path / "b/summary.md").read_text()
    assert md.count("| completed |") == 2 and "4.00 ± 0.00" in md and "0.250" in md
    assert (tmp_path / "b/summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "b/papers/paper0/eval/eval.json").is_file()
    run_settings = json.loads((tmp_path / "b/papers/paper1/run.json").read_text())["context"]
    assert run_settings["max_files"] == 3 and run_settings["paper_token_budget"] == 900
    assert run_settings["digest_token_budget"] == 400


def test_a_killed_batch_continues_where_it_stopped(tmp_path):
    papers = _papers(tmp_path / "p", 2)
    (tmp_path / "list.txt").write_text("\n".join(map(str, papers)))
    model = Everything()
    model.hold = "TinyNet1"  # paper1's coder of model.py hangs: the batch is killed there
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "COLUMNS": "200"}
    with FakeOpenAI(model) as server:
        cmd = [sys.executable, "-m", "papercoder.cli", "batch", str(tmp_path / "list.txt"), "--out",
               str(tmp_path / "b"), "--model", "m", "--base-url", server.base_url, "--no-cache", "--no-verify",
               "--jobs", "1"]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert model.held.wait(120), "paper1 never reached coding"
        time.sleep(1.0)
        proc.send_signal(signal.SIGKILL)  # the batch only: its child run must die with it
        proc.wait()
        time.sleep(1.0)
        model.hold = None
        model.release.set()
        ledger = json.loads((tmp_path / "b/batch.json").read_text())["papers"]
        assert ledger["paper0"]["status"] == "completed" and ledger["paper1"]["status"] == "running"
        seen = len(server.bodies)
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        after = [str(b["messages"]) for b in server.bodies[seen:]]
        asked = [str(b["messages"][-1]["content"]) for b in server.bodies[seen:]]
    assert after and not any("TinyNet0" in a for a in after)  # the finished paper is not asked again
    assert not any("Request 1 of the planning" in a for a in asked)  # paper1 resumed, not restarted
    assert any("Write the complete file `model.py`" in a for a in asked)  # ... from the killed coder
    ledger = json.loads((tmp_path / "b/batch.json").read_text())["papers"]
    assert ledger["paper1"]["status"] == "completed" and ledger["paper1"]["attempts"] == 2
    assert (tmp_path / "b/summary.md").read_text().count("| completed |") == 2


def test_batch_input_errors_are_named(tmp_path):
    res = CliRunner().invoke(app, ["batch", str(tmp_path / "none.txt"), "--out", str(tmp_path / "b")])
    assert res.exit_code == 2 and "none.txt" in res.output
    (tmp_path / "full").mkdir()
    (tmp_path / "full/x").write_text("x")
    (tmp_path / "l.txt").write_text(str(_papers(tmp_path / "p", 1)[0]))
    res = CliRunner().invoke(app, ["batch", str(tmp_path / "l.txt"), "--out", str(tmp_path / "full")])
    assert res.exit_code == 2 and "holds no batch" in res.output
    res = CliRunner().invoke(app, ["batch", str(tmp_path / "l.txt"), "--out", str(tmp_path / "b2"), "--model", "m",
                                   "--server", "http://127.0.0.1:9"])
    assert res.exit_code == 1 and "does not answer" in res.output
