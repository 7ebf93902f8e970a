"""The coder's answer checks that need no model."""

from papercoder.agents.coder import unknown_modules


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
        "```python\nimport train\n\n\ndef main():\n    return TinyDataset(), train.run_train()\n```",
        "```python\nimport train\nfrom data import run_data\n\n\ndef main():\n"
        "    return run_data(), train.run_train()\n```"]
    ctx = context()
    build_graph().compile().invoke({"paper": str(paper_file)}, context=ctx)
    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    reask = [e for e in run["errors"] if e["kind"] == "reask" and e["file"] == "main.py"]
    assert len(reask) == 1 and "names that nothing defines or imports: 'TinyDataset' (line 5)" in reask[0]["problem"]
    assert "from data import run_data" in (Path(ctx.out_dir) / "repo/main.py").read_text()
