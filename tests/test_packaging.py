"""The wheel installs agents/ and graphs/ as papercoder.agents and papercoder.graphs only."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_has_no_top_level_agents_or_graphs(tmp_path):
    # build from a copy, so the build leaves nothing (build/, *.egg-info) in the source tree
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "runs", "build", "*.egg-info",
                                                             "__pycache__", ".*_cache"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(src)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = next(tmp_path.glob("papercoder-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert "agents" not in tops and "graphs" not in tops
    assert "papercoder/agents/planner.py" in names and "papercoder/agents/planner.md" in names
    assert "papercoder/graphs/paper2code.py" in names


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
