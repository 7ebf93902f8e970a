"""PaperCoder's compiled graph as a node of a host graph (examples/host_app.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _host_module():
    spec = importlib.util.spec_from_file_location("host_app", ROOT / "examples" / "host_app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["host_app"] = module  # its TypedDict's annotations resolve in the module's namespace
    spec.loader.exec_module(module)
    return module


def test_host_app_runs_papercoder_as_a_node(scripted, paper_file, tmp_path):
    script, model, context = scripted
    host = _host_module().build_host().compile()
    result = host.invoke({"request": str(paper_file), "out_dir": str(tmp_path / "run")}, context=context())
    assert result["out_dir"] == str((tmp_path / "run").resolve())
    assert set(result["files"]) >= {f"{f}" for f in script.deps} | {"config.yaml", "README.md"}
    assert result["summary"]["status"] == "completed"
    assert result["report"].startswith("Tiny Nets Learn Fast: ") and "4/4 Python files compile" in result["report"]
    assert (Path(result["repo_dir"]) / "main.py").is_file()
    # the host sees PaperCoder's output keys, not its internal state
    assert "plan" not in result and "dag" not in result
    # PaperCoder's inner nodes and its progress events reach the host's stream, for host UIs
    seen = list(host.stream({"request": str(paper_file), "out_dir": str(tmp_path / "b")}, context=context(),
                            stream_mode=["updates", "custom"], subgraphs=True))
    assert any(ns and ns[0].startswith("paper2code:") for ns, mode, _ in seen if mode == "updates")
    calls = [chunk for _ns, mode, chunk in seen if mode == "custom" and chunk.get("event") == "call"]
    assert [c["run_totals"]["calls"] for c in calls] == list(range(1, len(calls) + 1))
    assert {c["stage"] for c in calls} == {"planning", "analysis", "coding"}
    assert calls[-1]["run_totals"]["output_tokens"] == sum(c["output_tokens"] for c in calls)
