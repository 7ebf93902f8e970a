"""The verify-and-repair stage in the pipeline: findings, the debugger's SEARCH/REPLACE edits, rounds."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from papercoder import build_graph
from papercoder.verify.edits import Edit, apply_edits, parse_edits

BROKEN_MODEL = "import numpyy\n\n\ndef run_model():\n    return 0\n"
FIX_IMPORT = "model.py\n<<<<<<< SEARCH\nimport numpyy\n=======\nimport math\n>>>>>>> REPLACE\n"


def _run(paper_file, ctx):
    return build_graph().compile().invoke({"paper": str(paper_file)}, context=ctx)


def _run_json(ctx) -> dict:
    return json.loads((Path(ctx.out_dir) / "run.json").read_text())


def test_a_broken_import_is_found_and_repaired(scripted, paper_file):
    script, _model, context = scripted
    script.code_overrides["model.py"] = [f"```python\n{BROKEN_MODEL}```"]
    script.debug_answers["model.py"] = [FIX_IMPORT]
    ctx = context(verify=True, repair_rounds=2)
    result = _run(paper_file, ctx)
    out = Path(ctx.out_dir)
    v = _run_json(ctx)["verification"]
    assert v["before"]["blocking"] >= 1 and v["after"]["blocking"] == 0 and v["repair_rounds_used"] == 1
    assert v["after"]["modules_importing"] == v["after"]["modules"] == 4 and v["after"]["smoke"] == "passed"
    assert (out / "repo/model.py").read_text().startswith("import math")
    first = json.loads((out / "artifacts/verify/round-0.json").read_text())
    assert {(f["file"], f["kind"]) for f in first["findings"]} >= {("model.py", "missing_module")}
    edits = json.loads((out / "artifacts/verify/round-0-edits.json").read_text())
    assert edits[0]["file"] == "model.py" and edits[0]["results"] == [{"path": "model.py", "applied": True,
                                                                         "reason": ""}]
    assert (out / "artifacts/verify/round-1.json").is_file()
    assert "numpyy" in script.debug_requests[0]
    assert result["summary"]["executability"]["after"]["blocking"] == 0


def test_an_echoed_example_is_refused_and_a_made_up_folder_is_dropped(scripted, paper_file):
    """Seen with the embedded model: it copied the request's example block (placeholder SEARCH text), and
    wrote `path/to/model.py` for `model.py`."""
    script, _model, context = scripted
    script.code_overrides["model.py"] = [f"```python\n{BROKEN_MODEL}```"]
    echo = ("path/to/model.py\n<<<<<<< SEARCH\n(the exact lines of the file to change, enough to be unique)\n"
            "=======\n(the lines that replace them)\n>>>>>>> REPLACE\n")
    script.debug_answers["model.py"] = [echo, "path/to/" + FIX_IMPORT]
    ctx = context(verify=True, repair_rounds=1)
    _run(paper_file, ctx)
    run = _run_json(ctx)
    assert run["verification"]["after"]["blocking"] == 0
    assert (Path(ctx.out_dir) / "repo/model.py").read_text().startswith("import math")
    reasks = [e["problem"] for e in run["errors"] if e.get("stage") == "debugger" and e.get("kind") == "reask"]
    assert len(reasks) == 1 and "copies the example" in reasks[0]
    assert any(e.get("kind") == "repair" and "path/to/model.py taken as model.py" in e["problem"]
               for e in run["errors"])


def test_a_search_that_does_not_match_is_a_recorded_failure_not_a_guess(scripted, paper_file):
    script, _model, context = scripted
    script.code_overrides["model.py"] = [f"```python\n{BROKEN_MODEL}```"]
    script.debug_answers["model.py"] = ["model.py\n<<<<<<< SEARCH\nimport numpy as np\n=======\nimport math\n"
                                        ">>>>>>> REPLACE"]
    ctx = context(verify=True, repair_rounds=1)
    _run(paper_file, ctx)
    run = _run_json(ctx)
    assert run["verification"]["after"]["blocking"] >= 1 and run["verification"]["repair_rounds_used"] == 1
    assert any(e.get("kind") == "edit_failed" and "not found" in e["problem"] for e in run["errors"])
    assert (Path(ctx.out_dir) / "repo/model.py").read_text().startswith("import numpyy")  # untouched
    # the debugger was told its SEARCH did not match before its last try
    assert any(m["node"] == "debugger" and m["attempt"] > 0 for m in run["calls"])


def test_a_failing_smoke_run_hands_its_traceback_to_the_debugger(scripted, paper_file):
    script, _model, context = scripted
    script.code_overrides["main.py"] = ["```python\nimport train\n\n\nif __name__ == '__main__':\n"
                                        "    raise ValueError('shapes (3,) and (4,) do not match')\n```"]
    script.debug_answers["main.py"] = ["main.py\n<<<<<<< SEARCH\n    raise ValueError('shapes (3,) and (4,) do "
                                       "not match')\n=======\n    print(train.run_train())\n>>>>>>> REPLACE"]
    ctx = context(verify=True)
    _run(paper_file, ctx)
    v = _run_json(ctx)["verification"]
    assert v["before"]["smoke"] == "failed" and v["after"]["smoke"] == "passed"
    assert "ValueError: shapes (3,) and (4,) do not match" in script.debug_requests[0]


def test_the_debugger_is_told_plainly_what_a_smoke_run_without_data_files_means(scripted, paper_file):
    script, _model, context = scripted
    script.code_overrides["main.py"] = ["```python\nimport train\n\n\nif __name__ == '__main__':\n"
                                        "    open('data/train.csv').read()\n```"]
    ctx = context(verify=True, repair_rounds=1)
    _run(paper_file, ctx)
    assert "No such file or directory: 'data/train.csv'" in script.debug_requests[0]
    assert "`data/train.csv` does not exist where the code runs: with `smoke`, make a few random examples" in \
        script.debug_requests[0]


def test_edit_format_and_exact_application(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\ny = 2\nx = 1\n")
    edits = parse_edits("Here:\n\n`a.py`\n<<<<<<< SEARCH\ny = 2\n=======\ny = 3\n>>>>>>> REPLACE\n\n"
                        "new.py\n<<<<<<< SEARCH\n=======\nZ = 0\n>>>>>>> REPLACE\n"
                        "a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 5\n>>>>>>> REPLACE")
    assert [e.path for e in edits] == ["a.py", "new.py", "a.py"]
    results = apply_edits(tmp_path, edits)
    assert [r.applied for r in results] == [True, True, False] and "2 times" in results[2].reason
    assert (tmp_path / "a.py").read_text() == "x = 1\ny = 3\nx = 1\n" and (tmp_path / "new.py").read_text() == "Z = 0\n"
    escape = apply_edits(tmp_path, [Edit("../evil.py", "", "bad")])
    assert not escape[0].applied and not (tmp_path.parent / "evil.py").exists()


def test_cli_verify_reports_without_repair(tmp_path):
    from papercoder.cli import app

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.py").write_text("from helpers import go\n\nif __name__ == '__main__':\n    go()\n")
    (repo / "ok.py").write_text("X = 1\n")
    result = CliRunner().invoke(app, ["verify", str(repo)])
    assert result.exit_code == 1, result.output
    assert "missing_module" in result.output and "main.py:1" in result.output
    assert "modules importing" in result.output
    (repo / "helpers.py").write_text("def go():\n    print('ok')\n")
    result = CliRunner().invoke(app, ["verify", str(repo)])
    assert result.exit_code == 0, result.output


def test_a_round_that_changed_nothing_ends_the_repair(scripted, paper_file):
    """On SSC the debugger's edits never matched; rounds 2 and 3 asked the same question again and the
    response cache gave the same answer. A round with no applied edit now ends the loop."""
    script, _model, context = scripted
    script.code_overrides["model.py"] = [f"```python\n{BROKEN_MODEL}```"]
    script.debug_answers["model.py"] = ["model.py\n<<<<<<< SEARCH\nimport nothing_like_this\n=======\nimport math\n"
                                        ">>>>>>> REPLACE"]
    ctx = context(verify=True, repair_rounds=3)
    _run(paper_file, ctx)
    v = _run_json(ctx)["verification"]
    assert v["repair_rounds_used"] == 1 and v["after"]["blocking"] >= 1


def test_a_round_that_leaves_the_same_blocking_findings_ends_the_repair(scripted, paper_file):
    """On the Transformer, three rounds applied edits to main.py and left the same smoke error each time."""
    script, _model, context = scripted
    script.code_overrides["main.py"] = ["```python\nimport train\n\n\nif __name__ == '__main__':\n"
                                        "    raise ValueError('shapes (3,) and (4,) do not match')\n```"]
    script.debug_answers["main.py"] = ["main.py\n<<<<<<< SEARCH\nimport train\n=======\nimport train  # noqa\n"
                                       ">>>>>>> REPLACE"]
    ctx = context(verify=True, repair_rounds=3)
    _run(paper_file, ctx)
    v = _run_json(ctx)["verification"]
    assert v["repair_rounds_used"] == 1 and v["after"]["smoke"] == "failed"
    assert (Path(ctx.out_dir) / "repo/main.py").read_text().startswith("import train  # noqa")  # it did apply


def test_a_round_that_makes_things_worse_is_undone(scripted, paper_file):
    """On the Transformer the debugger's config.yaml edit took blocking findings from 3 to 7; such a round is
    now undone and the loop stops there."""
    script, _model, context = scripted
    script.code_overrides["model.py"] = [f"```python\n{BROKEN_MODEL}```"]
    worse = ("model.py\n<<<<<<< SEARCH\nimport numpyy\n=======\nimport numpyy\nimport scipyy_x\nimport more_missing\n"
             ">>>>>>> REPLACE\n\nnew_helper.py\n<<<<<<< SEARCH\n=======\nimport also_missing\n>>>>>>> REPLACE\n")
    script.debug_answers["model.py"] = [worse]
    ctx = context(verify=True, repair_rounds=3)
    _run(paper_file, ctx)
    run = _run_json(ctx)
    v = run["verification"]
    assert v["repair_rounds_used"] == 1 and v["after"]["blocking"] == v["before"]["blocking"] >= 1
    repo = Path(ctx.out_dir) / "repo"
    assert (repo / "model.py").read_text() == BROKEN_MODEL and not (repo / "new_helper.py").exists()
    assert any(e.get("kind") == "repair_undone" for e in run["errors"])


def test_the_debugger_may_answer_with_the_whole_file(scripted, paper_file):
    script, _model, context = scripted
    script.code_overrides["model.py"] = [f"```python\n{BROKEN_MODEL}```"]
    script.debug_answers["model.py"] = ["```python\nimport math\n\n\ndef run_model():\n    return math.floor(0.5)\n```"]
    ctx = context(verify=True, repair_rounds=1)
    _run(paper_file, ctx)
    assert "the whole file `model.py`" in script.debug_requests[0]
    assert _run_json(ctx)["verification"]["after"]["blocking"] == 0
    assert (Path(ctx.out_dir) / "repo/model.py").read_text() == ("import math\n\n\ndef run_model():\n"
                                                                  "    return math.floor(0.5)\n")


def test_the_debugger_asked_for_whole_files_gets_an_unchanged_file_asked_again(scripted, paper_file):
    """The embedded model's form (repair_form auto): no SEARCH/REPLACE asked for; an unchanged file is re-asked."""
    script, _model, context = scripted
    script.code_overrides["model.py"] = [f"```python\n{BROKEN_MODEL}```"]
    fixed = "import math\n\n\ndef run_model():\n    return math.floor(0.5)\n"
    script.debug_answers["model.py"] = [f"```python\n{BROKEN_MODEL}```", f"```python\n{fixed}```"]
    ctx = context(verify=True, repair_rounds=1, repair_form="whole")
    _run(paper_file, ctx)
    assert "<<<<<<< SEARCH" not in script.debug_requests[0] and "Write the whole file `model.py`" in \
        script.debug_requests[0]
    run = _run_json(ctx)
    assert [e["problem"] for e in run["errors"] if e["kind"] == "reask" and e["stage"] == "debugger"] == [
        "the answer holds no changed version of `model.py`; write the whole file, with the problems fixed, in one "
        "```python fenced block"]
    assert (Path(ctx.out_dir) / "repo/model.py").read_text() == fixed
    assert run["verification"]["after"]["blocking"] == 0


