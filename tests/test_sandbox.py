"""Hostile generated code is contained: network, secrets, files outside, fork bombs, endless loops, memory."""

from __future__ import annotations

import socket
import subprocess
import threading
from pathlib import Path

import pytest

from papercoder.verify.execute import execute
from papercoder.verify.sandbox import Limits, Sandbox, _pids_cgroup, _remove_group, namespaces_available

needs_ns = pytest.mark.skipif(not namespaces_available(), reason="no user/mount/net/pid namespaces here")


def _repo(tmp_path: Path, main: str, **files: str) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.py").write_text(main)
    for name, text in files.items():
        (repo / name).write_text(text)
    return repo


@needs_ns
def test_no_network_not_even_our_loopback(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(3)
    port = listener.getsockname()[1]
    accepted: list[object] = []
    waiter = threading.Thread(target=lambda: accepted.append(_accept(listener)), daemon=True)
    waiter.start()
    code = (f"import socket\nfor host in ('127.0.0.1', '1.1.1.1'):\n    try:\n"
            f"        socket.create_connection((host, {port} if host.startswith('127') else 80), timeout=2)\n"
            f"        print('CONNECTED', host)\n    except OSError as e:\n        print('refused', host, e)\n")
    with Sandbox(_repo(tmp_path, code), limits=Limits(wall_seconds=20)) as sbx:
        out = sbx.run(["python", "main.py"])
        assert "no network" in sbx.isolation
    waiter.join(10)
    listener.close()
    assert "CONNECTED" not in out.stdout and out.stdout.count("refused") == 2, out.stdout + out.stderr
    assert accepted == [None]


def _accept(listener: socket.socket) -> object:
    try:
        return listener.accept()
    except OSError:
        return None


def test_environment_secrets_do_not_reach_the_code(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-123")
    monkeypatch.setenv("HF_TOKEN", "hf_secret_456")
    code = "import os\nprint(sorted(os.environ.items()))\nprint(os.path.expanduser('~'))\n"
    with Sandbox(_repo(tmp_path, code)) as sbx:
        out = sbx.run(["python", "main.py"])
        home = str(sbx.root / "home")
    assert out.ok and "secret" not in out.stdout and "OPENAI" not in out.stdout and "HF_TOKEN" not in out.stdout
    assert home in out.stdout


@needs_ns
def test_nothing_is_written_outside_the_sandbox(tmp_path):
    outside = tmp_path / "outside.txt"
    code = (f"import os\nfor p in [{str(outside)!r}, '/tmp/papercoder-pwned', os.path.expanduser('~/.bashrc'),"
            f" 'inside.txt']:\n    try:\n        open(p, 'w').write('x')\n        print('WROTE', p)\n"
            f"    except OSError as e:\n        print('refused', p, e.strerror)\n")
    with Sandbox(_repo(tmp_path, code)) as sbx:
        out = sbx.run(["python", "main.py"])
        inside = (sbx.root / "repo" / "inside.txt").is_file()
    assert not outside.exists() and not Path("/tmp/papercoder-pwned").exists()
    assert not (tmp_path / "repo" / "inside.txt").exists()  # the original repository is untouched
    assert inside and out.stdout.count("refused") == 2, out.stdout + out.stderr


def test_an_endless_loop_is_stopped_by_the_wall_clock(tmp_path):
    with Sandbox(_repo(tmp_path, "while True:\n    pass\n"), limits=Limits(wall_seconds=2)) as sbx:
        out = sbx.run(["python", "main.py"])
    assert out.timed_out and not out.ok and out.seconds < 10


def test_a_memory_bomb_hits_the_memory_limit(tmp_path):
    code = ("try:\n    x = bytearray(6 * 1024**3)\n    print('ALLOCATED')\n"
            "except MemoryError:\n    print('MemoryError')\n")
    with Sandbox(_repo(tmp_path, code), limits=Limits(memory_bytes=1024**3)) as sbx:
        out = sbx.run(["python", "main.py"])
    assert "MemoryError" in out.stdout and "ALLOCATED" not in out.stdout


@needs_ns
def test_a_fork_bomb_is_contained(tmp_path):
    group = _pids_cgroup(8)
    if group is None:
        pytest.skip("no pids cgroup can be made here: a fork bomb would not be bounded")
    _remove_group(group)
    code = ("import os, time\nn = 0\nwhile True:\n    try:\n        if os.fork() == 0:\n            time.sleep(30)\n"
            "        n += 1\n    except OSError:\n        print('fork refused after', n)\n        break\n")
    with Sandbox(_repo(tmp_path, code), limits=Limits(processes=32, wall_seconds=15)) as sbx:
        out = sbx.run(["python", "main.py"])
        assert any("pids.max=32" in i for i in sbx.isolation)
    assert "fork refused after" in out.stdout, out.stdout + out.stderr
    assert int(out.stdout.split()[-1]) < 32
    assert subprocess.run(["true"]).returncode == 0  # the framework can still start processes


def test_execute_reports_imports_smoke_and_missing_packages(tmp_path):
    main = ("import argparse\nfrom model import f\n\n\ndef main():\n    p = argparse.ArgumentParser()\n"
            "    p.add_argument('--config')\n    p.add_argument('--smoke', action='store_true')\n"
            "    p.parse_args()\n    print(f())\n\n\nif __name__ == '__main__':\n    main()\n")
    repo = _repo(tmp_path, main, **{"model.py": "def f():\n    return 1\n",
                                    "broken.py": "import model\nraise RuntimeError('boom at import')\n",
                                    "uses_numpy.py": "import numpy\n", "config.yaml": "a: 1\n"})
    findings, report = execute(repo)
    assert report["modules"] == 4 and report["modules_importing"] == 2 and report["smoke"] == "passed"
    kinds = {(f.file, f.kind) for f in findings}
    assert kinds == {("broken.py", "import_error"), ("uses_numpy.py", "missing_package")}
    assert next(f for f in findings if f.kind == "import_error").line == 2


def test_a_smoke_run_stopped_by_a_missing_package_is_not_blocking(tmp_path):
    repo = _repo(tmp_path, "import yaml_not_installed_anywhere\n\nif __name__ == '__main__':\n    print('ran')\n")
    findings, report = execute(repo)
    assert report["smoke"] == "failed"
    assert {(f.kind, f.blocking) for f in findings} == {("missing_package", False)}


def test_a_file_that_vanishes_while_the_repository_is_copied_is_skipped(tmp_path, monkeypatch):
    """Coders of one generation write files (a temporary, then a rename) while another coder's check copies."""
    import shutil as _shutil

    from papercoder.verify import sandbox

    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("y = 2\n")
    real = _shutil.copy2

    def racing(src, dst, **kw):
        if src.endswith("b.py"):
            raise FileNotFoundError(src)  # renamed away by its writer after the listing
        return real(src, dst, **kw)

    monkeypatch.setattr(sandbox.shutil, "copy2", racing)
    (tmp_path / ".c.py.123.tmp").write_text("partial")
    with sandbox.Sandbox(tmp_path) as sbx:
        assert sorted(p.name for p in (sbx.root / "repo").iterdir()) == ["a.py"]
