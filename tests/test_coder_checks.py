"""The coder's answer checks that need no model."""

from papercoder.agents.coder_checks import unknown_modules


def test_the_coder_is_told_of_modules_it_invented():
    """Seen on SSC with a 3-file plan: main.py imported nine modules of a longer plan."""
    code = ("import os\nimport yaml\nimport torch.nn as nn\nfrom prompt import Prompt\nfrom models import Net\n"
            "from utils.io import load\nimport rouge_score\ntry:\n    import wandb_extra\nexcept ImportError:\n"
            "    wandb_extra = None\nfrom .helpers import x\nimport embedding, prompt\n")
    planned = ["config.py", "models.py", "utils/io.py", "main.py"]
    assert unknown_modules(code, "main.py", planned, ["PyYAML", "torch"]) == ["prompt", "helpers", "embedding"]


def test_a_coder_that_uses_names_it_never_imported_is_asked_again(scripted, paper_file):
    """Seen on a held-out paper: main.py used the dataset classes without importing them (21 undefined names)."""
    import json
    from pathlib import Path

    from papercoder import build_graph

    script, model, context = scripted
    script.code_overrides["main.py"] = [
        "```python\nimport train\n\n\ndef main():\n    return TinyDataset(), train.run_train()\n\n\nmain()\n```",
        "```python\nimport train\nfrom data import run_data\n\n\ndef main():\n"
        "    return run_data(), train.run_train()\n\n\nmain()\n```"]
    ctx = context()
    build_graph().compile().invoke({"paper": str(paper_file)}, context=ctx)
    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    reask = [e for e in run["errors"] if e["kind"] == "reask" and e["file"] == "main.py"]
    assert len(reask) == 1 and "names that nothing defines or imports: 'TinyDataset' (line 5)" in reask[0]["problem"]
    assert "from data import run_data" in (Path(ctx.out_dir) / "repo/main.py").read_text()


def test_a_dotted_config_path_read_as_one_key_is_explained():
    """Seen on Semantic Self-Consistency: `config['data.<dataset_name>.split']`, copied from the analyst's spec,
    re-asked twice with the same message."""
    import pytest
    from papercoder.agents.coder_checks import make_parser

    from papercoder.llm import AnswerError
    from papercoder.llm.answers import Reply

    parse = make_parser("data.py", {"data": {"svamp": {"split": "test"}}}, {}, [])
    code = "```python\ndef load(config):\n    return config['data.<dataset_name>.split']\n```"
    with pytest.raises(AnswerError, match=r"config keys that config.yaml does not have: data.<dataset_name>.split "
                       r"\(config.yaml has data.svamp.split\); config.yaml is nested: read one key per subscript"):
        parse(Reply(text=code, parsed=None, finish_reason="stop", last=False))
    plain = "```python\ndef load(config):\n    return config['data']['size']\n```"
    with pytest.raises(AnswerError) as err:
        parse(Reply(text=plain, parsed=None, finish_reason="stop", last=False))
    assert "data.size" in str(err.value) and "nested" not in str(err.value)


