"""Running the code while it is written: each file imported as it is accepted, the smoke run before finalize.

The scripted model plays a strong model: shown the traceback, it answers with the fixed file.
"""

from __future__ import annotations

import json
from pathlib import Path

from papercoder import build_graph

BAD_IMPORT = "```python\nVALUES = [1, 2]\nFIRST = VALUES[5]\n\n\ndef run_model():\n    return FIRST\n```"
GOOD_MODEL = "```python\nVALUES = [1, 2]\nFIRST = VALUES[0]\n\n\ndef run_model():\n    return FIRST\n```"
MAIN = ("```python\nimport train\n\n\ndef main():\n    return train.run_train()\n\n\n"
        "if __name__ == '__main__':\n    print(main())\n```")
BAD_TRAIN = ("```python\nimport data\nimport model\n\n\ndef run_train():\n    sizes = {'a': 1}\n"
             "    return data.run_data() + sizes['b']\n```")
GOOD_TRAIN = ("```python\nimport data\nimport model\n\n\ndef run_train():\n    sizes = {'a': 1}\n"
              "    return data.run_data() + sizes['a']\n```")


def _run(paper_file, ctx) -> dict:
    build_graph().compile().invoke({"paper": str(paper_file)}, context=ctx)
    return json.loads((Path(ctx.out_dir) / "run.json").read_text())


def test_an_import_error_goes_back_to_its_coder_with_the_traceback(scripted, paper_file):
    script, _model, context = scripted
    script.code_overrides["model.py"] = [BAD_IMPORT]
    script.fix_answers["model.py"] = [GOOD_MODEL]
    ctx = context(verify=True)
    run = _run(paper_file, ctx)
    out = Path(ctx.out_dir)
    [asked] = script.feedback_requests
    assert "Importing `model.py` in the repository raised" in asked and "IndexError: list index out of range" in asked
    assert 'File "model.py", line 2, in <module>' in asked and "importlib" not in asked  # the repository's frames
    assert (out / "repo/model.py").read_text().startswith("VALUES = [1, 2]\nFIRST = VALUES[0]")
    assert json.loads((out / "artifacts/execution/model.py.json").read_text())["ok"] is False
    assert any(e["kind"] == "import_error" and e["file"] == "model.py" and "rewrote" in e["action"]
               for e in run["errors"])
    checks = run["summary"]["execution_checks"]
    assert checks["imports"] == 4 and checks["imports_failed"] == 1 and checks["smoke"] == "passed"
    assert run["verification"]["before"]["modules_importing"] == 4 and not script.debug_requests


def test_a_smoke_failure_goes_to_the_coder_of_the_innermost_frame(scripted, paper_file):
    script, _model, context = scripted
    script.code_overrides.update({"main.py": [MAIN], "train.py": [BAD_TRAIN]})
    script.fix_answers["train.py"] = [GOOD_TRAIN]
    ctx = context(verify=True)
    run = _run(paper_file, ctx)
    [asked] = script.feedback_requests
    assert "The smoke run `python main.py --config config.yaml --smoke` raised" in asked
    assert "Write the whole file `train.py` again" in asked and "KeyError: 'b'" in asked
    smoke = json.loads((Path(ctx.out_dir) / "artifacts/execution/smoke.json").read_text())
    assert smoke["ok"] is False and smoke["file"] == "train.py"
    assert run["verification"]["before"]["smoke"] == "passed" and not script.debug_requests
    assert run["summary"]["execution_checks"]["smoke"] == "failed"  # as first run; verification then passed


def test_without_verification_nothing_is_run(scripted, paper_file):
    script, _model, context = scripted
    script.code_overrides["model.py"] = [BAD_IMPORT]
    run = _run(paper_file, context(verify=False))
    assert not script.feedback_requests and run["summary"]["execution_checks"]["imports"] == 0


def test_the_import_check_installs_what_the_code_imports_not_only_what_the_plan_lists():
    """Seen on What Will My Model Forget: the plan had tensorflow, keras and invented names but not transformers,
    which every file imported; each import check ended in "No module named 'transformers'"."""
    from papercoder.verify.trial import requirements_of

    planned = ["torch>=2.0", "tensorflow", "pytorch-sparse", "scikit-learn==1.3"]
    sources = {"data.py": "from transformers import AutoTokenizer\nimport torch\nfrom sklearn import metrics\n"
                          "import os\nfrom model import Net\ntry:\n    import wandb\nexcept ImportError:\n"
                          "    wandb = None\n",
               "model.py": "", "pkg/util.py": "from . import data\nimport yaml\n"}
    assert requirements_of(planned, sources) == ["pyyaml", "scikit-learn==1.3", "torch>=2.0", "transformers"]
    assert requirements_of(planned) == [*planned, "pyyaml"]
