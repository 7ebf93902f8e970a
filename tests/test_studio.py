"""LangGraph Studio / Agent Server: `langgraph validate`, and `langgraph dev` driven through langgraph-sdk.

The server runs the registered graphs from langgraph.json in its own process; their model is the test's
OpenAI-compatible server, chosen through the run context as a Studio user would.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import Script
from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parents[1]
LANGGRAPH = shutil.which("langgraph", path=str(Path(sys.executable).parent)) or shutil.which("langgraph")
pytestmark = pytest.mark.skipif(LANGGRAPH is None, reason="langgraph-cli is not installed (dev extra)")
ENV = {**os.environ, "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true",
       "LANGSMITH_TRACING": "false"}


def test_langgraph_validate():
    result = subprocess.run([LANGGRAPH, "validate"], cwd=ROOT, env=ENV, capture_output=True, text=True)
    assert result.returncode == 0 and "6 graphs found" in result.stdout, result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("langgraph-dev") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([LANGGRAPH, "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port",
                                 str(port)], cwd=ROOT, env=ENV, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/ok", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"langgraph dev exited: {log.read_text()[-2000:]}")
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"langgraph dev never answered /ok: {log.read_text()[-2000:]}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_graphs_schemas_a_planning_run_and_a_resumed_review(server, paper_file, tmp_path):
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=server)
    assistants = {a["graph_id"]: a["assistant_id"] for a in client.assistants.search()}
    assert set(assistants) >= {"papercoder", "planning", "analysis", "coding", "verify", "evaluation"}
    schemas = client.assistants.get_schemas(assistants["papercoder"])
    assert "paper" in schemas["input_schema"]["properties"]
    assert set(schemas["output_schema"]["properties"]) >= {"out_dir", "repo_dir", "files", "summary"}
    context_props = schemas["context_schema"]["properties"]
    assert {"model", "base_url", "review", "coding_model"} <= set(context_props)
    assert all(prop.get("description") for prop in context_props.values())
    nodes = {n["id"] for n in client.assistants.get_graph(assistants["papercoder"])["nodes"]}
    assert nodes == {"__start__", "ingest", "planning", "review", "analysis", "coding", "finalize", "verify",
                     "stop_early", "__end__"}
    # Studio's graph view opens the three stages of the paper's figure as separate subgraphs
    inner = {n["id"] for n in client.assistants.get_graph(assistants["papercoder"], xray=True)["nodes"]}
    assert {"planning:planner", "planning:architect", "planning:logic_designer", "planning:config_writer",
            "analysis:analyst", "coding:coder", "verify:verify", "verify:debugger"} <= inner
    assert not {"coding:analyst", "analysis:coder"} & inner

    with FakeOpenAI(Script()) as model:
        context = {"model": "fake", "base_url": model.base_url, "cache": False}
        thread = client.threads.create()
        planned = client.runs.wait(thread["thread_id"], assistants["planning"], input={"paper": str(paper_file)},
                                   context={**context, "out_dir": str(tmp_path / "planning")})
        assert planned["dag"]["generations"][-1] == ["main.py"] and planned["plan"]
        assert (tmp_path / "planning/artifacts/plan.md").is_file()

        thread = client.threads.create()
        review_ctx = {**context, "review": True, "out_dir": str(tmp_path / "full")}
        paused = client.runs.wait(thread["thread_id"], assistants["papercoder"], input={"paper": str(paper_file)},
                                  context=review_ctx)
        interrupts = paused["__interrupt__"]
        assert interrupts[0]["value"]["kind"] == "plan_review"
        done = client.runs.wait(thread["thread_id"], assistants["papercoder"],
                                command={"resume": {"action": "approve"}}, context=review_ctx)
        assert done["summary"]["status"] == "completed" and "main.py" in done["files"]
        # 8 planning calls (with the checklist's 3) for the planning graph; 8 + 4 + 4 for the full one
        assert model.answered == 8 + 16


def test_a_batch_through_the_server(server, tmp_path):
    """`papercoder batch --server`: two papers generated and evaluated as runs of the server's graphs."""
    from typer.testing import CliRunner

    from papercoder.cli import app
    from tests.test_batch import Everything, _papers

    papers = _papers(tmp_path / "p", 2)
    (tmp_path / "list.txt").write_text("\n".join(map(str, papers)))
    args = ["batch", str(tmp_path / "list.txt"), "--out", str(tmp_path / "b"), "--model", "m", "--no-cache",
            "--no-verify", "--eval", "--samples", "1", "--server", server]
    with FakeOpenAI(Everything()) as model:
        res = CliRunner().invoke(app, [*args, "--base-url", model.base_url])
        assert res.exit_code == 0, res.output
        asked = model.answered
        again = CliRunner().invoke(app, [*args, "--base-url", model.base_url])
        assert again.exit_code == 0 and model.answered == asked  # collected from the server, not run again
    ledger = json.loads((tmp_path / "b/batch.json").read_text())["papers"]
    assert all(e["thread_id"] and e["eval_thread_id"] for e in ledger.values())
    rows = json.loads((tmp_path / "b/summary.json").read_text())["papers"]
    assert [(r["status"], r["judge_score"], r["rubric_score"]) for r in rows] == [("completed", 4.0, 0.25)] * 2
    assert (tmp_path / "b/papers/paper1/repo/main.py").is_file()