def test_a_long_file_may_come_whole_after_its_search_blocks_failed(scripted, paper_file):
    script, _model, context = scripted
    long_model = BROKEN_MODEL + "".join(f"\n\ndef helper_{i}():\n    return {i}\n" for i in range(80))
    script.code_overrides["model.py"] = [f"```python\n{long_model}```"]
    fixed = long_model.replace("import numpyy", "import math")
    script.debug_answers["model.py"] = ["model.py\n<<<<<<< SEARCH\nimport numpy as npp\n=======\nimport math\n"
                                       ">>>>>>> REPLACE", f"```python\n{fixed}```"]
    ctx = context(verify=True, repair_rounds=1)
    _run(paper_file, ctx)
    assert "the whole file" not in script.debug_requests[0]  # over 200 lines: edits only, at first
    assert (Path(ctx.out_dir) / "repo/model.py").read_text() == fixed


def test_a_missing_module_is_written_from_what_its_importers_expect(scripted, paper_file):
    script, model, context = scripted
    script.code_overrides["model.py"] = ["```python\nfrom helpers import smooth\n\n\ndef run_model():\n"
                                         "    return smooth([1.0, 2.0], k=3)\n```"]
    script.code_overrides["helpers.py"] = ["```python\ndef smooth(values, k=1):\n    return sum(values) / k\n```"]
    ctx = context(verify=True, repair_rounds=1)
    _run(paper_file, ctx)
    run = _run_json(ctx)
    asked = next(c for c in model.calls if "The repository has no file `helpers.py`" in str(c["messages"][-1].content))
    request = str(asked["messages"][-1].content)
    assert "`model.py`: from helpers import smooth" in request and "smooth([1.0, 2.0], k=3)" in request
    assert (Path(ctx.out_dir) / "repo/helpers.py").read_text().startswith("def smooth(values, k=1):")
    assert run["verification"]["after"]["blocking"] == 0 and run["verification"]["after"]["modules_importing"] == 5
    assert any(e["kind"] == "missing_module" and e["file"] == "helpers.py" and "importers expect" in e["action"]
               for e in run["errors"])


