"""Evaluation: judge samples, rubric grading and aggregation, against a real HTTP OpenAI-compatible server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from papercoder.cli import app
from papercoder.cli.evaluate import evaluate
from papercoder.context import RunContext
from papercoder.eval.files import RepoFile, rank_for_requirement, select_for_judge
from papercoder.eval.rubric import code_dev_leaves, load_rubric, score_tree
from papercoder.llm import StageError
from tests.conftest import PAPER
from tests.fake_openai import FakeOpenAI

SEED = RunContext().seed
VALID = '{"critiques": [{"file": "model.py", "severity": "medium", "critique": "no ReLU"}], "score": %d}'
RUBRIC = {
    "id": "root", "requirements": "TinyNet is reproduced.", "weight": 1, "sub_tasks": [
        {"id": "model", "requirements": "The model.", "weight": 3, "sub_tasks": [
            {"id": "hidden", "requirements": "TinyNet has a hidden layer of 8 units.", "weight": 1,
             "sub_tasks": [], "task_category": "Code Development"},
            {"id": "relu", "requirements": "The hidden layer uses ReLU.", "weight": 3, "sub_tasks": [],
             "task_category": "Code Development"},
            {"id": "ran", "requirements": "The model was trained.", "weight": 5, "sub_tasks": [],
             "task_category": "Code Execution"}]},
        {"id": "train", "requirements": "Training.", "weight": 1, "sub_tasks": [
            {"id": "sgd", "requirements": "SGD with learning rate 0.05 is used.", "weight": 1, "sub_tasks": [],
             "task_category": "Code Development"}]},
        {"id": "results", "requirements": "Results match.", "weight": 4, "sub_tasks": [
            {"id": "acc", "requirements": "Accuracy is reported.", "weight": 1, "sub_tasks": [],
             "task_category": "Result Analysis"}]}]}


def _repo(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "model.py").write_text("import numpy as np\n\n\nclass TinyNet:\n    hidden_units = 8\n\n"
                                   "    def forward(self, x):\n        return np.maximum(x, 0)\n")
    (root / "train.py").write_text("from model import TinyNet\n\n\ndef train(lr=0.05):\n    return TinyNet()\n")
    (root / "main.py").write_text("from train import train\n\nif __name__ == '__main__':\n    train()\n")
    (root / "config.yaml").write_text("training:\n  lr: 0.05\n")
    (root / "reproduce.sh").write_text("python main.py\n")
    return root


def _attempt(messages) -> int:
    return sum(1 for m in messages if str(m.content).startswith("That answer cannot be used"))


class Judge:
    """Judge answers chosen by the request's seed (= sample) and the try; grades by requirement."""

    def __init__(self, samples: dict[int, list], grades: dict[str, list] | None = None,
                 matches: dict[str, list] | None = None):
        self.samples, self.grades, self.matches = samples, grades or {}, matches or {}

    def __call__(self, messages, body):
        text = next(str(m.content) for m in messages if m.type == "human")
        tries = _attempt(messages)
        if "Which items of the checklist above" in text:
            req = re.search(r"^> (.*)$", text, re.M).group(1)
            answers = next((v for k, v in self.matches.items() if k in req), ['{"items": []}'])
            return answers[min(tries, len(answers) - 1)]
        if "Grade one requirement" in text:
            req = re.search(r"^> (.*)$", text, re.M).group(1)
            answers = next((v for k, v in self.grades.items() if k in req), ['{"justification": "no", "score": 0}'])
        else:
            answers = self.samples[body["seed"] - SEED]
        return answers[min(tries, len(answers) - 1)]


def _ctx(server: FakeOpenAI, **kw) -> RunContext:
    kw.setdefault("concurrency", 2)
    return RunContext(model="judge-model", base_url=server.base_url, cache=False, max_retries=0, **kw)


