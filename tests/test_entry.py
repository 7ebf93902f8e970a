"""The entry point's command-line part, made without a model (papercoder.verify.entry)."""

import subprocess
import sys

from papercoder.verify.autofix import tidy
from papercoder.verify.entry import assemble, drop_redefined, outline, scaffold


def _runs(tmp_path, code: str, *args: str) -> str:
    (tmp_path / "main.py").write_text(code)
    (tmp_path / "config.yaml").write_text("lr: 0.1\n")
    done = subprocess.run([sys.executable, "main.py", *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_run_never_called_gets_main_and_its_guard(tmp_path):
    code = "def run(config, smoke):\n    print(config['lr'], smoke)\n"
    made, change = scaffold(code)
    assert change and made.startswith("import argparse\nimport yaml\n")
    assert _runs(tmp_path, made, "--smoke") == "0.1 True" and _runs(tmp_path, made) == "0.1 False"
    one, _ = scaffold("import yaml\n\n\ndef run(cfg):\n    print(cfg)\n")
    assert one.count("import yaml") == 1 and "    run(config)\n" in one


def test_a_main_never_called_gets_its_guard_and_nothing_else_is_guessed(tmp_path):
    made, change = scaffold("def main():\n    print('hi')\n")
    assert change == "added the `__main__` block calling main()" and _runs(tmp_path, made) == "hi"
    for code in ("def run(a, b, c):\n    return a\n", "class Net:\n    pass\n", "def main():\n    pass\n\n\nmain()\n"):
        assert scaffold(code) == (code, None)


def test_definitions_another_file_holds_are_dropped_and_imported():
    others = {"data.py": "import dataclasses\n\n\n@dataclasses.dataclass\nclass Batch:\n    x: int\n\n\n"
                         "def load():\n    return [Batch(1)]\n",
              "model.py": "def load():\n    return 2\n"}
    code = ("from dataclasses import dataclass\n\n\n@dataclass\nclass Batch:\n    x: int\n\n\ndef load():\n"
            "    return 1\n\n\ndef run(config, smoke):\n    print(Batch(3), load())\n")
    dropped, names = drop_redefined(code, "main.py", others)
    assert names == ["Batch"] and "class Batch" not in dropped and "@dataclass" not in dropped
    assert "def load" in dropped  # two files define it: which one was meant is a guess
    fixed, changes = tidy(code, "main.py", others, entry=True)
    assert "from data import Batch" in fixed and "def main() -> None:" in fixed
    assert any(c.startswith("dropped Batch from the entry point") for c in changes)


def test_the_outline_shows_what_each_file_defines_with_parameters():
    src = ("class Trainer:\n    def __init__(self, model, config):\n        pass\n\n    def fit(self, data):\n"
           "        pass\n\n    def _step(self):\n        pass\n\n\ndef build(config):\n    pass\n\n\n"
           "def _private():\n    pass\n")
    assert outline({"pkg/train.py": src, "config.yaml": "a: 1"}) == (
        "`pkg/train.py` (`from pkg.train import ...`):\n- class Trainer(model, config): fit(data)\n"
        "- def build(config)")


def test_an_answer_with_run_becomes_the_entry_point(tmp_path):
    previous = "def helper(x):\n    return x * 2\n\n\nclass Unused:\n    pass\n"
    answer = ("import argparse\nimport math\n\n\ndef run(config: dict, smoke: bool) -> None:\n"
              "    print(helper(config['lr']), math.floor(2.5), smoke)\n\n\ndef main():\n    run({}, False)\n\n\n"
              "if __name__ == '__main__':\n    main()\n")
    made = assemble(answer, previous, "Entry point.")
    assert made.startswith('"""Entry point."""') and "class Unused" not in made and made.count("def main") == 1
    assert made.count("import argparse") == 1
    assert _runs(tmp_path, made, "--smoke") == "0.2 2 True"
    assert assemble("def main():\n    pass\n", previous, "x") is None
    assert assemble("def run(:\n", previous, "x") is None
