"""The interface table: fixed before coding, from the class diagram and one model call for what it lacks."""

from __future__ import annotations

import json
from pathlib import Path

from papercoder import build_graph
from papercoder.interfaces import diagram_classes, empty_files, from_design, missing_in

DIAGRAM = """classDiagram
    class TinyNet {
        +int hidden
        +__init__(config, hidden=8)
        +forward(x) ndarray
        +_private(y)
    }
    class Trainer
    Trainer : +fit(model, data, epochs)
    TinyNet <|-- Other
"""


def test_classes_come_from_the_diagram_to_the_file_whose_design_names_them():
    rows = {c.name: c for c in diagram_classes(DIAGRAM)}
    assert rows["TinyNet"].init == ["config", "hidden"] and [m.name for m in rows["TinyNet"].methods] == ["forward"]
    assert rows["Trainer"].methods[0].params == ["model", "data", "epochs"]
    design = {"task_list": ["model.py", "train.py", "main.py"],
              "tasks": [{"path": "model.py", "logic": "TinyNet, a two-layer perceptron"},
                        {"path": "train.py", "logic": "Trainer.fit loops over epochs"},
                        {"path": "main.py", "logic": "runs it all"}]}
    table = from_design(DIAGRAM, design, {"files": []})
    assert [c["name"] for c in table["model.py"]["classes"]] == ["TinyNet"]
    assert [c["name"] for c in table["train.py"]["classes"]] == ["Trainer"]
    assert empty_files(table, "main.py") == []  # nothing to ask the model for


def test_a_file_must_define_its_rows_names_beyond_them_are_fine():
    rows = {"classes": [{"name": "TinyNet", "init": [], "methods": [{"name": "forward", "params": ["x"]}]}],
            "functions": [{"name": "build", "params": []}]}
    assert missing_in("class TinyNet:\n    def forward(self, x):\n        return x\n\n\ndef build():\n"
                      "    return 1\n\n\ndef extra():\n    return 2\n", rows) == []
    assert missing_in("class TinyNet:\n    def fwd(self, x):\n        return x\n", rows) == ["TinyNet.forward",
                                                                                         "build"]


def test_each_coder_gets_its_rows_and_is_sent_back_once_when_it_lacks_one(scripted, paper_file):
    script, model, context = scripted
    script.code_overrides["model.py"] = ["```python\ndef run_mdl():\n    return 0\n```",
                                         "```python\ndef run_model():\n    return 0\n```"]
    ctx = context()
    build_graph().compile().invoke({"paper": str(paper_file)}, context=ctx)
    root = Path(ctx.out_dir)
    table = {f["path"]: f for f in json.loads((root / "artifacts/interfaces.json").read_text())["files"]}
    assert table["train.py"]["imports_from"] == ["data.py", "model.py"]
    assert [f["name"] for f in table["model.py"]["functions"]] == ["run_model"]
    train = next(str(c["messages"][-1].content) for c in model.calls
                 if "Write the complete file `train.py`" in str(c["messages"][-1].content))
    assert "fixes what `train.py` defines" in train and "What `model.py` defines, per the table:\n- def run_model()" \
        in train
    run = json.loads((root / "run.json").read_text())
    [reask] = [e for e in run["errors"] if e["kind"] == "reask" and e["file"] == "model.py"]
    assert "does not define what the interface table fixes for this file: run_model" in reask["problem"]
    assert (root / "repo/model.py").read_text().startswith("def run_model():")


def test_the_request_has_no_example_a_small_model_could_copy():
    """Seen on Semantic Self-Consistency and the Transformer: the embedded model answered with the request's
    example rows (Net, build_model), twice in a row; the JSON schema gives the shape, the request only words."""
    from papercoder.agents.conversation import prompt

    request = prompt("interface_designer")
    assert "{" not in request and "`functions`" in request and "`init`" in request