@pytest.fixture
def inputs(tmp_path):
    (tmp_path / "paper.md").write_text(PAPER)
    (tmp_path / "rubric.json").write_text(json.dumps(RUBRIC))
    return {"repo": str(_repo(tmp_path / "repo")), "paper": str(tmp_path / "paper.md"),
            "rubric": str(tmp_path / "rubric.json")}


def test_weighted_code_dev_score_up_the_tree():
    from papercoder.eval.rubric import RubricNode

    tree = RubricNode.model_validate(RUBRIC)
    assert [leaf.id for leaf in code_dev_leaves(tree)] == ["hidden", "relu", "sgd"]
    graded = score_tree(tree, {"hidden": 1, "relu": 0, "sgd": 1})
    # model: (1*1 + 3*0)/4 = 0.25; train: 1.0; results has no Code-Dev leaf and leaves the tree
    assert graded["sub_tasks"][0]["score"] == 0.25 and [c["id"] for c in graded["sub_tasks"]] == ["model", "train"]
    assert graded["score"] == pytest.approx((3 * 0.25 + 1 * 1.0) / 4)


def test_judge_selection_keeps_whole_files_and_records_the_rest():
    files = [RepoFile("main.py", "x", 10), RepoFile("big.py", "y", 500), RepoFile("util.py", "z", 40),
             RepoFile("README.md", "r", 30)]
    sel = select_for_judge(files, 100, planned=["util.py"])
    assert [f.path for f in sel.files] == ["main.py", "util.py", "README.md"] and sel.left_out == ["big.py"]
    ranked = rank_for_requirement("learning rate of SGD", [RepoFile("a.py", "def sgd(learning_rate): ...", 5),
                                                           RepoFile("b.py", "def relu(x): ...", 5)])
    assert ranked[0] == ("a.py", ranked[0][1]) and ranked[0][1] > 0 and ranked[1][1] == 0


def test_judge_fuzz_never_crashes_and_counts_dropped_samples(inputs, tmp_path):
    """Malformed, out-of-range, truncated and empty answers are re-asked; hopeless samples are dropped."""
    samples = {0: [VALID % 4],
               1: ["The score is four out of five.", VALID % 3],       # malformed, then fine
               2: [VALID % 7] * 3,                                       # out of range every time: dropped
               3: [""] * 3,                                              # empty every time: dropped
               4: [(VALID % 5)[:30], VALID % 5],                         # truncated, then fine
               5: [('{"critiques": [], "score": ', "length")] * 3}        # cut at the limit every time: dropped
    grades = {"8 units": ['{"justification": "hidden_units = 8 in model.py", "score": 1}'],
              "ReLU": ['{"justification": "np.maximum", "score": 2}'] * 3,     # never 0/1: ungraded (counts 0)
              "SGD": ['not json', '{"justification": "train(lr=0.05)", "score": 1}']}
    with FakeOpenAI(Judge(samples, grades)) as server:
        result = evaluate(inputs, _ctx(server, judge_samples=6), tmp_path / "eval")
    j = result["judge"]
    assert (j["samples"], j["valid"], j["dropped"], j["scores"]) == (6, 3, 3, [4, 3, 5])
    assert j["score"] == 4.0 and j["stdev"] == 1.0 and len(j["drop_reasons"]) == 3
    r = result["rubric"]
    assert (r["leaves"], r["graded"], r["ungraded"], r["met"]) == (3, 2, 1, 2)
    assert r["score"] == pytest.approx((3 * 0.25 + 1 * 1.0) / 4)
    saved = json.loads((tmp_path / "eval" / "eval.json").read_text())
    assert saved["judge"]["scores"] == [4, 3, 5]
    tree = json.loads((tmp_path / "eval" / "artifacts" / "graded_tree.json").read_text())
    assert tree["sub_tasks"][0]["sub_tasks"][1] == {"id": "relu", "requirements": "The hidden layer uses ReLU.",
                                                    "weight": 3.0, "score": 0.0, "graded": False}
    run = json.loads((tmp_path / "eval" / "run.json").read_text())
    assert run["status"] == "completed" and run["totals"]["calls"] == server.answered


