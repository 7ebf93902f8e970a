"""The full graph driven by a scripted chat model: every node, the DAG, parallelism, re-asks, the contract."""

from __future__ import annotations

import json
import threading
import time

import pytest
import yaml

from papercoder import build_graph
from papercoder.llm import StageError
from tests.conftest import architecture_answer, logic_answer


def run_graph(paper_file, ctx):
    app = build_graph().compile()
    return app.invoke({"paper": str(paper_file)}, context=ctx)


def coder_prompts(model):
    out = {}
    for call in model.calls:
        text = str(call["messages"][-1].content)
        if text.startswith("Write the complete file `"):
            out[text.split("`")[1]] = text
    return out


def test_output_contract(scripted, paper_file):
    script, model, context = scripted
    ctx = context()
    result = run_graph(paper_file, ctx)
    out = ctx.out_dir
    from pathlib import Path

    root = Path(out)
    assert result["out_dir"] == str(root.resolve())
    for rel in ["repo/config.yaml", "repo/requirements.txt", "repo/README.md", "repo/reproduce.sh",
                "artifacts/paper.md", "artifacts/plan.md", "artifacts/architecture.json",
                "artifacts/class_diagram.mmd", "artifacts/sequence_diagram.mmd", "artifacts/logic_design.json",
                "artifacts/dependency_graph.json", "run.json"]:
        assert (root / rel).is_file(), rel
    for f in script.deps:
        assert (root / "repo" / f).is_file()
        assert (root / "artifacts" / "analysis" / f"{f}.md").is_file()
    assert yaml.safe_load((root / "repo/config.yaml").read_text())["training"]["lr"] == 0.05
    assert (root / "repo/requirements.txt").read_text().split() == ["pyyaml"]  # numpy: planned, never imported
    assert "python main.py --config config.yaml" in (root / "repo/reproduce.sh").read_text()
    assert (root / "repo/reproduce.sh").stat().st_mode & 0o111
    arch = json.loads((root / "artifacts/architecture.json").read_text())
    assert arch["entry_point"] == "main.py"
    assert (root / "artifacts/class_diagram.mmd").read_text().startswith("classDiagram")
    assert (root / "artifacts/sequence_diagram.mmd").read_text().startswith("sequenceDiagram")
    paper_md = (root / "artifacts/paper.md").read_text()
    assert paper_md.startswith("---\n") and "Tiny Nets Learn Fast" in paper_md
    run = json.loads((root / "run.json").read_text())
    assert run["status"] == "completed"
    # 4 planning calls, 3 for the checklist, the interface table + one analyst and one coder per file, each
    # recorded with tokens and time.
    assert len(run["calls"]) == 8 + 2 * len(script.deps) == len(model.calls)
    assert {c["node"] for c in run["calls"]} == {"planner", "checklist_writer", "architect", "logic_designer",
                                                  "config_writer",
                                                  "interface_designer",
                                                  "analyst", "coder"}
    assert all(c["input_tokens"] > 0 and c["output_tokens"] > 0 and "seconds" in c for c in run["calls"])
    assert run["totals"]["calls"] == len(run["calls"])
    assert sorted(c["file"] for c in run["calls"] if c["node"] == "coder") == sorted(script.deps)
    assert result["summary"]["python_files_compiling"] == 4
    assert set(result["files"]) >= {"main.py", "config.yaml", "README.md"}


def test_shared_prompt_prefix(scripted, paper_file):
    """Every call after the planner starts with the planner's messages: the paper first, identically."""
    _script, model, context = scripted
    run_graph(paper_file, context())
    first = model.calls[0]["messages"]
    assert "Tiny Nets Learn Fast" in str(first[1].content)
    for call in model.calls[1:]:
        assert [m.content for m in call["messages"][:2]] == [m.content for m in first[:2]]


