"""The checklist writer with the scripted model: items by part, quotes checked, ids, artifacts, an off switch."""

from __future__ import annotations

import json
from pathlib import Path

from papercoder import build_graph
from tests.conftest import load_benchmark


def _plan(paper_file, ctx) -> dict:
    return build_graph().compile().invoke({"paper": str(paper_file)}, context=ctx)


def test_the_checklist_holds_what_the_paper_says_and_drops_the_rest(scripted, paper_file):
    script, model, context = scripted
    script.checklist[2].append(("hyperparameter", "Train for 100 epochs", "We train for 100 epochs", "100"))
    script.checklist[2].append(("hyperparameter", "Hidden size 16", "a hidden layer of 8 units", "16"))
    ctx = context(stop_after="planning")
    _plan(paper_file, ctx)
    root = Path(ctx.out_dir)
    data = json.loads((root / "artifacts/checklist.json").read_text())
    assert [(i["id"], i["kind"]) for i in data["items"]] == [
        ("R1", "component"), ("R2", "loss"), ("R3", "hyperparameter"), ("R4", "hyperparameter"), ("R5", "data"),
        ("R6", "metric")]
    assert data["items"][2]["value"] == "0.05"
    assert [(d["requirement"], d["reason"]) for d in data["dropped"]] == [
        ("Train for 100 epochs", "quote not in the paper"), ("Hidden size 16", "value not in its quote")]
    md = (root / "artifacts/checklist.md").read_text()
    assert "| R3 | hyperparameter | SGD learning rate 0.05 | 0.05 |" in md and "2 item(s) dropped" in md
    calls = [c for c in model.calls if "Request: the requirements checklist" in str(c["messages"][-1].content)]
    assert len(calls) == 3
    # Each call continues the planner's conversation: the paper, the plan, then the request.
    planner_call = next(c for c in model.calls if "Request 1 of the planning" in str(c["messages"][-1].content))
    for c in calls:
        assert [m.content for m in c["messages"][:len(planner_call["messages"])]] == \
            [m.content for m in planner_call["messages"]]
        assert c["messages"][len(planner_call["messages"])].content == script.plan.strip()


def test_a_part_whose_quotes_are_all_invented_is_asked_again(scripted, paper_file):
    script, model, context = scripted
    script.checklist[3] = [("metric", "F1 score", "We report the F1 score on the test set", "")]
    _plan(paper_file, context(stop_after="planning"))
    reasks = [c for c in model.calls if "none of the quotes is in the paper" in str(c["messages"][-1].content)]
    assert len(reasks) == 1


def test_the_same_complaint_after_a_reask_is_not_made_a_third_time(scripted, paper_file):
    """Seen on Semantic Self-Consistency: three answers running with no quote from the paper, 160 s for nothing."""
    script, model, context = scripted
    script.checklist[3] = [("metric", "F1 score", "We report the F1 score on the test set", "")]
    inner = script.__call__

    def reworded(messages):  # each re-ask brings another invented quote (not the same answer again)
        if str(messages[-1].content).startswith("That answer cannot be used") and "part 3" in str(messages[-3].content):
            n = sum(str(m.content).startswith("That answer cannot be used") for m in messages)
            return json.dumps({"items": [{"kind": "metric", "requirement": "F1", "section": "", "value": "",
                                          "quote": f"The paper states that F1 is reported {n} times"}]})
        return inner(messages)

    model.script = reworded
    ctx = context(stop_after="planning", max_reasks=3)
    _plan(paper_file, ctx)
    part3 = [c for c in model.calls if "requirements checklist, part 3" in str(c["messages"][-1].content)
             or "none of the quotes is in the paper" in str(c["messages"][-1].content)]
    assert len(part3) == 2  # the answer and one re-ask, not 1 + max_reasks
    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    settled = [e for e in run["errors"] if e["kind"] == "same_complaint"]
    assert [(e["stage"], e["problem"]) for e in settled] == [
        ("checklist_writer", "none of the quotes is in the paper: copy each quote word for word from the paper")]


def test_the_checklist_can_be_switched_off(scripted, paper_file):
    _script, model, context = scripted
    ctx = context(stop_after="planning", checklist=False)
    result = _plan(paper_file, ctx)
    assert not (Path(ctx.out_dir) / "artifacts/checklist.json").exists()
    assert not any("requirements checklist" in str(c["messages"][-1].content) for c in model.calls)
    assert "checklist" not in result.get("summary", {})