def test_an_entry_point_that_runs_nothing_gets_run_asked_alone_and_main_written_for_it(scripted, paper_file):
    """Seen on the Transformer: main.py repeated data.py's classes and ran nothing, through three re-asks."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from papercoder import build_graph

    script, _model, context = scripted
    script.code_overrides["main.py"] = ["```python\nimport train\n\n\ndef run_data():\n    return 7\n```"]
    script.run_answers = ["```python\nimport train\n\ndef main():\n    pass\n```",  # no run(): asked again
                          "```python\nimport train\n\n\ndef run(config, smoke):\n"
                          "    print('result', train.run_train(), run_data(), config['training']['lr'], smoke)\n```"]
    ctx = context()
    build_graph().compile().invoke({"paper": str(paper_file)}, context=ctx)
    out = Path(ctx.out_dir)
    main = (out / "repo/main.py").read_text()
    assert len(script.run_requests) == 2 and "`data.py` (`from data import ...`):\n- def run_data()" in \
        script.run_requests[0]
    assert "def run_data" not in main and "from data import run_data" in main  # the copy dropped, imported instead
    assert "def main() -> None:" in main and "run(config, smoke=args.smoke)" in main
    done = subprocess.run([sys.executable, "main.py", "--config", "config.yaml", "--smoke"], cwd=out / "repo",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.split() == ["result", "2", "0", "0.05", "True"], done.stderr
    run = json.loads((out / "run.json").read_text())
    assert any(e["kind"] == "entry_point" and e["file"] == "main.py" for e in run["errors"])
    assert any(c["node"] == "coder_run" for c in run["calls"])


def test_an_idle_entry_point_is_found_by_the_static_check(tmp_path):
    from papercoder.verify.static import check_repo

    idle = "class Net:\n    def forward(self, x):\n        return x\n"
    runs = idle + "\n\nif __name__ == '__main__':\n    Net().forward(1)\n"
    (tmp_path / "main.py").write_text(idle)
    (tmp_path / "reproduce.sh").write_text("python main.py --config config.yaml \"$@\"\n")
    found = [f for f in check_repo(tmp_path) if f.kind == "entry_point"]
    assert len(found) == 1 and found[0].file == "main.py" and found[0].blocking
    (tmp_path / "main.py").write_text(runs)
    assert not [f for f in check_repo(tmp_path) if f.kind == "entry_point"]


def test_a_file_that_copies_an_earlier_file_imports_the_copy_and_is_asked_for_its_own_code():
    """Seen on Bridging Data Gaps: classifier.py and adaptation.py were model.py, character for character."""
    import pytest
    from papercoder.agents.coder_checks import make_parser

    from papercoder.llm import AnswerError
    from papercoder.llm.answers import Reply

    model = ("import torch\n\n\nclass DPMs:\n    def __init__(self, size):\n        self.size = size\n\n"
             "    def forward(self, x):\n        return x * self.size\n\n\ndef similarity(a, b):\n    return a @ b\n")
    rows = {"path": "classifier.py", "classes": [{"name": "Classifier", "init": [], "methods": []}],
            "functions": [], "imports_from": ["model.py"]}
    warnings: list = []
    parse = make_parser("classifier.py", {}, {"model.py": model}, warnings, rows=rows)
    with pytest.raises(AnswerError, match=r"does not define what the interface table fixes for this file: Classifier"
                       r".*repeats code of the files already written \(DPMs, similarity\)"):
        parse(Reply(text=f"```python\n{model}```", parsed=None, finish_reason="stop", last=False))
    own = model + "\n\nclass Classifier:\n    def __init__(self):\n        self.net = DPMs(2)\n"
    code = parse(Reply(text=f"```python\n{own}```", parsed=None, finish_reason="stop", last=False))
    assert "class DPMs" not in code and "from model import DPMs" in code and "class Classifier" in code
    compile(code, "classifier.py", "exec")


def test_an_answer_with_the_same_problems_as_the_one_sent_back_is_kept_not_asked_again():
    """Seen on Bridging Data Gaps: main.py imported the same four invented modules three times in a row."""
    import pytest
    from papercoder.agents.coder_checks import make_parser

    from papercoder.llm import AnswerError
    from papercoder.llm.answers import Reply

    warnings: list = []
    parse = make_parser("main.py", {}, {}, warnings, planned=["main.py", "model.py"], packages=[])
    first = "```python\nfrom loss import Loss\n\n\ndef go():\n    return Loss()\n```"
    moved = "```python\nimport os\nfrom loss import Loss\n\n\ndef go():\n    return Loss(), os\n```"
    other = "```python\nfrom trainer import Trainer\n\n\ndef go():\n    return Trainer()\n```"
    with pytest.raises(AnswerError, match="neither files of this repository nor packages: loss"):
        parse(Reply(text=first, parsed=None, finish_reason="stop", last=False))
    with pytest.raises(AnswerError, match="packages: trainer"):  # other problems: asked again
        parse(Reply(text=other, parsed=None, finish_reason="stop", last=False))
    assert "Trainer()" in parse(Reply(text=other.replace("Trainer()", "Trainer(), 1"), parsed=None,
                                      finish_reason="stop", last=False))
    assert [w.kind for w in warnings] == ["code_problem"]
    with pytest.raises(AnswerError):  # a new parser: nothing sent back yet
        make_parser("main.py", {}, {}, [], planned=["main.py"], packages=[])(
            Reply(text=moved, parsed=None, finish_reason="stop", last=False))


def test_many_empty_bodies_are_one_problem_so_the_interface_rows_still_reach_the_coder():
    """Seen on Bridging Data Gaps: eight empty bodies filled the re-ask; the missing rows were never named."""
    import pytest
    from papercoder.agents.coder_checks import make_parser

    from papercoder.llm import AnswerError
    from papercoder.llm.answers import Reply

    body = "".join(f"\n\ndef step_{i}(x):\n    pass\n" for i in range(9))
    rows = {"path": "model.py", "classes": [{"name": "DPMs", "init": [], "methods": []}], "functions": [],
            "imports_from": []}
    parse = make_parser("model.py", {}, {}, [], rows=rows)
    with pytest.raises(AnswerError) as err:
        parse(Reply(text=f"```python\n{body}```", parsed=None, finish_reason="stop", last=False))
    assert "function step_5() has an empty body and 3 more" in str(err.value)
    assert "interface table fixes for this file: DPMs" in str(err.value)