def test_coders_follow_dag_and_see_only_dependencies(scripted, paper_file):
    script, model, context = scripted
    run_graph(paper_file, context())
    order = [str(c["messages"][-1].content).split("`")[1] for c in model.calls
             if str(c["messages"][-1].content).startswith("Write the complete file")]
    assert order.index("train.py") > max(order.index("data.py"), order.index("model.py"))
    assert order.index("main.py") > order.index("train.py")
    prompts = coder_prompts(model)
    assert "def run_data" in prompts["train.py"] and "def run_model" in prompts["train.py"]
    # main.py depends on train.py directly and on data.py/model.py transitively
    assert all(f"def run_{n}" in prompts["main.py"] for n in ("train", "data", "model"))
    assert "def run_" not in prompts["data.py"].split("The interface table")[0]  # no dependency code shown
    assert "def run_" not in prompts["model.py"].split("The interface table")[0]
    assert "- def run_data()" in prompts["data.py"]  # its rows of the interface table
    assert "--smoke" in prompts["main.py"] and "--smoke" not in prompts["data.py"]
    analyst_requests = [str(c["messages"][-1].content) for c in model.calls
                        if "implementation spec for one file" in str(c["messages"][-1].content)]
    assert len(analyst_requests) == 4


def test_generation_files_are_written_in_parallel(scripted, paper_file):
    """data.py and model.py (one generation) must be in flight together: a barrier proves it."""
    script, model, context = scripted
    barrier = threading.Barrier(2, timeout=10)
    inner = script.__call__

    def script_with_barrier(messages):
        text = str(messages[-1].content)
        if text.startswith(("Write the complete file `data.py`", "Write the complete file `model.py`")):
            barrier.wait()
        return inner(messages)

    model.script = script_with_barrier
    run_graph(paper_file, context(concurrency=4))


def test_concurrency_bound(scripted, paper_file):
    script, model, context = scripted
    inner = script.__call__
    state = {"now": 0, "max": 0}
    lock = threading.Lock()

    def counting(messages):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return inner(messages)

    model.script = counting
    run_graph(paper_file, context(concurrency=2))
    assert state["max"] == 2


def test_cycle_reasked_once_then_repaired(scripted, paper_file):
    script, model, context = scripted
    cyclic = {"data.py": [], "model.py": ["train.py"], "train.py": ["data.py", "model.py"],
              "main.py": ["train.py", "main.py"]}
    script.logic = [logic_answer(cyclic)]
    ctx = context()
    result = run_graph(paper_file, ctx)
    logic_calls = [c for c in model.calls if "Request 3 of the planning" in str(c["messages"][-1].content)
                   or (str(c["messages"][-1].content).startswith("That answer cannot be used")
                       and "Request 3 of the planning" in str(c["messages"][-3].content))]
    assert len(logic_calls) == 2  # asked, then re-asked once with the problem named
    assert "dependency cycle" in str(logic_calls[1]["messages"][-1].content)
    assert "itself" not in str(logic_calls[1]["messages"][-1].content)  # repaired, not re-asked
    from pathlib import Path

    dag = json.loads((Path(ctx.out_dir) / "artifacts/dependency_graph.json").read_text())
    assert any("cycle" in p for p in dag["reasked"])
    assert any("self-dependency of main.py" in r for r in dag["repairs"])
    assert any("broke cycle" in r and "dropping the dependency of model.py on train.py" in r
               for r in dag["repairs"])
    assert dag["generations"] == [["data.py", "model.py"], ["train.py"], ["main.py"]]
    assert result["summary"]["status"] == "completed"


def test_a_self_dependency_alone_is_repaired_without_a_reask(scripted, paper_file):
    """The embedded model listed model.py, data.py and utils.py among their own dependencies (Transformer)."""
    script, model, context = scripted
    deps = {"data.py": ["data.py"], "model.py": ["model.py"], "train.py": ["data.py", "model.py"],
            "main.py": ["train.py"]}
    script.logic = [logic_answer(deps)]
    ctx = context()
    run_graph(paper_file, ctx)
    from pathlib import Path

    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    assert [c["node"] for c in run["calls"]].count("logic_designer") == 1
    dag = json.loads((Path(ctx.out_dir) / "artifacts/dependency_graph.json").read_text())
    assert dag["reasked"] == [] and {"dropped self-dependency of data.py",
                                     "dropped self-dependency of model.py"} <= set(dag["repairs"])
    assert dag["generations"] == [["data.py", "model.py"], ["train.py"], ["main.py"]]


def test_cycle_fixed_by_reask_needs_no_repair(scripted, paper_file):
    script, model, context = scripted
    cyclic = {"data.py": ["model.py"], "model.py": ["data.py"], "train.py": [], "main.py": ["other.py"]}
    script.logic = [logic_answer(cyclic), logic_answer(script.deps)]
    ctx = context()
    run_graph(paper_file, ctx)
    from pathlib import Path

    dag = json.loads((Path(ctx.out_dir) / "artifacts/dependency_graph.json").read_text())
    assert dag["repairs"] == []
    assert any("other.py, which is not in the file list" in p for p in dag["reasked"])