def test_an_edit_that_leaves_the_file_not_compiling_is_undone(scripted, paper_file):
    """Seen on Semantic Self-Consistency: a fuzzy-placed edit left data.py with an empty class body, and the
    round, counting fewer blocking findings (the broken file hid its others), was kept."""
    script, _model, context = scripted
    script.code_overrides["model.py"] = [f"```python\n{BROKEN_MODEL}```"]
    script.debug_answers["model.py"] = ["model.py\n<<<<<<< SEARCH\ndef run_model():\n    return 0\n=======\n"
                                        "def run_model():\nreturn 0\n>>>>>>> REPLACE\n"]
    ctx = context(verify=True, repair_rounds=1)
    _run(paper_file, ctx)
    run = _run_json(ctx)
    assert (Path(ctx.out_dir) / "repo/model.py").read_text() == BROKEN_MODEL
    failed = [e["problem"] for e in run["errors"] if e.get("kind") == "edit_failed"]
    assert any("left model.py not compiling" in p and "undone" in p for p in failed)
    assert run["verification"]["after"]["compiling"] == run["verification"]["before"]["compiling"]


def test_a_round_is_worse_when_fewer_files_compile_or_import_even_with_fewer_findings():
    from papercoder.verify.nodes import made_worse

    before = {"blocking": 12, "compiling": 5, "modules_importing": 2, "smoke": "failed"}
    assert made_worse(before, {**before, "blocking": 10, "compiling": 4}) == "lowered the files compiling from 5 to 4"
    assert "modules importing from 2 to 1" in made_worse(before, {**before, "blocking": 10, "modules_importing": 1})
    assert made_worse({**before, "smoke": "passed"}, {**before, "smoke": "failed"}).startswith("broke the smoke")
    assert made_worse(before, {**before, "blocking": 13}).startswith("raised the blocking findings from 12 to 13")
    assert made_worse(before, {**before, "blocking": 3, "modules_importing": 4}) == ""


