"""Durable runs: `papercoder run` killed with SIGKILL mid-coding, then `papercoder resume`; `status`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from papercoder.workspace import run_files
from tests.conftest import Script
from tests.fake_openai import FakeOpenAI


def _cli(*args: str, **kw) -> list[str]:
    return [sys.executable, "-m", "papercoder.cli", *args]


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"), "COLUMNS": "200"}


def _request(body: dict) -> str:
    text = body["messages"][-1]["content"]
    for marker in ("Write the complete file `", "implementation spec for one file: `"):
        if marker in text:
            return ("coder " if marker.startswith("Write") else "analyst ") + text.split(marker)[1].split("`")[0]
    return text[:40]


class SlowFile:
    """The script, but the coder of one file hangs (once) until the test has killed the run."""

    def __init__(self, path: str):
        self.script, self.path, self.slow = Script(), path, True
        self.reached = threading.Event()

    def __call__(self, messages):
        if self.slow and f"Write the complete file `{self.path}`" in str(messages[-1].content):
            self.reached.set()
            time.sleep(20)
        return self.script(messages)


def test_sigkill_in_the_middle_of_coding_then_resume(paper_file, tmp_path):
    answer = SlowFile("model.py")  # generation 1 is data.py and model.py: data.py finishes, model.py hangs
    with FakeOpenAI(answer) as server:
        out = tmp_path / "killed"
        proc = subprocess.Popen(_cli("run", str(paper_file), "--out", str(out), "--model", "m", "--base-url",
                                     server.base_url, "--no-cache"), env=_env(tmp_path),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert answer.reached.wait(60), proc.stderr.read().decode() if proc.poll() is not None else "no call"
        deadline = time.monotonic() + 10
        while "coder data.py" not in [_request(b) for b in server.bodies] and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # data.py's answer is in; its write reaches the checkpoint
        proc.kill()
        proc.wait()
        before = [_request(b) for b in server.bodies]
        answer.slow = False
        status = subprocess.run(_cli("status", str(out)), env=_env(tmp_path), capture_output=True, text=True)
        assert status.returncode == 0 and "coding" in status.stdout and "papercoder resume" in status.stdout
        resumed = subprocess.run(_cli("resume", str(out)), env=_env(tmp_path), capture_output=True, text=True)
        assert resumed.returncode == 0, resumed.stderr
        after = [_request(b) for b in server.bodies][len(before):]

        clean = tmp_path / "clean"
        uninterrupted = subprocess.run(_cli("run", str(paper_file), "--out", str(clean), "--model", "m",
                                            "--base-url", server.base_url, "--no-cache"),
                                       env=_env(tmp_path), capture_output=True, text=True)
        assert uninterrupted.returncode == 0, uninterrupted.stderr
    assert {"coder data.py", "coder model.py"} <= set(before) and "coder train.py" not in before
    # only what had not finished is asked again: the killed coder and the generations after it
    assert sorted(after) == ["coder main.py", "coder model.py", "coder train.py"]
    assert run_files(out, mask=server.base_url) == run_files(clean, mask=server.base_url)
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "completed" and run["resumes"][0]["status_before"] == "running"
    assert run["totals"]["calls"] == len(before) - 1 + len(after)  # the killed call never answered


def test_status_and_resume_of_a_folder_without_a_run(tmp_path):
    result = subprocess.run(_cli("resume", str(tmp_path)), capture_output=True, text=True)
    assert result.returncode == 2 and "no PaperCoder run here" in result.stderr


def test_a_run_with_one_call_at_a_time_completes(paper_file, tmp_path):
    """The CLI streams the graph synchronously: the stream's own waiter must not take the only worker slot."""
    with FakeOpenAI(Script()) as server:
        done = subprocess.run(_cli("run", str(paper_file), "--out", str(tmp_path / "one"), "--model", "m",
                                   "--base-url", server.base_url, "--no-cache", "--no-verify", "--concurrency", "1"),
                              env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "one" / "run.json").read_text())["status"] == "completed"