def test_schema_reask_then_success(scripted, paper_file):
    script, model, context = scripted
    script.logic = ['{"required_packages": ["numpy"]}', logic_answer(script.deps)]
    ctx = context()
    result = run_graph(paper_file, ctx)
    assert result["summary"]["status"] == "completed"
    reask = [c for c in model.calls if str(c["messages"][-1].content).startswith("That answer cannot be used")]
    assert len(reask) == 1 and "JSON schema" in str(reask[0]["messages"][-1].content)


def test_schema_failure_stops_run_and_keeps_outputs(scripted, paper_file):
    script, model, context = scripted
    script.logic = ["not json at all"]
    ctx = context(max_reasks=2)
    with pytest.raises(StageError) as err:
        run_graph(paper_file, ctx)
    assert err.value.stage == "logic_designer"
    # the second answer repeats the first word for word: a third call would bring it again
    assert "no usable answer after 2 tries (the last one repeated the one before)" in str(err.value)
    from pathlib import Path

    root = Path(ctx.out_dir)
    assert (root / "artifacts/plan.md").is_file() and (root / "artifacts/architecture.json").is_file()
    run = json.loads((root / "run.json").read_text())
    assert [c["node"] for c in run["calls"]].count("logic_designer") == 2
    assert not (root / "repo/main.py").exists()


def test_architect_reasked_for_entry_point_and_diagrams(scripted, paper_file):
    script, model, context = scripted
    bad = "## File list\n- `model.py`: the model\n\n## Data structures and interfaces\nmermaid-class-diagram.md\n"
    answers = [bad, script.architecture]
    script.architecture_answers = answers
    inner = script.__call__

    def arch(messages):
        if "Request 2 of the planning" in str(messages[-1].content):
            return answers.pop(0)
        if str(messages[-1].content).startswith("That answer cannot be used") and \
                "Request 2 of the planning" in str(messages[-3].content):
            return answers.pop(0)
        return inner(messages)

    model.script = arch
    result = run_graph(paper_file, context())
    complaint = [str(c["messages"][-1].content) for c in model.calls
                 if str(c["messages"][-1].content).startswith("That answer cannot be used")][0]
    assert "no entry point" in complaint and "classDiagram" in complaint and "sequenceDiagram" in complaint
    assert result["summary"]["status"] == "completed"


def test_unsafe_paths_are_refused_and_recorded(scripted, paper_file, tmp_path):
    script, model, context = scripted
    files = ["../escape.py", "/tmp/abs_evil.py", "data.py", "main.py"]
    script.architecture = architecture_answer(files)
    script.deps = {"data.py": [], "main.py": ["data.py"]}
    script.logic = [logic_answer(script.deps)]
    ctx = context()
    result = run_graph(paper_file, ctx)
    from pathlib import Path

    root = Path(ctx.out_dir)
    assert not (root / "escape.py").exists() and not (root.parent / "escape.py").exists()
    assert not Path("/tmp/abs_evil.py").exists()
    run = json.loads((root / "run.json").read_text())
    refused = [e for e in run["errors"] if e.get("kind") == "unsafe_path"]
    assert {e["file"] for e in refused} == {"../escape.py", "/tmp/abs_evil.py"}
    assert sorted(p for p in result["files"] if p.endswith(".py")) == ["data.py", "main.py"]


def test_coder_reasked_on_syntax_error_and_placeholder(scripted, paper_file):
    script, model, context = scripted
    script.code_overrides["model.py"] = ["```python\ndef f(:\n```",
                                         "```python\ndef f():\n    pass\n```",
                                         "```python\ndef run_model():\n    return 0\n```"]
    ctx = context()
    result = run_graph(paper_file, ctx)
    complaints = [str(c["messages"][-1].content) for c in model.calls
                  if str(c["messages"][-1].content).startswith("That answer cannot be used")]
    assert any("does not compile" in c for c in complaints)
    assert any("empty body" in c for c in complaints)
    from pathlib import Path

    assert "return 0" in (Path(ctx.out_dir) / "repo/model.py").read_text()
    assert result["summary"]["python_files_compiling"] == 4


