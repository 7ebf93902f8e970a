"""The review gate (interrupt after planning: approve, edit, reject with feedback) and --stop-after."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from typer.testing import CliRunner

from papercoder import build_graph
from papercoder.review import ReviewError


def _start(paper_file, ctx):
    app = build_graph().compile(checkpointer=InMemorySaver())
    cfg = {"configurable": {"thread_id": "t"}}
    result = app.invoke({"paper": str(paper_file)}, context=ctx, config=cfg)
    return app, cfg, result


def _coder_files(model) -> list[str]:
    return sorted(str(c["messages"][-1].content).split("`")[1] for c in model.calls
                  if str(c["messages"][-1].content).startswith("Write the complete file `"))


def test_approve(scripted, paper_file):
    script, model, context = scripted
    ctx = context(review=True)
    app, cfg, result = _start(paper_file, ctx)
    request = result["__interrupt__"][0].value
    assert request["kind"] == "plan_review" and request["plan"] == script.plan.strip()
    assert [f["path"] for f in request["files"]] == list(script.deps) and "lr: 0.05" in request["config_yaml"]
    assert not _coder_files(model)  # nothing coded before the review
    assert json.loads((Path(ctx.out_dir) / "run.json").read_text())["status"] == "awaiting_review"
    app.invoke(Command(resume={"action": "approve"}), context=ctx, config=cfg)
    assert _coder_files(model) == sorted(script.deps)
    assert json.loads((Path(ctx.out_dir) / "run.json").read_text())["status"] == "completed"


def test_an_edited_file_list_and_config_change_what_is_coded(scripted, paper_file):
    _script, model, context = scripted
    ctx = context(review=True)
    app, cfg, _ = _start(paper_file, ctx)
    files = [{"path": "data.py", "logic": "load iris", "depends_on": []},
             {"path": "net.py", "logic": "the two-layer MLP", "depends_on": []},
             {"path": "main.py", "logic": "train and evaluate", "depends_on": ["data.py", "net.py"]}]
    config = "training:\n  lr: 0.1\n  epochs: 3\n"
    app.invoke(Command(resume={"action": "edit", "files": files, "config_yaml": config}), context=ctx, config=cfg)
    repo = Path(ctx.out_dir) / "repo"
    assert _coder_files(model) == ["data.py", "main.py", "net.py"]
    assert sorted(p.name for p in repo.glob("*.py")) == ["data.py", "main.py", "net.py"]
    assert yaml.safe_load((repo / "config.yaml").read_text())["training"]["lr"] == 0.1
    dag = json.loads((Path(ctx.out_dir) / "artifacts/dependency_graph.json").read_text())
    assert dag["generations"] == [["data.py", "net.py"], ["main.py"]]


def test_reject_with_feedback_plans_again_with_it(scripted, paper_file):
    _script, model, context = scripted
    ctx = context(review=True)
    app, cfg, _ = _start(paper_file, ctx)
    result = app.invoke(Command(resume={"action": "reject", "feedback": "Use PyTorch, not numpy."}),
                        context=ctx, config=cfg)
    assert "__interrupt__" in result  # the new plan is shown for review again
    planner_requests = [str(c["messages"][1].content) for c in model.calls
                        if "Request 1 of the planning" in str(c["messages"][-1].content)]
    assert len(planner_requests) == 2 and "Use PyTorch, not numpy." in planner_requests[1]
    app.invoke(Command(resume={"action": "approve"}), context=ctx, config=cfg)
    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    assert run["status"] == "completed"
    assert [r["action"] for r in json.loads(json.dumps(app.get_state(cfg).values["reviews"]))] == ["reject",
                                                                                                  "approve"]


def test_an_edit_that_drops_the_entry_point_is_refused(scripted, paper_file):
    _script, _model, context = scripted
    ctx = context(review=True)
    app, cfg, _ = _start(paper_file, ctx)
    with pytest.raises(ReviewError, match="drops the entry point main.py"):
        app.invoke(Command(resume={"action": "edit", "files": [{"path": "data.py", "logic": "x"}]}),
                   context=ctx, config=cfg)


@pytest.mark.parametrize("stage", ["planning", "analysis"])
def test_stop_after(scripted, paper_file, stage):
    script, model, context = scripted
    ctx = context(stop_after=stage)
    build_graph().compile().invoke({"paper": str(paper_file)}, context=ctx)
    out = Path(ctx.out_dir)
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == f"stopped_after_{stage}" and not _coder_files(model)
    assert (out / "artifacts/plan.md").is_file() and (out / "repo/config.yaml").is_file()
    analyses = sorted(p.name for p in (out / "artifacts/analysis").glob("*.md")) if stage == "analysis" else []
    assert analyses == sorted(f"{f}.md" for f in script.deps) if stage == "analysis" else not analyses


def test_cli_review_waits_without_a_terminal_then_takes_an_edited_file(scripted, paper_file, tmp_path):
    from papercoder.cli import app

    _script, model, context = scripted
    name = context().model
    out = tmp_path / "o"
    first = CliRunner().invoke(app, ["run", str(paper_file), "--out", str(out), "--model", name, "--review",
                                      "--no-verify"])
    assert first.exit_code == 0, first.output
    assert "papercoder review" in first.output and "Coding order" in first.output
    assert json.loads((out / "run.json").read_text())["status"] == "awaiting_review"
    review = yaml.safe_load((out / "review.yaml").read_text())
    review["files"] = [f for f in review["files"] if f["path"] != "train.py"]
    review["files"][-1]["depends_on"] = ["data.py", "model.py"]
    (out / "review.yaml").write_text(yaml.safe_dump(review))
    done = CliRunner().invoke(app, ["review", str(out), "--edit", str(out / "review.yaml")])
    assert done.exit_code == 0, done.output
    assert _coder_files(model) == ["data.py", "main.py", "model.py"]
    assert json.loads((out / "run.json").read_text())["status"] == "completed"
    again = CliRunner().invoke(app, ["review", str(out), "--approve"])
    assert again.exit_code == 2 and "not waiting for review" in again.output


def test_a_review_edit_of_the_checklist_drops_changes_and_adds_items_that_reach_the_coders(scripted, paper_file):
    script, model, context = scripted
    script.assignments = {"model.py": ["R1", "R2"], "data.py": ["R5"], "train.py": ["R3", "R4", "R6"]}
    ctx = context(review=True)
    app, cfg, result = _start(paper_file, ctx)
    shown = result["__interrupt__"][0].value["checklist"]
    assert [i["id"] for i in shown] == ["R1", "R2", "R3", "R4", "R5", "R6"] and shown[0]["files"] == ["model.py"]
    edited = [{**i, "requirement": "SGD with learning rate 0.05, no momentum"} if i["id"] == "R3" else i
              for i in shown if i["id"] != "R2"]
    edited.append({"kind": "metric", "requirement": "Report the confusion matrix", "files": ["train.py"]})
    app.invoke(Command(resume={"action": "edit", "checklist": edited}), context=ctx, config=cfg)
    data = json.loads((Path(ctx.out_dir) / "artifacts/checklist.json").read_text())
    assert [i["id"] for i in data["items"]] == ["R1", "R3", "R4", "R5", "R6", "R7"]
    assert data["items"][-1]["source"] == "reviewer" and data["items"][-1]["files"] == ["train.py"]
    train = next(str(c["messages"][-1].content) for c in model.calls
                 if str(c["messages"][-1].content).startswith("Write the complete file `train.py`"))
    assert "- R7 (metric): Report the confusion matrix" in train and "no momentum" in train
    assert "R2" not in next(str(c["messages"][-1].content) for c in model.calls
                            if str(c["messages"][-1].content).startswith("Write the complete file `model.py`"))


def test_a_review_edit_naming_an_unknown_item_is_refused(scripted, paper_file):
    _script, _model, context = scripted
    ctx = context(review=True)
    app, cfg, _ = _start(paper_file, ctx)
    with pytest.raises(ReviewError, match="no item R99"):
        app.invoke(Command(resume={"action": "edit", "checklist": [
            {"id": "R99", "kind": "metric", "requirement": "accuracy"}]}), context=ctx, config=cfg)