def test_the_logic_design_assigns_items_and_an_unassigned_one_is_named_then_placed_by_the_rule(scripted, paper_file):
    script, model, context = scripted
    script.assignments = {"model.py": ["R1", "R2"], "data.py": ["R5"], "train.py": ["r3"]}
    ctx = context(stop_after="planning")
    _plan(paper_file, ctx)
    reask = [str(c["messages"][-1].content) for c in model.calls
             if "belong to no file" in str(c["messages"][-1].content)]
    assert len(reask) == 1 and "these requirements belong to no file: R4, R6" in reask[0]
    data = json.loads((Path(ctx.out_dir) / "artifacts/checklist.json").read_text())
    files = {i["id"]: i["files"] for i in data["items"]}
    assert files["R1"] == files["R2"] == ["model.py"] and files["R5"] == ["data.py"] and files["R3"] == ["train.py"]
    # R4 "Batch size 16 / for 3 epochs with batch size 16" shares no word with any file's logic: the entry point.
    assert files["R4"] == ["main.py"]
    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    problems = [e for e in run["errors"] if e.get("kind") == "checklist_unassigned"]
    assert {p["problem"].split()[0] for p in problems} == {"R4", "R6"}


def test_the_logic_request_lists_the_requirements(scripted, paper_file):
    _script, model, context = scripted
    _plan(paper_file, context(stop_after="planning"))
    req = next(str(c["messages"][-1].content) for c in model.calls
               if "Request 3 of the planning" in str(c["messages"][-1].content))
    assert "  - R3 (hyperparameter): SGD learning rate 0.05" in req and '"items"' in req


def test_config_writer_is_given_the_hyperparameters_and_a_missing_one_is_named_once(scripted, paper_file):
    script, model, context = scripted
    script.config = "```yaml\ntraining:\n  lr: 0.5  # R3\n  epochs: 3\nsmoke:\n  steps: 1\n```"
    ctx = context(stop_after="planning")
    _plan(paper_file, ctx)
    requests = [str(c["messages"][-1].content) for c in model.calls]
    first = next(r for r in requests if "Request 4 of the planning" in r)
    assert "  - R3: SGD learning rate 0.05 = 0.05\n  - R4: Batch size 16 = 16\n" in first
    reask = [r for r in requests if "lacks the paper's value" in r]
    assert len(reask) == 1
    assert "R3 (SGD learning rate 0.05 = 0.05: wrong value); R4 (Batch size 16 = 16: missing)" in reask[0]
    check = json.loads((Path(ctx.out_dir) / "artifacts/config_check.json").read_text())
    assert check["hyperparameters"]["R3"]["status"] == "wrong_value"
    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    assert [e["problem"][:2] for e in run["errors"] if e["kind"] == "hyperparameter_missing"] == ["R3", "R4"]


def test_analysts_and_coders_get_the_items_of_their_file(scripted, paper_file):
    script, model, context = scripted
    script.assignments = {"model.py": ["R1", "R2"], "data.py": ["R5"], "train.py": ["R3", "R4", "R6"]}
    _plan(paper_file, context())
    requests = [str(c["messages"][-1].content) for c in model.calls]
    analyst = next(r for r in requests if "implementation spec for one file: `model.py`" in r)
    coder = next(r for r in requests if r.startswith("Write the complete file `model.py`"))
    line = "- R1 (component): TinyNet, two layers (paper: \u201cTinyNet has a hidden layer of 8 units with ReLU\u201d)"
    assert line in analyst and line in coder and "R5" not in coder
    assert "comment naming its id" in coder
    main = next(r for r in requests if r.startswith("Write the complete file `main.py`"))
    assert "requirements this file implements" not in main