def test_coder_last_try_kept_with_problem_recorded(scripted, paper_file):
    script, model, context = scripted
    script.code_overrides["model.py"] = ["```python\ndef f(:\n```"]
    ctx = context(max_reasks=1)
    result = run_graph(paper_file, ctx)
    from pathlib import Path

    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    assert any(e.get("kind") == "code_problem" and e["file"] == "model.py" for e in run["errors"])
    assert result["summary"]["python_files_compiling"] == 3


def test_unknown_config_keys_are_complained_about(scripted, paper_file):
    script, model, context = scripted
    script.code_overrides["train.py"] = [
        "```python\ndef run_train(config):\n    return config['training']['momentum']\n```",
        "```python\ndef run_train(config):\n    return config['training']['lr']\n```"]
    inner = script.__call__
    spec_answers = ["Reads `training.warmup` and `training.lr` to build the model. " * 2,
                    "Reads `training.lr` to build the model, nothing else from the config. " * 2]

    def with_specs(messages):
        last = str(messages[-1].content)
        if "implementation spec for one file: `model.py`" in last or (
                last.startswith("That answer cannot be used")
                and "implementation spec for one file: `model.py`" in str(messages[-3].content)):
            return spec_answers.pop(0)
        return inner(messages)

    model.script = with_specs
    ctx = context()
    run_graph(paper_file, ctx)
    complaints = [str(c["messages"][-1].content) for c in model.calls
                  if str(c["messages"][-1].content).startswith("That answer cannot be used")]
    assert any("training.warmup" in c and "training.lr" in c.split("use only these keys:")[1] for c in complaints)
    assert any("config keys that config.yaml does not have: training.momentum" in c for c in complaints)
    from pathlib import Path

    assert "config['training']['lr']" in (Path(ctx.out_dir) / "repo/train.py").read_text()


def test_cycle_on_last_try_is_repaired_not_fatal(scripted, paper_file):
    script, model, context = scripted
    script.logic = [logic_answer({"data.py": ["model.py"], "model.py": ["data.py"], "train.py": ["data.py"],
                                  "main.py": ["train.py"]})]
    ctx = context(max_reasks=0)
    result = run_graph(paper_file, ctx)
    from pathlib import Path

    dag = json.loads((Path(ctx.out_dir) / "artifacts/dependency_graph.json").read_text())
    assert dag["reasked"] == [] and any("broke cycle" in r for r in dag["repairs"])
    assert result["summary"]["status"] == "completed"


def test_odd_and_long_names_refused_and_entry_point_quoted(scripted, paper_file):
    script, model, context = scripted
    long_name = "a" * 90 + ".py"
    files = ["$(touch${IFS}pwned)/main.py", long_name, "data.py", "main.py"]
    script.architecture = architecture_answer(files)
    script.deps = {"data.py": [], "main.py": ["data.py"]}
    script.logic = [logic_answer(script.deps)]
    ctx = context()
    run_graph(paper_file, ctx)
    from pathlib import Path

    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    refused = {e["file"] for e in run["errors"] if e.get("kind") == "unsafe_path"}
    assert refused == {"$(touch${IFS}pwned)/main.py", long_name}
    assert "python main.py --config" in (Path(ctx.out_dir) / "repo/reproduce.sh").read_text()


def test_rerun_into_same_folder_starts_fresh_and_foreign_folder_is_refused(scripted, paper_file, tmp_path):
    from pathlib import Path

    from papercoder.workspace import WorkspaceError

    script, model, context = scripted
    ctx = context()
    run_graph(paper_file, ctx)
    (Path(ctx.out_dir) / "repo" / "stale.py").write_text("x = 1\n")
    result = run_graph(paper_file, ctx)
    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    assert "stale.py" not in result["files"] and len(run["calls"]) == 16
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(WorkspaceError, match="not empty"):
        run_graph(paper_file, context(out_dir=str(foreign)))
    assert (foreign / "thesis.tex").read_text() == "precious"


def test_failure_marks_run_json_without_the_cli(scripted, paper_file):
    script, model, context = scripted
    script.config = "```yaml\n[unclosed\n```"
    ctx = context(max_reasks=1)
    with pytest.raises(StageError, match="config_writer"):
        run_graph(paper_file, ctx)
    from pathlib import Path

    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    assert run["status"] == "failed" and run["error"]["stage"] == "config_writer"
    assert "does not parse as YAML" in run["error"]["message"]


