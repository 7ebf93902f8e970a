"""Deterministic fixes: imports with one meaning are completed, a library module's demo code is dropped."""

from __future__ import annotations

import ast

from papercoder.verify.autofix import import_for, tidy
from papercoder.verify.pysource import top_level_names
from papercoder.verify.static import undefined_names


def _undefined(code: str, path: str = "m.py") -> list[str]:
    return [f.message for f in undefined_names(ast.parse(code), path)]


def test_conventional_and_stdlib_names_are_imported_after_the_docstring_and_imports():
    code = '"""Data."""\nimport os\n\n\ndef load(p):\n    return np.array(json.loads(os.fspath(p)))\n'
    fixed, changes = tidy(code, "data.py", {}, entry=False)
    assert fixed.startswith('"""Data."""\nimport os\nimport numpy as np\nimport json\n')
    assert _undefined(fixed, "data.py") == []
    assert len(changes) == 1 and "`import numpy as np`" in changes[0] and "`import json`" in changes[0]


def test_a_name_one_repository_file_defines_is_imported_from_it():
    others = {"dataset.py": "class TextDataset:\n    pass\n", "model.py": "class Net:\n    pass\n"}
    code = "def build():\n    return TextDataset(), Net()\n"
    fixed, _ = tidy(code, "main.py", others, entry=True)
    assert "from dataset import TextDataset\n" in fixed and "from model import Net\n" in fixed
    assert _undefined(fixed, "main.py") == []


def test_a_name_two_files_define_or_nobody_knows_is_left_for_the_coder():
    others = {"a.py": "def helper():\n    pass\n", "b.py": "def helper():\n    pass\n"}
    assert import_for("helper", "main.py", others) is None
    assert import_for("GPT3_5", "main.py", others) is None
    code = "def go():\n    return helper() + GPT3_5\n"
    fixed, changes = tidy(code, "main.py", others, entry=True)
    assert fixed == code and changes == []


def test_demo_code_at_module_level_of_a_library_module_is_dropped():
    """Seen on Semantic Self-Consistency: `evaluate(responses, ...)` left after the definitions."""
    code = ("def evaluate(responses, answers):\n    return sum(r == a for r, a in zip(responses, answers))\n\n\n"
            "score = evaluate(responses, answers)\nprint(score)\n\n"
            "if __name__ == '__main__':\n    print(evaluate(sample, sample))\n")
    fixed, changes = tidy(code, "metrics.py", {}, entry=False)
    assert "score" not in fixed and "__main__" not in fixed
    assert "def evaluate(responses, answers):" in fixed
    assert _undefined(fixed, "metrics.py") == []
    assert changes and all(c.startswith("dropped module-level code") for c in changes)


def test_the_entry_points_module_level_code_is_kept():
    code = "def run(config):\n    return config\n\n\nrun(settings)\n"
    fixed, changes = tidy(code, "main.py", {}, entry=True)
    assert fixed == code and changes == []


def test_working_code_is_left_exactly_as_it_was():
    code = "import torch\n\n\ndef f(x):\n    return torch.relu(x)\n\n\nif __name__ == '__main__':\n    f(1)\n"
    assert tidy(code, "m.py", {}, entry=False) == (code, [])


def test_names_under_a_main_guard_are_not_what_a_module_defines():
    code = "class Net:\n    pass\n\n\nif __name__ == '__main__':\n    demo = Net()\n"
    assert top_level_names(code) == {"Net"}
    assert import_for("Net", "main.py", {"model.py": code}) == "from model import Net"


