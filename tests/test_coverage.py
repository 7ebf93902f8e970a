"""Coverage: each item traced by its marker, by config value read by the code, or by a definition's name."""

from __future__ import annotations

from papercoder.coverage import markers, missing_by_file, table, trace

ITEMS = {"items": [
    {"id": "R1", "kind": "component", "requirement": "Two-layer perceptron TinyNet", "files": ["model.py"]},
    {"id": "R2", "kind": "loss", "requirement": "Cross-entropy loss", "files": ["train.py"]},
    {"id": "R3", "kind": "hyperparameter", "requirement": "Learning rate", "value": "0.05", "files": ["train.py"]},
    {"id": "R4", "kind": "hyperparameter", "requirement": "Batch size", "value": "16", "files": ["data.py"]},
    {"id": "R5", "kind": "metric", "requirement": "Accuracy on the test split", "files": ["train.py"]},
    {"id": "R12", "kind": "experiment", "requirement": "Compare to SGD", "files": ["main.py"]},
]}
SOURCES = {
    "model.py": "class TinyNet:  # R1: the two-layer perceptron\n    pass\n",
    "train.py": ("def cross_entropy_loss(p, y):\n    return 0\n\n\n"
                 "def train(config):\n    lr = config['training']['lr']\n    return lr\n"),
    "data.py": "def load(config):\n    return config.get('data')\n",
    "main.py": "x = 1  # R1, R12: too\n",
}
CONFIG = "training:\n  lr: 0.05  # R3\ndata:\n  batch_size: 16  # R4\n"


def test_markers_are_found_in_comments_only():
    assert markers({"a.py": "R3 = 1\ny = 2  # R3, R30: both\n"}) == {"R3": ["a.py:2"], "R30": ["a.py:2"]}
    code = "URL = 'http://x.org/#R2'\ns = '# R4: not a comment'\n# the R2 score  # R5\n"
    assert markers({"b.py": code}) == {"R5": ["b.py:3"]}
    assert markers({"run.sh": "python main.py  # R7: the experiment\n"}) == {"R7": ["run.sh:1"]}


def test_each_item_is_traced_the_first_way_that_holds():
    cov = trace(ITEMS, SOURCES, CONFIG)
    status = {r["id"]: (r["status"], r["where"]) for r in cov["items"]}
    assert status["R1"] == ("marked", ["main.py:1", "model.py:1"])
    assert status["R2"] == ("defined", ["train.py:1"])
    assert status["R3"] == ("config", ["config.yaml:2 (lr)"])
    assert status["R4"][0] == "missing"  # in config, but no code reads batch_size
    assert status["R5"][0] == "missing"
    assert status["R12"] == ("marked", ["main.py:1"])
    assert (cov["traced"], cov["total"], cov["share"]) == (4, 6, 0.667)
    assert cov["hyperparameters_in_config"] == 2
    assert {p: [r["id"] for r in rows] for p, rows in missing_by_file(cov).items()} == {"data.py": ["R4"],
                                                                                          "train.py": ["R5"]}
    assert table(cov).startswith("4 of 6 of the paper's requirements traced to the code.")