def test_config_values_not_in_paper_are_marked(scripted, paper_file):
    script, model, context = scripted
    script.config = ("```yaml\ntraining:\n  lr: 0.05\n  epochs: 3\n  momentum: 0.9\n  warmup: 100  "
                     "# not stated in the paper\nsmoke:\n  steps: 2\n```")
    ctx = context()
    run_graph(paper_file, ctx)
    from pathlib import Path

    text = (Path(ctx.out_dir) / "repo/config.yaml").read_text()
    assert "momentum: 0.9  # chosen: not found in the paper text, check" in text
    assert "lr: 0.05\n" in text and "warmup: 100  # not stated in the paper\n" in text
    assert "smoke:  # tiny settings" in text and yaml.safe_load(text)["training"]["momentum"] == 0.9
    check = json.loads((Path(ctx.out_dir) / "artifacts/config_check.json").read_text())
    assert [u["key"] for u in check["unverified_values"]] == ["momentum"]


def test_truncated_code_reasked_then_kept_on_last_try(scripted, paper_file):
    script, model, context = scripted
    script.code_overrides["model.py"] = [("```python\ndef run_model():\n    return 1\n", "length")]
    ctx = context(max_reasks=1)
    run_graph(paper_file, ctx)
    complaints = [str(c["messages"][-1].content) for c in model.calls
                  if str(c["messages"][-1].content).startswith("That answer cannot be used")]
    assert any("cut off at the output-token limit" in c for c in complaints)
    from pathlib import Path

    assert "return 1" in (Path(ctx.out_dir) / "repo/model.py").read_text()
    run = json.loads((Path(ctx.out_dir) / "run.json").read_text())
    assert any(e.get("kind") == "code_problem" and "cut off" in e["problem"] for e in run["errors"])


def test_requirements_are_what_the_code_imports_with_the_plans_pins(scripted, paper_file):
    """Seen on What Will My Model Forget: the plan listed packages nothing imported and lacked transformers."""
    script, model, context = scripted
    script.logic = [logic_answer(script.deps, packages=["numpy", "numpy", "os", "torch>=2.0", "keras",
                                                         "sentencepiece"])]
    script.code_overrides["main.py"] = ["```python\nimport yaml\nimport torch\nimport transformers\n\n\n"
                                        "def run_main():\n    return yaml, torch, transformers\n\n\nrun_main()\n```"]
    ctx = context()
    run_graph(paper_file, ctx)
    from pathlib import Path

    assert (Path(ctx.out_dir) / "repo/requirements.txt").read_text().split() == [
        "pyyaml", "torch>=2.0", "transformers", "sentencepiece"]
    changes = json.loads((Path(ctx.out_dir) / "run.json").read_text())["requirement_additions"]
    assert "added transformers to requirements.txt (imported by the code)" in changes
    assert {"dropped numpy from requirements.txt (no file imports it)",
            "dropped keras from requirements.txt (no file imports it)"} <= set(changes)
    design = json.loads((Path(ctx.out_dir) / "artifacts/logic_design.json").read_text())
    assert any("standard-library" in r for r in design["repairs"]) and any("repeated" in r for r in design["repairs"])


def test_architect_answer_with_bold_labels_and_indented_fences_is_read():
    """A real answer of the embedded model: sections as bold bullets, diagrams indented under them."""
    from pathlib import Path

    from papercoder.agents.architect import make_parser

    from papercoder.llm.answers import Reply

    text = (Path(__file__).parent / "data" / "architect_bold_labels.md").read_text()
    refused: list = []
    arch = make_parser(Path("/nonexistent"), 8, refused)(Reply(text=text, parsed=None, finish_reason="stop"))
    assert [f.path for f in arch.files] == ["main.py", "data.py", "model.py", "loss.py", "metrics.py", "config.py",
                                            "utils.py"]
    assert arch.entry_point == "main.py" and refused == []
    assert arch.class_diagram.startswith("classDiagram\n  class Data{")
    assert arch.sequence_diagram.startswith("sequenceDiagram")
    assert "main->>model: build_model()" in arch.sequence_diagram
    assert "numpy" in arch.implementation_approach
    # over the cap by config.py alone: trimmed without a re-ask, recorded
    trimmed = make_parser(Path("/nonexistent"), 6, refused)(Reply(text=text, parsed=None, finish_reason="stop",
                                                                  last=False))
    assert "config.py" not in [f.path for f in trimmed.files] and len(trimmed.files) == 6
    assert "left out config.py" in refused[-1].message
    # further over the cap: re-asked while tries remain; on the last one cut to the cap (entry point kept), recorded
    with pytest.raises(Exception, match="use at most 4"):
        make_parser(Path("/nonexistent"), 4, refused)(Reply(text=text, parsed=None, finish_reason="stop",
                                                             last=False))
    cut = make_parser(Path("/nonexistent"), 3, refused)(Reply(text=text, parsed=None, finish_reason="stop"))
    assert [f.path for f in cut.files] == ["main.py", "data.py", "model.py"] and cut.entry_point == "main.py"
    assert refused[-1].kind == "repair" and "utils.py" in refused[-1].message


