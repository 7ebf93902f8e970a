"""The coder's answer checks that need no model."""

from papercoder.agents.coder import unknown_modules


def test_the_coder_is_told_of_modules_it_invented():
    """Seen on SSC with a 3-file plan: main.py imported nine modules of a longer plan."""
    code = ("import os\nimport yaml\nimport torch.nn as nn\nfrom prompt import Prompt\nfrom models import Net\n"
            "from utils.io import load\nimport rouge_score\ntry:\n    import wandb_extra\nexcept ImportError:\n"
            "    wandb_extra = None\nfrom .helpers import x\nimport embedding, prompt\n")
    planned = ["config.py", "models.py", "utils/io.py", "main.py"]
    assert unknown_modules(code, "main.py", planned, ["PyYAML", "torch"]) == ["prompt", "helpers", "embedding"]
