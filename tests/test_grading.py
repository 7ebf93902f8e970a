"""Rubric grading laid out for the cache: leaves in groups share their files, consecutive leaves their prefix."""

from __future__ import annotations

import json
import os
from argparse import Namespace
from pathlib import Path

from papercoder.cli.evaluate import evaluate
from papercoder.context import RunContext
from papercoder.eval.files import RepoFile
from papercoder.eval.grading import leaf_groups, plan_grading
from tests.conftest import PAPER, load_benchmark
from tests.fake_openai import FakeOpenAI

TOPICS = {"encoder.py": "encoder layer stack", "attention.py": "multi head attention softmax",
          "optimizer.py": "adam optimizer warmup", "schedule.py": "learning rate schedule decay",
          "data.py": "tokenizer batches padding", "metrics.py": "bleu score evaluation"}


def _file(path: str, words: str, size: int = 60) -> RepoFile:
    return RepoFile(path, f"# {words}\n" + "x = 1\n" * size, 10 + size)


def _leaf(i: int, parent: str, words: str) -> dict:
    return {"id": f"{parent}{i}", "requirements": f"The {words} is implemented ({i}).", "parent": parent}


def test_sibling_leaves_are_one_group_and_small_groups_join_the_next():
    leaves = [_leaf(i, "a", "x") for i in range(2)] + [_leaf(i, "b", "x") for i in range(7)] + [_leaf(0, "c", "x")]
    assert [[leaf["id"] for leaf in g] for g in leaf_groups(leaves, min_group=3)] == [
        ["a0", "a1", "b0", "b1", "b2", "b3", "b4", "b5", "b6", "c0"]]
    leaves += [_leaf(i, "d", "x") for i in range(3)]
    assert [len(g) for g in leaf_groups(leaves, min_group=3)] == [9, 4]


def test_a_group_reads_one_selection_in_the_canonical_order_and_groups_alike_are_graded_together():
    files = [_file(p, w) for p, w in TOPICS.items()]
    leaves = ([_leaf(i, "enc", "encoder layer and its multi head attention") for i in range(3)]
              + [_leaf(i, "opt", "adam optimizer with warmup and learning rate schedule") for i in range(3)]
              + [_leaf(i, "att", "multi head attention softmax of the encoder") for i in range(3)])
    plan = plan_grading(leaves, files, budget=150, fallback=["data.py"], min_group=3)
    shown = plan["leaf_files"]
    assert plan["groups"] == 3
    assert shown["enc0"] == shown["enc1"] == shown["enc2"] and set(shown["enc0"]) == {"encoder.py", "attention.py"}
    assert shown["att0"] == shown["enc0"]  # the same files, in the same order: the same prefix
    assert set(shown["opt0"]) == {"optimizer.py", "schedule.py"}
    order = plan["order"]
    assert {order.index("att0") - order.index("enc2"), order.index("enc0") - order.index("att2")} & {1}
    assert order.index("opt0") in (0, 6)  # the two attention groups run next to each other


def test_a_group_whose_words_match_no_file_reads_the_judges_selection():
    plan = plan_grading([_leaf(0, "z", "zebra")], [_file("encoder.py", "encoder")], 100, fallback=["encoder.py"])
    assert plan["leaf_files"] == {"z0": ["encoder.py"]}


def _grade(messages, body):
    return '{"justification": "seen", "score": 1}'


def _prefill(prompts: list[str]) -> int:
    """Characters a one-slot server prefills: each prompt after what it shares with the one before."""
    done, last = 0, ""
    for p in prompts:
        done += len(p) - len(os.path.commonprefix([p, last]))
        last = p
    return done


def _repo_and_rubric(tmp_path: Path) -> tuple[Path, Path]:
    """Six files, more than a 4,000-token window holds; 18 leaves under three parents, each naming one more file."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for path, words in TOPICS.items():
        body = "\n".join(f"def {words.split()[0]}_{n}(value):\n    return value  # {words}" for n in range(40))
        (repo / path).write_text(f'"""{words}."""\n\n{body}\n')
    (tmp_path / "paper.md").write_text(PAPER)
    also = list(TOPICS.values())  # each leaf names one more file: alone, each would read its own selection
    subtasks = [{"id": f"{parent}{i}", "requirements": f"The {words} with the {also[i]} is implemented.",
                 "weight": 1, "sub_tasks": [], "task_category": "Code Development"}
                for parent, words in (("enc", "encoder layer stack"), ("opt", "adam optimizer warmup"),
                                      ("att", "multi head attention softmax"))
                for i in range(6)]
    rubric = {"id": "root", "requirements": "All.", "weight": 1, "sub_tasks": [
        {"id": p, "requirements": p, "weight": 1, "sub_tasks": [t for t in subtasks if t["id"].startswith(p)]}
        for p in ("enc", "opt", "att")]}
    (tmp_path / "rubric.json").write_text(json.dumps(rubric))
    return repo, tmp_path / "rubric.json"


def test_an_evaluation_larger_than_the_window_grades_leaves_with_shared_prefixes(tmp_path):
    repo, rubric = _repo_and_rubric(tmp_path)
    with FakeOpenAI(_grade) as server:
        ctx = RunContext(model="judge-model", base_url=server.base_url, cache=False, max_retries=0, concurrency=1,
                         judge_window=4000)
        result = evaluate({"repo": str(repo), "paper": str(tmp_path / "paper.md"), "judge": False,
                           "rubric": str(rubric)}, ctx, tmp_path / "eval")
    assert result["rubric"]["met"] == 18 and result["view"]["repo"]["left_out"]
    assert result["view"]["grading"]["groups"] == 3
    prompts = [b["messages"][-1]["content"] for b in server.bodies]
    heads = [p.split("Grade one requirement")[0] for p in prompts]
    runs = [h for n, h in enumerate(heads) if n == 0 or h != heads[n - 1]]
    assert len(runs) == len(set(heads)) <= 3  # each group's leaves one after another, one prefix per group
    grades = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "eval" / "artifacts" / "grades").glob("*.json")}
    assert grades["enc3"]["files"] == grades["enc0"]["files"] and "encoder.py" in grades["enc0"]["files"]
    assert _prefill(prompts) < 0.4 * sum(len(p) for p in prompts)


def test_the_grading_benchmark_counts_less_prefill_for_the_grouped_layout(tmp_path):
    repo, rubric = _repo_and_rubric(tmp_path)
    bench = load_benchmark("grading")
    result = bench.measure(Namespace(repo=repo, paper=str(tmp_path / "paper.md"), rubric=rubric, window=4000,
                                     prefill=40.0, decode=8.0, output=48))
    per_leaf, grouped = result["per-leaf"], result["grouped"]
    assert (result["leaves"], result["fits"]) == (18, False)
    assert grouped["selections"] <= 3 < per_leaf["selections"]
    assert grouped["processed_tokens_total"] < per_leaf["processed_tokens_total"] / 2
    assert grouped["seconds_per_leaf_estimate"] < per_leaf["seconds_per_leaf_estimate"]
