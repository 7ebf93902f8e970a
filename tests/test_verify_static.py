"""Static checks on a repository seeded with known defects (and with correct code that must not be flagged)."""

from __future__ import annotations

from pathlib import Path

from papercoder.verify import check_repo

SEEDED = {
    "requirements.txt": "numpy>=1.24\nPyYAML\npillow\n",
    "config.yaml": "training:\n  lr: 0.01\n  epochs: 2\ndata:\n  name: iris\n",
    "reproduce.sh": "#!/usr/bin/env bash\npython main.py --config config.yaml \"$@\"\n",
    "model.py": "import numpy as np\n\n\nclass Net:\n    def forward(self, x):\n        return np.tanh(x)\n",
    "data.py": ("import json\nimport yaml\nfrom PIL import Image\n\ntry:\n    import torch\nexcept ImportError:\n"
                "    torch = None\n\n\ndef load(cfg):\n    return cfg['data']['name']\n"),
    "train.py": ("import numpy as np\n\n"
                 "loader = DataLoader([1])\n"                  # defect: used at module level before its definition
                 "\n\ndef step(x):\n"
                 "    return helper(x) + Tensor(x)\n"          # defect: Tensor is defined nowhere (helper is, below)
                 "\n\ndef helper(x):\n    return np.abs(x)\n\n\nDataLoader = list\n"),
    "pkg/__init__.py": "from .layers import Dense\n",
    "pkg/layers.py": "class Dense:\n    pass\n",
    "main.py": ("import sklearn.metrics\n"                      # defect: missing requirement (scikit-learn)
                "from model import Net, Netz\n"                # defect: undefined name Netz
                "from helpers import smooth\n"                 # defect: missing module helpers.py
                "from pkg import Dense\n"
                "from data import load\n\n\n"
                "def main(config):\n"
                "    lr = config['training']['lr_rate']\n"     # defect: config key training.lr_rate
                "    epochs = config['training']['epochs']\n"
                "    return Net(), Dense(), load(config), lr, epochs\n\n\n"
                "if __name__ == '__main__':\n    main({})\n"),
}
DEFECTS = {("main.py", "missing_requirement", 1), ("main.py", "undefined_name", 2),
           ("main.py", "missing_module", 3), ("main.py", "config_key", 9),
           ("train.py", "name_error", 3), ("train.py", "name_error", 7)}


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_every_seeded_defect_is_found_and_nothing_else(tmp_path):
    findings = check_repo(_write(tmp_path, SEEDED))
    got = {(f.file, f.kind, f.line) for f in findings}
    assert got == DEFECTS, [str(f) for f in findings]
    by_kind = {f.kind: f.message for f in findings}
    assert "scikit-learn" in by_kind["missing_requirement"] and "Netz" in by_kind["undefined_name"]
    assert "training.lr_rate" in by_kind["config_key"] and "helpers" in by_kind["missing_module"]
    assert [f.target for f in findings if f.kind == "missing_module"] == ["helpers.py"]
    assert sorted(f.message for f in findings if f.kind == "name_error") == ["undefined name 'DataLoader'",
                                                                           "undefined name 'Tensor'"]


def test_syntax_errors_entry_point_and_dag_mismatch(tmp_path):
    files = {**SEEDED, "broken.py": "def f(:\n    pass\n",
             "reproduce.sh": "#!/usr/bin/env bash\npython run_all.py --config config.yaml\n"}
    dag = {"nodes": ["model.py", "data.py", "main.py"], "edges": [["model.py", "main.py"]]}
    findings = check_repo(_write(tmp_path, files), dag)
    kinds = {(f.file, f.kind) for f in findings}
    assert ("broken.py", "syntax") in kinds and ("reproduce.sh", "entry_point") in kinds
    mismatch = next(f for f in findings if f.kind == "dag_mismatch")
    assert mismatch.file == "main.py" and "data.py" in mismatch.message and not mismatch.blocking


def test_thousands_of_files_are_checked_within_limits(tmp_path):
    for i in range(1200):
        (tmp_path / f"m{i:04d}.py").write_text(f"X = {i}\n" if i % 2 else "def (:\n")
    findings = check_repo(tmp_path)
    assert any(f.kind == "too_many_files" for f in findings)
    assert sum(f.kind == "syntax" for f in findings) == 250  # half of the first 500 files read


def test_a_misspelt_package_is_told_from_a_missing_repository_module():
    from papercoder.verify.distributions import like_known_package

    assert like_known_package("numpyy") == "numpy" and like_known_package("sklern.metrics") == "sklearn"
    assert like_known_package("prompt") is None and like_known_package("models") is None
    assert like_known_package("numpy") is None