def test_samples_differ_by_seed_and_share_the_prompt_prefix(inputs, tmp_path):
    with FakeOpenAI(Judge({k: [VALID % (1 + k % 5)] for k in range(4)})) as server:
        evaluate({**inputs, "rubric": None}, _ctx(server, judge_samples=4, concurrency=1), tmp_path / "eval")
    seeds = sorted(b["seed"] for b in server.bodies)
    assert seeds == [SEED, SEED + 1, SEED + 2, SEED + 3]
    assert {b["temperature"] for b in server.bodies} == {0.7}
    firsts = {json.dumps(b["messages"][:1]) + b["messages"][1]["content"].split("---")[0] for b in server.bodies}
    assert len(firsts) == 1  # one identical prefix: system text, paper, code
    assert server.cached_tokens > 0


def test_an_interrupted_evaluation_resumes_without_regrading(inputs, tmp_path):
    grades = {"8 units": ['{"justification": "yes", "score": 1}'], "SGD": ['{"justification": "yes", "score": 1}'],
              "ReLU": ['{"justification": "yes", "score": 1}']}
    fail_after = {"n": 2}

    def fault(n, body):
        return "500" if n >= fail_after["n"] else None

    ctx_kw = {"judge_samples": 2, "concurrency": 1}
    with FakeOpenAI(Judge({0: [VALID % 4], 1: [VALID % 2]}, grades), fault=fault) as server:
        with pytest.raises(StageError):
            evaluate(inputs, _ctx(server, **ctx_kw), tmp_path / "eval")
        done = len(list((tmp_path / "eval" / "artifacts").rglob("*/*.json")))
        assert done == 2
        fail_after["n"] = 10 ** 6
        before = server.answered
        result = evaluate(inputs, _ctx(server, **ctx_kw), tmp_path / "eval")
        assert server.answered - before == 5 - done  # only what was not finished
    assert result["rubric"]["score"] == 1.0 and result["judge"]["valid"] == 2
    with FakeOpenAI(Judge({})) as idle:  # finished: the same command returns eval.json without a call
        assert evaluate(inputs, _ctx(idle, **ctx_kw), tmp_path / "eval")["rubric"]["score"] == 1.0
        assert idle.requests == 0


def test_eval_cli_table_and_clear_errors(inputs, tmp_path):
    runner = CliRunner()
    with FakeOpenAI(Judge({k: [VALID % 4] for k in range(3)})) as server:
        res = runner.invoke(app, ["eval", inputs["repo"], "--paper", inputs["paper"], "--rubric", inputs["rubric"],
                                  "--judge", "judge-model", "--base-url", server.base_url, "--samples", "3",
                                  "--out", str(tmp_path / "ev"), "--no-cache"])
    assert res.exit_code == 0, res.output
    assert "4.00 ± 0.00" in res.output and "rubric Code-Dev score" in res.output
    assert json.loads((tmp_path / "ev" / "eval.json").read_text())["rubric"]["met"] == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": 1}')
    res = runner.invoke(app, ["eval", inputs["repo"], "--paper", inputs["paper"], "--rubric", str(bad),
                              "--judge", "m", "--base-url", "http://127.0.0.1:9/v1", "--out", str(tmp_path / "e2")])
    assert res.exit_code == 2 and "bad.json" in res.output and "rubric" in res.output
    res = runner.invoke(app, ["eval", inputs["repo"], "--paper", inputs["paper"], "--samples", "1", "--judge", "m",
                              "--base-url", "http://127.0.0.1:9/v1", "--out", str(tmp_path / "e3"), "--timeout", "2",
                              "--retries", "0"])
    assert res.exit_code == 1 and "stage judge" in res.output


def test_real_rubric_has_fifty_code_dev_leaves():
    path = Path(__file__).resolve().parents[2] / "shared/papers/semantic-self-consistency/rubric.json"
    if not path.is_file():
        pytest.skip("../shared is not beside the project")
    assert len(code_dev_leaves(load_rubric(path))) == 50