def test_coverage_is_traced_and_a_files_missing_items_go_back_to_its_coder_once(scripted, paper_file):
    script, model, context = scripted
    script.assignments = {"model.py": ["R1", "R2"], "data.py": ["R5"], "train.py": ["R3", "R4", "R6"]}
    script.unmarked = {"model.py"}
    ctx = context()
    result = _plan(paper_file, ctx)
    assert len(script.items_requests) == 1
    assert "- R1 (component): TinyNet, two layers" in script.items_requests[0]
    assert "- R2 (loss): Cross-entropy loss" in script.items_requests[0]
    cov = json.loads((Path(ctx.out_dir) / "artifacts/coverage.json").read_text())
    assert cov["sent"] == ["model.py"]
    assert (cov["before"]["traced"], cov["after"]["traced"], cov["after"]["total"]) == (4, 6, 6)
    assert "# R1: implemented here" in (Path(ctx.out_dir) / "repo/model.py").read_text()
    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    assert run["coverage"]["before"]["share"] == 0.667 and run["coverage"]["after"]["share"] == 1.0
    assert result["summary"]["status"] == "completed"


def test_the_summary_readme_and_status_show_coverage(scripted, paper_file):
    from typer.testing import CliRunner

    from papercoder.cli import app

    script, _model, context = scripted
    script.assignments = {"model.py": ["R1", "R2"], "data.py": ["R5"], "train.py": ["R3", "R4", "R6"]}
    ctx = context()
    result = _plan(paper_file, ctx)
    figures = result["summary"]["checklist"]
    assert figures["items"] == 6 and figures["traced"] == 6 and figures["share"] == 1.0
    assert figures["kinds"] == {"component": 1, "loss": 1, "hyperparameter": 2, "data": 1, "metric": 1}
    readme = (Path(ctx.out_dir) / "repo/README.md").read_text()
    assert "## The paper's requirements" in readme and "| R3 | hyperparameter | SGD learning rate 0.05 |" in readme
    out = CliRunner().invoke(app, ["status", ctx.out_dir], terminal_width=200)
    assert out.exit_code == 0 and "6 of 6 requirements traced to the code" in out.output


def test_sections_the_planner_did_not_read_are_read_in_parts_of_their_own(scripted, tmp_path):
    script, model, context = scripted
    paper = tmp_path / "long.md"
    from tests.conftest import PAPER

    appendix = ("## Appendix: Training details\n" + "We tried several settings before settling on one. " * 150
                + "The warmup lasts 400 steps.\n")
    paper.write_text(PAPER + "\n" + appendix)
    script.part_items = [("hyperparameter", "Warmup 400 steps", "The warmup lasts 400 steps", "400")]
    ctx = context(stop_after="planning", paper_token_budget=600, digest_token_budget=300, checklist_parts=2)
    _plan(paper, ctx)
    assert len(script.part_requests) == 1 and "Appendix: Training details" in script.part_requests[0]
    call = next(c for c in model.calls if "from this part only" in str(c["messages"][-1].content))
    assert len(call["messages"]) == 2 and "TinyNet has a hidden layer" not in str(call["messages"][1].content)
    data = json.loads((Path(ctx.out_dir) / "artifacts/checklist.json").read_text())
    assert data["unread_parts"] == 1 and data["items"][-1]["requirement"] == "Warmup 400 steps"
    assert data["items"][-1]["value"] == "400" and not data["dropped"]


def test_no_part_calls_when_the_planner_read_the_whole_paper(scripted, paper_file):
    script, model, context = scripted
    _plan(paper_file, context(stop_after="planning"))
    assert script.part_requests == []


def test_the_checklist_benchmark_reads_a_finished_run(scripted, paper_file):
    script, _model, context = scripted
    script.assignments = {"model.py": ["R1", "R2"], "data.py": ["R5"], "train.py": ["R3", "R4", "R6"]}
    script.unmarked = {"data.py"}
    ctx = context()
    _plan(paper_file, ctx)
    bench = load_benchmark("checklist")
    row = bench.figures(Path(ctx.out_dir))
    assert (row["items"], row["traced_before"], row["traced_after"], row["total"]) == (6, 5, 6, 6)
    assert row["sent_back"] == ["data.py"] and row["unmarked_values"] == 0
    assert (row["hyperparameters"], row["hyperparameters_in_config"]) == (2, 2)
    assert row["model_seconds"] >= row["checklist_model_seconds"] >= 0
    assert "| run | items |" in bench.table([row])