def test_reasks_sample_a_little_above_temperature_zero(scripted, paper_file):
    script, model, context = scripted
    script.logic = ['{"required_packages": ["numpy"]}', logic_answer(script.deps)]
    run_graph(paper_file, context())
    assert sorted(set(model.temperatures)) == [0.0, 0.4] and model.temperatures.count(0.4) == 1


def test_runaway_config_is_reasked_then_salvaged():
    """A real embedded-model answer that looped on made-up keys until the token limit."""
    from pathlib import Path

    from papercoder.agents.config_writer import parse_config

    from papercoder.llm import AnswerError
    from papercoder.llm.answers import Reply

    text = (Path(__file__).parent / "data" / "config_runaway.txt").read_text()
    with pytest.raises(AnswerError, match="cut off at the output-token limit"):
        parse_config(Reply(text=text, parsed=None, finish_reason="length", last=False))
    config = yaml.safe_load(parse_config(Reply(text=text, parsed=None, finish_reason="length", last=True)))
    assert config["learning_rate"] == 0.001 and config["batch_size"] == 64 and config["epochs"] == 30
    assert all(len(k) <= 48 for k in config)


def test_import_of_a_name_the_dependency_lacks_is_reasked(scripted, paper_file):
    """The embedded model wrote `from data import DataLoader` although data.py defines `Data`."""
    script, model, context = scripted
    script.code_overrides["data.py"] = ["```python\nclass Data:\n    pass\n\n\nSIZE = 3\n```"]
    script.code_overrides["train.py"] = [
        "```python\nfrom data import DataLoader\n\n\ndef run_train():\n    return DataLoader()\n```",
        "```python\nfrom data import Data, SIZE\n\n\ndef run_train():\n    return Data(), SIZE\n```"]
    ctx = context()
    run_graph(paper_file, ctx)
    complaints = [str(c["messages"][-1].content) for c in model.calls
                  if str(c["messages"][-1].content).startswith("That answer cannot be used")]
    assert any("imports a name that does not exist: data.py defines no DataLoader" in c for c in complaints)
    from pathlib import Path

    assert "from data import Data, SIZE" in (Path(ctx.out_dir) / "repo/train.py").read_text()


def test_runaway_answer_is_not_echoed_into_the_reask(scripted, paper_file):
    """An answer cut at the token limit (a small model's loop) must not prime the re-ask with itself."""
    script, model, context = scripted
    loop = "## Implementation approach\n" + "`transformers`, " * 200
    inner = script.__call__

    def arch(messages):
        last = str(messages[-1].content)
        if "Request 2 of the planning" in last:
            return (loop, "length")
        return inner(messages)

    model.script = arch
    script.architecture = architecture_answer(list(script.deps))
    run_graph(paper_file, context())
    reask = next(c for c in model.calls if str(c["messages"][-1].content).startswith("That answer cannot be used"))
    assert all("`transformers`, `transformers`" not in str(m.content) for m in reask["messages"])
    assert "Request 2 of the planning" in str(reask["messages"][-2].content)


def _longer_paper(tmp_path, before_method: str, at_end: str):
    """The tiny paper with a long section before its method and another at its end."""
    from tests.conftest import PAPER

    paper = tmp_path / "long.md"
    paper.write_text(PAPER.replace("## Method", before_method + "## Method") + "\n" + at_end)
    return paper


