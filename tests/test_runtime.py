"""The generated code's runtime: its requirements installed in a cached venv; what will not install is named."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from papercoder.verify import runtime
from papercoder.verify.distributions import normalized
from papercoder.verify.execute import execute
from papercoder.verify.runtime import runtime_for


def _wheel(folder: Path, name: str, version: str, body: str) -> None:
    """A minimal pure-Python wheel of module ``name``."""
    dist = f"{name}-{version}.dist-info"
    files = {f"{name}.py": body, f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = [f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(t.encode()).digest()).rstrip(b'=').decode()},"
              f"{len(t.encode())}" for p, t in files.items()]
    files[f"{dist}/RECORD"] = "\n".join([*record, f"{dist}/RECORD,,"]) + "\n"
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as z:
        for path, text in files.items():
            z.writestr(path, text)


@pytest.fixture
def index(tmp_path, monkeypatch):
    """pip sees only a folder of test wheels; runtimes go to a folder of the test's own."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, "tinypkg", "1.0", "VALUE = 1\n")
    _wheel(wheels, "heavypkg", "2.0", "WEIGHT = 2\n")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("PAPERCODER_RUNTIME_DIR", str(tmp_path / "runtimes"))
    monkeypatch.setattr(runtime, "_UNINSTALLABLE", {})
    return wheels


def _repo(root: Path, requirements: str, code: str = "import tinypkg\n") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "requirements.txt").write_text(requirements)
    (root / "main.py").write_text(code + "\n\nif __name__ == '__main__':\n    print('ok')\n")
    return root


def test_requirements_are_normalised_before_they_key_the_cache():
    assert normalized("# pinned\nNumPy>=1.2 \n\ntorch\n-r other.txt\nPyYAML ; python_version>'3'\n") == [
        "numpy>=1.2", "pyyaml;python_version>'3'", "torch"]


def test_a_made_up_pin_is_relaxed_an_unknown_package_named_and_the_rest_runs(index, tmp_path):
    repo = _repo(tmp_path / "repo", "tinypkg==9.9\nnosuchpkg-xyz\n")
    findings, report = execute(repo, entry_point="main.py", smoke_args=())
    assert report["runtime"]["relaxed"] == ["tinypkg==9.9"] and report["runtime"]["installed"] == ["tinypkg"]
    assert list(report["runtime"]["failed"]) == ["nosuchpkg-xyz"] and not report["runtime"]["bare"]
    kinds = {f.kind: f for f in findings}
    assert kinds["uninstallable_requirement"].blocking and "nosuchpkg-xyz" in kinds["uninstallable_requirement"].message
    assert not kinds["relaxed_requirement"].blocking
    assert report["modules_importing"] == report["modules"] == 1 and report["smoke"] == "passed"
    assert report["install_seconds"] > 0
    again = runtime_for(repo)  # made once: the second time it comes from the cache
    assert again.cached and again.seconds == 0 and again.python == report["python"]


def test_nothing_installable_falls_back_to_the_bare_interpreter_with_a_note(index, tmp_path):
    rt = runtime_for(_repo(tmp_path / "repo", "nosuchpkg-xyz\n"))
    assert rt.bare and rt.failed
    assert rt.notes == ["nothing in requirements.txt could be installed: the bare interpreter"]
    off = runtime_for(_repo(tmp_path / "other", "tinypkg\n"), install=False)
    assert off.bare and "--no-install" in off.notes[0]


def test_large_frameworks_are_installed_once_and_shared(index, tmp_path, monkeypatch):
    monkeypatch.setattr(runtime, "SHARED", frozenset({"heavypkg"}))
    first = runtime_for(_repo(tmp_path / "a", "heavypkg\ntinypkg\n"))
    second = runtime_for(_repo(tmp_path / "b", "heavypkg\n", code="import heavypkg\n"))
    assert first.python != second.python and "heavypkg" in first.installed and "heavypkg" in second.installed
    envs = Path(runtime.environments_dir())
    assert [p.name for p in envs.glob("*/lib/python*/site-packages/heavypkg.py")] == ["heavypkg.py"]  # one copy
    _findings, report = execute(tmp_path / "b", entry_point="main.py", smoke_args=())
    assert report["modules_importing"] == 1 and report["smoke"] == "passed"