def test_a_send_back_rewrite_that_loses_a_definition_is_undone(scripted, paper_file):
    script, model, context = scripted
    script.assignments = {"model.py": ["R1", "R2"], "data.py": ["R5"], "train.py": ["R3", "R4", "R6"]}
    script.unmarked = {"model.py"}
    script.items_answer = "```python\n# R1: here\n# R2: here\ndef something_else():\n    return 0\n```"
    ctx = context()
    _plan(paper_file, ctx)
    assert script.items_requests  # re-asked once for the interface row it lost, then taken and undone
    assert "def run_model():" in (Path(ctx.out_dir) / "repo/model.py").read_text()
    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    undone = [e for e in run["errors"] if e["kind"] == "items_rewrite_undone"]
    assert len(undone) == 1 and "no longer defines run_model" in undone[0]["problem"]
    assert run["coverage"]["after"]["traced"] == 4


def test_coding_with_the_checklist_off_has_no_coverage_step(scripted, paper_file):
    _script, model, context = scripted
    ctx = context(checklist=False)
    result = _plan(paper_file, ctx)
    assert result["summary"]["status"] == "completed" and "checklist" not in result["summary"]
    assert not (Path(ctx.out_dir) / "artifacts/coverage.json").exists()
    assert not any(c["messages"][-1].content.startswith("The coverage check") for c in model.calls)


def test_no_part_calls_when_parts_are_off(scripted, tmp_path):
    from tests.conftest import PAPER

    script, _model, context = scripted
    paper = tmp_path / "long.md"
    paper.write_text(PAPER + "\n## Appendix: Training details\n" + "We tried several settings. " * 200)
    _plan(paper, context(stop_after="planning", paper_token_budget=600, digest_token_budget=300, checklist_parts=0))
    assert script.part_requests == []


def test_the_send_back_is_bounded_to_the_files_missing_most(scripted, paper_file):
    script, _model, context = scripted
    script.assignments = {"model.py": ["R1", "R2"], "data.py": ["R5"], "train.py": ["R3", "R4", "R6"]}
    script.unmarked = {"model.py", "data.py", "train.py"}
    ctx = context(checklist_sendback=1)
    _plan(paper_file, ctx)
    cov = json.loads((Path(ctx.out_dir) / "artifacts/coverage.json").read_text())
    assert cov["sent"] == ["train.py"] and len(script.items_requests) == 1  # 3 missing, model.py 2, data.py 1


def test_an_answer_cut_off_at_the_token_limit_keeps_its_complete_items_without_a_reask(scripted, paper_file):
    script, model, context = scripted
    whole = json.dumps({"items": [{"kind": "metric", "requirement": "Accuracy on a 20% test split",
                                   "quote": "evaluate accuracy on a 20% test split", "section": "", "value": ""},
                                  {"kind": "experiment", "requirement": "Train 3 epochs",
                                   "quote": "We train for 3 epochs", "section": "", "value": ""}]})
    cut = whole[: whole.index('{"kind": "experiment"') + 30]
    original = script.__call__

    def answer(messages):
        if "requirements checklist, part 3" in str(messages[-1].content):
            return (cut, "length")
        return original(messages)

    model.script = answer
    ctx = context(stop_after="planning")
    _plan(paper_file, ctx)
    data = json.loads((Path(ctx.out_dir) / "artifacts/checklist.json").read_text())
    assert [i["requirement"] for i in data["items"] if i["kind"] == "metric"] == ["Accuracy on a 20% test split"]
    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    assert not [e for e in run.get("errors", []) if e["stage"] == "checklist_writer" and e["kind"] == "reask"]


def test_the_executability_benchmark_counts_reasks_by_cause(scripted, paper_file):
    script, model, context = scripted
    script.checklist[3] = [("metric", "F1 score", "We report the F1 score on the test set", "")]
    ctx = context(stop_after="planning")
    _plan(paper_file, ctx)
    bench = load_benchmark("executability")
    row = bench.figures(Path(ctx.out_dir), 1.0)
    assert row["reasks"] == 1 and row["settled"] == 0
    assert row["reask_causes"] == {"checklist_writer: none of the quotes is in the paper": 1}
    assert row["reasks_per_call"] == round(1 / len(model.calls), 2)
    assert "| re-asks |" in bench.table([{"paper": "x/paper.pdf", **row}])
