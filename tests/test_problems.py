"""Problems are recorded through one function: run.json, the graph state and the summary hold the same list."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from papercoder import build_graph
from papercoder.problems import Problem, record_problem, state_update
from papercoder.workspace import Workspace


def test_a_problem_is_kept_in_run_json_and_handed_to_the_state(tmp_path):
    ws = Workspace(tmp_path).start_fresh()
    out = record_problem(ws, Problem(stage="coder", file="a.py", kind="code_problem", message="placeholder",
                                     action="kept the last answer"),
                         Problem(stage="architect", kind="missing_diagram", message="no class diagram"))
    assert out == [{"stage": "coder", "file": "a.py", "kind": "code_problem", "problem": "placeholder",
                    "action": "kept the last answer"},
                   {"stage": "architect", "file": None, "kind": "missing_diagram", "problem": "no class diagram"}]
    assert json.loads(ws.run_json.read_text())["errors"] == out
    assert state_update(ws) == {"errors": out}
    assert state_update(Workspace(tmp_path)) == {}  # another node's workspace recorded nothing


def test_every_problem_of_a_run_is_in_the_state_run_json_and_the_summary(scripted, paper_file):
    script, _model, context = scripted
    invented = "```python\nimport numpyy\n\n\ndef run_model():\n    return 0\n```"
    script.code_overrides["model.py"] = [invented]  # re-asked once, then the repeated answer is kept and recorded
    script.logic = ['{"tasks": []}', script.logic[0]]  # the logic designer is re-asked once
    ctx = context()
    app = build_graph().compile(checkpointer=InMemorySaver())
    cfg = {"configurable": {"thread_id": uuid.uuid4().hex}}
    result = app.invoke({"paper": str(paper_file)}, context=ctx, config=cfg)
    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    state_errors = app.get_state(cfg).values["errors"]
    kinds = {(e["stage"], e["kind"]) for e in run["errors"]}
    assert {("logic_designer", "reask"), ("coder", "reask"), ("coder", "code_problem")} <= kinds
    assert sorted(map(json.dumps, state_errors)) == sorted(map(json.dumps, run["errors"]))
    assert result["summary"]["problems"] == len(run["errors"]) == run["summary"]["problems"]