def test_an_invented_transformers_class_is_imported_as_its_auto_class():
    """Seen on Semantic Self-Consistency: `from transformers import GPT3ForCausalLM, ...` in three files."""
    from papercoder.verify.autofix import alias_missing

    code = ("import torch\nfrom transformers import (GPT3ForCausalLM,\n    AutoTokenizer, GPT4Tokenizer as Tok)\n\n\n"
            "def load(name):\n    return GPT3ForCausalLM.from_pretrained(name), Tok.from_pretrained(name)\n")
    error = "ImportError: cannot import name 'GPT3ForCausalLM' from 'transformers' (/x/transformers/__init__.py)"
    fixed, change = alias_missing(code, error)
    assert fixed.splitlines()[1] == ("from transformers import AutoModelForCausalLM as GPT3ForCausalLM, AutoTokenizer, "
                                     "GPT4Tokenizer as Tok")
    assert fixed.splitlines()[2] == "" and "return GPT3ForCausalLM.from_pretrained(name)" in fixed
    assert change == "`GPT3ForCausalLM` does not exist in transformers: imported `AutoModelForCausalLM` under that name"
    again, _ = alias_missing(fixed, error.replace("GPT3ForCausalLM", "GPT4Tokenizer"))
    assert "AutoTokenizer as Tok" in again
    assert alias_missing(code, "ImportError: cannot import name 'pipeline_x' from 'transformers'") is None
    assert alias_missing(code, "ImportError: cannot import name 'GPT3Model' from 'transformers'") is None  # not here
    assert alias_missing(code, "NameError: name 'x' is not defined") is None


def test_uninstallable_requirements_no_file_imports_are_dropped_the_others_kept():
    from papercoder.verify.autofix import unused_uninstallable

    requirements = "torch\nbert-base-uncased\nroberta_base==1.0\nnosuchpkg\n# a comment\n"
    sources = {"m.py": "import torch\nimport nosuchpkg\n", "bad.py": "def (:\n"}
    text, dropped = unused_uninstallable(requirements, ["bert-base-uncased", "roberta_base==1.0", "nosuchpkg"],
                                         sources)
    assert dropped == ["bert-base-uncased", "roberta-base"]
    assert text == "torch\nnosuchpkg\n# a comment\n"


def test_a_bare_name_a_method_uses_is_read_from_self_when_the_class_keeps_it():
    """Seen on Semantic Self-Consistency: `self.config = config` in `load(self)`, re-asked three times."""
    code = ("class Config:\n    def __init__(self, config):\n        self.config = config\n\n"
            "    def load(self):\n        self.config = config\n        return config['a'], helper\n\n\n"
            "def outside():\n    return config\n")
    fixed, changes = tidy(code, "metrics.py", {}, entry=False)
    assert "        self.config = self.config\n        return self.config['a'], helper\n" in fixed
    assert "def outside():\n    return config\n" in fixed  # not in a method of that class: left for the coder
    assert changes[0] == "read config as self.config in methods of the class that keeps it"


def test_star_imports_of_repository_files_become_explicit_and_show_what_nothing_defines():
    """Seen on Bridging Data Gaps: ``from utils import *`` hid main.py's call of ``load_data``, a method only."""
    others = {
        "utils.py": "import torch\n\nclass Utils:\n    def load_data(self):\n        pass\n\nclass Model:\n    pass\n",
        "model.py": ("from utils import *\n\nclass DPMs:\n    pass\n\nclass Model:\n    pass\n\n"
                     "def _private():\n    pass\n"),
    }
    code = ("import yaml\nfrom utils import *\nfrom model import *\nfrom utils import *\n\n\n"
            "def run():\n    return Utils(), DPMs(), Model(), load_data()\n")
    fixed, changes = tidy(code, "main.py", others, entry=True)
    assert "import *" not in fixed
    # as Python binds them: the last star import defining a name wins; utils is imported once, at its last place
    assert fixed.startswith("import yaml\nfrom model import DPMs\nfrom utils import Model, Utils\n\n")
    assert any("made `from utils import *`, `from model import *` explicit" in c for c in changes)
    assert _undefined(fixed, "main.py") == ["undefined name 'load_data'"]


def test_star_imports_of_packages_or_of_modules_that_star_import_packages_are_left_alone():
    others = {"layers.py": "from torch.nn import *\n\nclass Block:\n    pass\n"}
    code = "from layers import *\nfrom math import *\n\n\ndef f():\n    return Block(), sqrt(2)\n"
    fixed, changes = tidy(code, "net.py", others, entry=False)
    assert fixed == code and changes == []
