from __future__ import annotations

import os

import pytest

from papercoder.workspace import UnsafePathError, Workspace, confine, normalize_rel


@pytest.mark.parametrize("bad", ["", "/etc/passwd", "../x.py", "a/../../x.py", "~/x.py", "C:/x.py",
                                 "\\\\server\\x.py", "a\x00.py"])
def test_confine_refuses_escapes(tmp_path, bad):
    with pytest.raises(UnsafePathError):
        confine(tmp_path, bad)


def test_confine_refuses_symlink_escape(tmp_path):
    (tmp_path / "repo").mkdir()
    os.symlink("/tmp", tmp_path / "repo" / "link")
    with pytest.raises(UnsafePathError):
        confine(tmp_path / "repo", "link/x.py")


def test_confine_accepts_nested(tmp_path):
    assert confine(tmp_path, "src/model.py") == tmp_path.resolve() / "src" / "model.py"
    assert normalize_rel("./src//model.py") == "src/model.py"


def test_run_json_records_and_totals(tmp_path):
    ws = Workspace(tmp_path / "run").ensure()
    ws.record_call({"node": "coder", "file": "a.py", "model": "m", "input_tokens": 10, "output_tokens": 5,
                    "seconds": 1.5})
    ws.record_call({"node": "coder", "file": "b.py", "model": "m", "input_tokens": 3, "output_tokens": 2,
                    "seconds": 0.5, "cached_input_tokens": 2})
    run = ws.update_run(status="running")
    assert run["totals"]["input_tokens"] == 13 and run["totals"]["by_node"]["coder"]["calls"] == 2
    assert run["totals"]["cached_input_tokens"] == 2 and run["models"] == ["m"]
    with pytest.raises(UnsafePathError):
        ws.write_repo_file("../../evil.py", "x")
    assert not (tmp_path / "evil.py").exists()


def test_totals_kept_up_to_date_call_by_call_match_a_recount(tmp_path):
    """record_call adds each call to the totals; the file must agree with totals over all its calls, also
    when another process wrote run.json in between (the writer's cache is then stale and is dropped)."""
    import json

    from papercoder.workspace import _CALL_LINES, _RUNS, totals

    ws = Workspace(tmp_path / "run").ensure()
    for i in range(30):
        ws.record_call({"node": ["planner", "analyst", "coder"][i % 3], "stage": "s", "model": f"m{i % 2}",
                        "input_tokens": i, "output_tokens": 1, "seconds": 0.1, "cache_hit": int(i % 7 == 0),
                        "retries": i % 2, "cost_usd": None if i == 11 else 0.01})
        if i == 15:  # another process rewrites run.json: the next write must start from the file
            run = json.loads(ws.run_json.read_text())
            run["calls"].append({"node": "coder", "model": "m9", "input_tokens": 1000, "output_tokens": 1})
            ws.run_json.write_text(json.dumps(run))
            os.utime(ws.run_json, ns=(1, 1))
            _RUNS.clear()
            _CALL_LINES.clear()
    on_disk = json.loads(ws.run_json.read_text())
    assert len(on_disk["calls"]) == 31
    assert on_disk["totals"] != totals(on_disk["calls"][:-1])
    recount = totals(on_disk["calls"])
    assert on_disk["totals"] == recount and ws.read_totals() == recount
    assert recount["by_model"]["m9"]["input_tokens"] == 1000 and recount["cost_usd"] is None


def test_stale_writer_cannot_touch_a_newer_run(tmp_path):
    from papercoder.workspace import WorkspaceError

    old = Workspace(tmp_path / "run").start_fresh()
    new = Workspace(tmp_path / "run").start_fresh()  # a second run replaces the first in the same folder
    assert old.run_id != new.run_id
    with pytest.raises(WorkspaceError, match="taken over"):
        old.record_call({"node": "architect", "input_tokens": 1, "output_tokens": 1, "seconds": 1})
    assert "calls" not in new.read_run()