def test_eval_reports_checklist_coverage_and_its_recall_of_the_rubric(tmp_path):
    """A run's repo: coverage traced in the repository as it is, and the leaves the checklist covers."""
    run = tmp_path / "run"
    repo = _repo(run / "repo")
    (repo / "model.py").write_text((repo / "model.py").read_text().replace("class TinyNet:", "class TinyNet:  # R1"))
    (run / "run.json").write_text("{}")
    (run / "artifacts").mkdir()
    items = [{"id": "R1", "kind": "component", "requirement": "TinyNet, 8 hidden units", "quote": "", "files": []},
             {"id": "R2", "kind": "hyperparameter", "requirement": "SGD learning rate", "value": "0.05",
              "quote": "", "files": []},
             {"id": "R3", "kind": "metric", "requirement": "Accuracy on the test split", "quote": "", "files": []}]
    (run / "artifacts" / "checklist.json").write_text(json.dumps({"items": items, "dropped": []}))
    (tmp_path / "paper.md").write_text(PAPER)
    (tmp_path / "rubric.json").write_text(json.dumps(RUBRIC))
    matches = {"8 units": ['{"items": ["R1"]}'], "SGD": ['{"items": ["R9"]}', '{"items": ["r2"]}']}
    with FakeOpenAI(Judge({}, matches=matches)) as server:
        result = evaluate({"repo": str(repo), "paper": str(tmp_path / "paper.md"),
                           "rubric": str(tmp_path / "rubric.json"), "judge": False}, _ctx(server), tmp_path / "eval")
    c = result["checklist"]
    assert (c["total"], c["traced"], c["by_status"]) == (3, 1, {"marked": 1, "missing": 2})
    assert c["rubric"] == {"leaves": 3, "covered": 2, "recall": 0.667, "unmatched": 0}
    saved = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "eval" / "artifacts" / "matches").glob("*.json")}
    assert saved["sgd"]["items"] == ["R2"] and saved["relu"]["items"] == []


def test_sigterm_stops_an_evaluation_at_once_and_the_same_command_goes_on(inputs, tmp_path):
    """Seen with the embedded model: `papercoder eval` ignored SIGTERM and Ctrl-C for minutes in a grader call."""
    import signal
    import subprocess
    import sys
    import threading
    import time

    grades = {r: ['{"justification": "yes", "score": 1}'] for r in ("8 units", "SGD", "ReLU")}
    hang = {"from": 2}  # calls 0 and 1 are answered (two leaves graded); the third hangs

    def fault(n, body):
        return "hang" if n >= hang["from"] else None

    out = tmp_path / "ev"
    with FakeOpenAI(Judge({}, grades), fault=fault, hang_seconds=120) as server:
        args = [sys.executable, "-m", "papercoder.cli", "eval", inputs["repo"], "--paper", inputs["paper"],
                "--rubric", inputs["rubric"], "--judge", "judge-model", "--base-url", server.base_url,
                "--samples", "0", "--concurrency", "1", "--retries", "0", "--no-cache", "--out", str(out)]
        proc = subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        lines: list[str] = []
        hung = threading.Event()

        def read() -> None:
            for line in proc.stderr:  # type: ignore[union-attr]
                lines.append(line)
                if sum(x.startswith("→ grader") for x in lines) >= 2:
                    hung.set()

        threading.Thread(target=read, daemon=True).start()
        try:
            assert hung.wait(120), "".join(lines)
            time.sleep(1.0)
            proc.send_signal(signal.SIGTERM)
            began = time.monotonic()
            proc.wait(timeout=30)
            took = time.monotonic() - began
        finally:
            proc.kill()
        assert proc.returncode == 130 and took < 5, ("".join(lines), took)
        assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
        hang["from"] = 10 ** 6
        before = server.answered
        done = subprocess.run(args, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert before == 2 and server.answered - before == 1  # the leaves graded before the signal are kept
    assert json.loads((out / "eval.json").read_text())["rubric"]["score"] == 1.0
