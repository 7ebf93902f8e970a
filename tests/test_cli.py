from __future__ import annotations

import json
import socket

from typer.testing import CliRunner

from papercoder.cli import app

runner = CliRunner()


def test_cli_run_writes_repo_and_summary(scripted, paper_file, tmp_path):
    _script, _model, context = scripted
    spec = context().model
    out = tmp_path / "cli-out"
    result = runner.invoke(app, ["run", str(paper_file), "--out", str(out), "--model", spec, "--concurrency", "2"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "python files compiling" in line)
    assert row.split("│")[2].strip() == "4"
    assert (out / "repo" / "main.py").is_file()
    assert json.loads((out / "run.json").read_text())["status"] == "completed"
    assert "coder main.py" in result.stderr  # progress lines per node and file


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dead_endpoint_names_stage_and_keeps_outputs(paper_file, tmp_path):
    out = tmp_path / "dead"
    result = runner.invoke(app, ["run", str(paper_file), "--out", str(out), "--model", "m",
                                 "--base-url", f"http://127.0.0.1:{_closed_port()}/v1", "--timeout", "5"])
    assert result.exit_code == 1
    assert "stage planner" in result.stderr and "Connection error" in result.stderr
    assert "Traceback" not in result.output
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "failed" and run["error"]["stage"] == "planner"
    assert (out / "artifacts" / "paper.md").is_file()


def test_bad_inputs_exit_nonzero_with_clear_error(tmp_path):
    missing = runner.invoke(app, ["run", str(tmp_path / "nope.pdf"), "--out", str(tmp_path / "o")])
    assert missing.exit_code == 2 and "nope.pdf: no such file" in missing.stderr
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4\ngarbage")
    result = runner.invoke(app, ["run", str(bad), "--out", str(tmp_path / "o2"), "--model", "x",
                                 "--base-url", "http://127.0.0.1:9/v1"])
    assert result.exit_code == 1 and "stage ingest" in result.stderr and "scan.pdf" in result.stderr



def test_unknown_model_spec_is_named(paper_file, tmp_path):
    result = runner.invoke(app, ["run", str(paper_file), "--out", str(tmp_path / "o3"), "--model", "nonsense"])
    assert result.exit_code == 1 and "unknown model spec 'nonsense'" in result.stderr


def test_sigterm_stops_a_blocked_run_at_once_and_keeps_outputs(paper_file, tmp_path):
    """A model call that never answers must not keep the process alive after SIGTERM."""
    import signal
    import subprocess
    import sys
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)  # accepts connections (in the kernel) and never answers
    out = tmp_path / "term"
    proc = subprocess.Popen([sys.executable, "-m", "papercoder.cli", "run", str(paper_file), "--out", str(out),
                             "--model", "m", "--base-url", f"http://127.0.0.1:{server.getsockname()[1]}/v1",
                             "--timeout", "120"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (out / "artifacts" / "paper.md").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # the planner's call is now blocked on the socket
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
        server.close()
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
    assert (out / "artifacts" / "paper.md").is_file()