def test_compaction_is_recorded_and_what_was_dropped_never_reaches_the_agents(scripted, tmp_path):
    from pathlib import Path

    paper = _longer_paper(tmp_path, "## Related Work\n" + "Earlier work on tiny perceptrons studied things. " * 120
                          + "\n\n", "## NeurIPS Paper Checklist\n" + "Yes, the claims match the results. " * 80 + "\n")
    _script, model, context = scripted
    ctx = context(paper_token_budget=300)
    run_graph(paper, ctx)
    root = Path(ctx.out_dir)
    front = yaml.safe_load((root / "artifacts/paper.md").read_text().split("---\n")[1])
    run = json.loads((root / "run.json").read_text())
    assert front["dropped"] == run["paper_info"]["dropped"] == ["NeurIPS Paper Checklist", "Related Work"]
    assert front["tokens"] <= 300 < front["tokens_full"] and front["budget"] == 300
    first_prompt = str(model.calls[0]["messages"][1].content)
    assert "TinyNet has a hidden layer" in first_prompt and "Earlier work" not in first_prompt
    assert "claims match" not in first_prompt


def test_calls_after_the_planner_carry_the_digest_and_share_one_prefix(scripted, tmp_path):
    """Only the planner reads the paper; the later calls (12 of 16 here) carry the digest in its place.

    The checklist writer's 3 calls continue the planner's own conversation (the paper, then the plan).
    """
    from pathlib import Path

    paper = _longer_paper(tmp_path, "## Introduction\n" + "Perceptrons have a long history in learning. " * 60
                          + "\n\n", "## Results\n" + "TinyNet reaches an accuracy of 0.97 on the test split. " * 60)
    _script, model, context = scripted
    ctx = context(paper_token_budget=2000, digest_token_budget=300)
    run_graph(paper, ctx)
    root = Path(ctx.out_dir)
    digest_info = json.loads((root / "run.json").read_text())["paper_info"]["digest"]
    assert digest_info["dropped"] == ["Introduction", "Results"] and digest_info["tokens"] <= 300
    assert (root / "artifacts/paper_digest.md").is_file()
    planner = str(model.calls[0]["messages"][1].content)
    assert "long history" in planner and "reaches an accuracy" in planner
    checklist = [c for c in model.calls[1:] if "requirements checklist" in str(c["messages"][-1].content)]
    assert len(checklist) == 3 and all(c["messages"][1].content == model.calls[0]["messages"][1].content
                                       for c in checklist)
    later = [c for c in model.calls[1:] if c not in checklist]
    assert len(later) == 12
    for call in later:
        head = str(call["messages"][1].content)
        assert "TinyNet has a hidden layer" in head and "We train for 3 epochs" in head
        assert "long history" not in head and "reaches an accuracy" not in head
        # one prefix: system, digest + request 1, the plan
        assert [m.content for m in call["messages"][:3]] == [m.content for m in later[0]["messages"][:3]]
    # the planner reads the digest first, then the rest: its call and every later one share the prefix through
    # the digest (system message included), and only the planner's has the rest of the paper
    head = str(later[0]["messages"][1].content)
    shared = head[: head.index("</paper>") + len("</paper>")]
    assert "its digest comes first" in shared.lower() and "TinyNet has a hidden layer" in shared
    assert planner.startswith(shared) and model.calls[0]["messages"][0].content == later[0]["messages"][0].content
    rest = planner[len(shared):]
    assert rest.index("long history") < rest.index("reaches an accuracy") < rest.index("Request 1")
    assert "TinyNet has a hidden layer" not in rest  # the digest's sections are not repeated
    run = json.loads((root / "run.json").read_text())
    assert run["paper_info"]["rest"]["sections"] == ["Introduction", "Results"]


def test_a_repeated_answer_is_taken_as_the_last_try(scripted, paper_file):
    """The embedded model answered main.py's placeholder complaint twice with the same file: the third call
    is not made; the file is kept with its problems recorded."""
    script, model, context = scripted
    stub = "```python\ndef run_model():\n    pass\n```"
    script.code_overrides["model.py"] = [stub, stub, "```python\ndef run_model():\n    return 1\n```"]
    ctx = context(max_reasks=2)
    run_graph(paper_file, ctx)
    from pathlib import Path

    root = Path(ctx.out_dir)
    run = json.loads((root / "run.json").read_text())
    assert [(c["node"], c["file"]) for c in run["calls"]].count(("coder", "model.py")) == 2
    assert "pass" in (root / "repo/model.py").read_text()
    assert any(e.get("kind") == "code_problem" and e.get("file") == "model.py" for e in run["errors"])
