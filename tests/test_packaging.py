"""The wheel, installed non-editable, is the whole product; agents/ and graphs/ install under papercoder only."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import typer

from papercoder.cli import app
from tests.conftest import PAPER, Script
from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = {"papercoder": "papercoder", "agents": "papercoder/agents", "graphs": "papercoder/graphs"}
"""Source folder -> where it lands in the wheel."""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the tree (the build leaves nothing in the source tree)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "runs", "build", "*.egg-info",
                                                             "__pycache__", ".*_cache"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp), str(src)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return next(tmp.glob("papercoder-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed non-editable; its dependencies are the test interpreter's own.

    The venv has no pip and reaches no index: the wheel goes in with this interpreter's pip (``--python``), and a
    ``.pth`` file lists this interpreter's site-packages for the dependencies. Paths listed in a ``.pth`` file are
    only added to ``sys.path`` (their own ``.pth`` files are not run), so the editable install's finder, which a
    ``.pth`` file there starts, never runs in the new venv: only the installed copy can be imported.
    """
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                           "--no-compile", "-q", str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    deps = [p for p in [*site.getsitepackages(), sysconfig.get_path("purelib")] if Path(p).is_dir()]
    Path(purelib, "_test_dependencies.pth").write_text("\n".join(dict.fromkeys(deps)) + "\n")
    return venv


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def _run(venv: Path, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """``args[0]`` (papercoder or python) from the venv's bin folder, run in ``cwd``."""
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=timeout)


def test_wheel_holds_every_module_and_prompt_under_papercoder(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    tops = {n.split("/")[0] for n in names}
    assert "agents" not in tops and "graphs" not in tops
    expected = {f"{dest}/{p.relative_to(ROOT / folder)}"
                for folder, dest in LAYOUT.items()
                for p in (ROOT / folder).rglob("*")
                if p.is_file() and p.suffix in (".py", ".md", ".yaml") and "__pycache__" not in p.parts}
    assert expected - names == set()
    assert {"papercoder/agents/planner.md", "papercoder/llm/prices.yaml", "papercoder/verify/__init__.py"} <= names


def test_the_installed_wheel_runs_the_cli_and_the_pipeline(installed, tmp_path):
    where = _run(installed, "python", "-c", "import papercoder, papercoder.graphs, papercoder.agents.planner as p;"
                 "print(papercoder.__file__); print(p.__file__)", cwd=tmp_path)
    assert where.returncode == 0, where.stderr[-2000:]
    assert all(line.startswith(str(installed)) for line in where.stdout.split()), where.stdout

    assert _run(installed, "papercoder", "--help", cwd=tmp_path).returncode == 0
    commands = sorted(typer.main.get_command(app).commands)
    assert {"run", "resume", "status", "verify", "eval", "batch", "ingest"} <= set(commands)
    for name in commands:
        done = _run(installed, "papercoder", name, "--help", cwd=tmp_path)
        assert done.returncode == 0, f"papercoder {name} --help: {done.stderr[-2000:]}"

    paper = tmp_path / "tiny.md"
    paper.write_text(PAPER)
    out = tmp_path / "run"
    with FakeOpenAI(Script()) as server:
        done = _run(installed, "papercoder", "run", str(paper), "--out", str(out), "--model", "fake-model",
                    "--base-url", server.base_url, "--no-cache", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "completed" and run["totals"]["calls"] == server.answered > 0
    repo = out / "repo"
    assert {"main.py", "train.py", "data.py", "model.py", "config.yaml", "requirements.txt", "README.md",
            "reproduce.sh"} <= {p.name for p in repo.iterdir()}
    assert run["verification"]["after"]["python_files"] == 4


def test_public_interfaces():
    from langgraph.graph import StateGraph
    from papercoder.graphs import graph

    import papercoder

    assert isinstance(papercoder.build_graph(), StateGraph)
    assert graph.checkpointer is None
    assert set(graph.get_input_jsonschema()["properties"]) == {"paper", "title", "out_dir", "run_id"}
    assert set(graph.get_output_jsonschema()["properties"]) == {"out_dir", "repo_dir", "files", "summary"}
    ctx_schema = graph.get_context_jsonschema()
    assert {"model", "base_url", "concurrency", "out_dir"} <= set(ctx_schema["properties"])