def test_repair_renames_a_config_key_read_by_its_synonym_without_the_model(tmp_path):
    from papercoder.agents.debugger import _tidy

    from papercoder.verify.findings import Finding
    from papercoder.workspace import Workspace

    ws = Workspace(tmp_path / "run")
    ws.write_repo_file("config.yaml", "training:\n  learning_rate: 0.1\n")
    ws.write_repo_file("train.py", "def lr(config):\n    return config['training']['lr'], config['training']['wd']\n")
    findings = [Finding(file="train.py", line=2, kind="config_key", message=f"reads config key training.{k}, which "
                        "config.yaml does not have") for k in ("lr", "wd")]
    changed, left = _tidy({"repo_dir": str(ws.repo), "architecture": {"entry_point": "main.py"}}, ws, findings)
    assert changed == {"train.py"} and [f.message for f in left] == [findings[1].message]
    assert "config['training']['learning_rate']" in ws.read_repo_file("train.py")


def test_a_module_only_a_written_missing_module_imports_is_not_written_in_turn(scripted, paper_file):
    """Seen on Bridging Data Gaps: trainer.py, written for main.py's import, imported smoke.py, written in turn."""
    script, model, context = scripted
    script.code_overrides["model.py"] = ["```python\nfrom helpers import smooth\n\n\ndef run_model():\n"
                                         "    return smooth([1.0, 2.0], k=3)\n```"]
    script.code_overrides["helpers.py"] = ["```python\nfrom extras import scale\n\n\ndef smooth(values, k=1):\n"
                                           "    return scale(sum(values)) / k\n```"]
    ctx = context(verify=True, repair_rounds=2)
    _run(paper_file, ctx)
    run = _run_json(ctx)
    assert (Path(ctx.out_dir) / "repo/helpers.py").is_file() and not (Path(ctx.out_dir) / "repo/extras.py").exists()
    assert not any("no file `extras.py`" in str(c["messages"][-1].content) for c in model.calls)
    assert any(e["kind"] == "missing_module" and e["file"] == "extras.py" and "no chain" in e["action"]
               for e in run["errors"])
