from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

from papercoder.context import RunContext
from papercoder.llm import register_chat_model
from tests.scripted import ScriptedChatModel, last_request

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_benchmark(name: str) -> ModuleType:
    """``benchmarks/NAME.py`` as a module (the benchmarks are scripts, not a package)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAPER = """# Tiny Nets Learn Fast

## Abstract
We propose TinyNet, a two-layer perceptron trained with SGD at learning rate 0.05 for 3 epochs with batch
size 16 on the Iris dataset. We report accuracy.

## Method
TinyNet has a hidden layer of 8 units with ReLU. The loss is cross entropy.

## Experiments
We train for 3 epochs and evaluate accuracy on a 20% test split.
"""


def architecture_answer(files: list[str]) -> str:
    bullets = "\n".join(f"- `{f}`: the {f} module" for f in files)
    return f"""## Implementation approach
PyTorch-free numpy implementation.

## File list
{bullets}

## Data structures and interfaces
```mermaid
classDiagram
    class TinyNet {{
        +forward(x) ndarray
    }}
```

## Program call flow
```mermaid
sequenceDiagram
    participant M as main
    M->>TinyNet: forward(x)
```
"""


def logic_answer(deps: dict[str, list[str]], packages: list[str] | None = None) -> str:
    return json.dumps({
        "required_packages": packages if packages is not None else ["numpy", "pyyaml"],
        "tasks": [{"path": f, "logic": f"implements {f}", "depends_on": d} for f, d in deps.items()],
        "shared_knowledge": "config keys: training.lr",
    })


def code_for(path: str, deps: list[str]) -> str:
    imports = "\n".join(f"import {d[:-3].replace('/', '.')}" for d in deps)
    body = f"def run_{path[:-3].replace('/', '_')}():\n    return {len(deps)}\n"
    if path == "main.py":  # the entry point runs when started and takes --smoke
        imports = "import sys\n" + imports
        body += '\n\nif __name__ == "__main__":\n    SMOKE = "--smoke" in sys.argv\n    run_main()\n'
    return f"```python\n{imports}\n\n\n{body}```"


def _marked(code: str, request: str) -> str:
    """The code with a comment naming each checklist item the request gives the file (a model that complies)."""
    ids = re.findall(r"^- (R\d+) \(", request, re.MULTILINE)
    code = code if code.rstrip().endswith("```") else f"```python\n{code.rstrip()}\n```"
    return code.replace("\n```", "".join(f"\n# {i}: implemented here" for i in ids) + "\n```") if ids else code


class Script:
    """A default, well-behaved script; tests override pieces."""

    def __init__(self, deps: dict[str, list[str]] | None = None):
        self.deps = deps or {"data.py": [], "model.py": [], "train.py": ["data.py", "model.py"],
                             "main.py": ["train.py"]}
        self.architecture = architecture_answer(list(self.deps))
        self.logic = [logic_answer(self.deps)]
        self.config = ("```yaml\ntraining:\n  lr: 0.05  # R3\n  epochs: 3\n  batch_size: 16  # R4\nsmoke:\n"
                       "  steps: 1\n```")
        self.plan = "## Method\n" + "TinyNet is a two-layer perceptron. " * 10
        self.code_overrides: dict[str, list[str]] = {}
        self.debug_answers: dict[str, list[str]] = {}
        """Debugger answers by file (the last one repeats)."""
        self.debug_requests: list[str] = []
        self.fix_answers: dict[str, list[str]] = {}
        """Coder answers to an error its file raised, by file (the last one repeats; default: as written first)."""
        self.feedback_requests: list[str] = []
        self.checklist = {1: [("component", "TinyNet, two layers", "TinyNet has a hidden layer of 8 units with ReLU",
                               ""),
                              ("loss", "Cross-entropy loss", "The loss is cross entropy", "")],
                          2: [("hyperparameter", "SGD learning rate 0.05",
                               "trained with SGD at learning rate 0.05", "0.05"),
                              ("hyperparameter", "Batch size 16", "for 3 epochs with batch size 16", "16"),
                              ("data", "Iris dataset", "on the Iris dataset", "")],
                          3: [("metric", "Accuracy on a 20% test split", "evaluate accuracy on a 20% test split", "")]}
        """Checklist items by part: (kind, requirement, quote, value)."""
        self.part_items: list[tuple[str, str, str, str]] = []
        """Checklist items from the parts of the paper the planner did not read (given where the part holds the
        quote's first word)."""
        self.part_requests: list[str] = []
        self.unmarked: set[str] = set()
        """Files whose first answer leaves out the comments naming their checklist items."""
        self.items_requests: list[str] = []
        self.items_answer = ""
        """The answer to the coverage send-back (default: the file as it was, with its items marked)."""
        self.run_answers: list[str] = []
        """Answers to the request for the entry point's run() alone (the last one repeats)."""
        self.run_requests: list[str] = []
        self.assignments: dict[str, list[str]] | None = None
        """Checklist ids by file in the logic design (None: every id the request lists goes to the last file)."""

    def interfaces(self) -> str:
        """The interface table's rows: each file but main.py defines run_<name>() (as code_for writes it)."""
        return json.dumps({"files": [{"path": f, "classes": [],
                                      "functions": [{"name": f"run_{f[:-3].replace('/', '_')}", "params": []}]}
                                     for f in self.deps if f != "main.py"]})

    def _with_items(self, answer: str, request: str) -> str:
        """The logic answer with the checklist's ids assigned (when the request lists requirements)."""
        ids = re.findall(r"^  - (R\d+) \(", request, re.MULTILINE)
        try:
            data = json.loads(answer)
        except ValueError:
            return answer
        if not ids or not isinstance(data, dict) or not data.get("tasks"):
            return answer
        for t in data["tasks"]:
            t.setdefault("items", (self.assignments or {}).get(t.get("path"), []))
        if self.assignments is None:
            data["tasks"][-1]["items"] = ids
        return json.dumps(data)

    def __call__(self, messages):
        req = last_request(messages)
        if req.startswith("That answer cannot be used"):  # the request re-asked: the human turn before it
            req = next(str(m.content) for m in reversed(messages[:-1])
                       if m.type == "human" and not str(m.content).startswith("That answer cannot be used"))
        m = re.search(r"and `([^`]+)` has problems\. Fix them\.", req)
        if m:
            self.debug_requests.append(req)
            answers = self.debug_answers.get(m.group(1)) or ["no edits"]
            return answers.pop(0) if len(answers) > 1 else answers[0]
        m = re.search(r"Write the whole file `([^`]+)` again, with the error fixed", req)
        if m:
            self.feedback_requests.append(req)
            answers = self.fix_answers.get(m.group(1)) or self.code_overrides.get(m.group(1))
            if answers:
                return answers.pop(0) if len(answers) > 1 else answers[0]
            return code_for(m.group(1), self.deps.get(m.group(1), []))
        if "Request 1 of the planning" in req:
            return self.plan
        if "Request: the requirements checklist, from this part only" in req:
            self.part_requests.append(req)
            return json.dumps({"items": [{"kind": k, "requirement": r, "quote": q, "section": "", "value": v}
                                         for k, r, q, v in self.part_items if q.split()[0] in req]})
        m = re.search(r"Request: the requirements checklist, part (\d)", req)
        if m:
            return json.dumps({"items": [{"kind": k, "requirement": r, "quote": q, "section": "", "value": v}
                                         for k, r, q, v in self.checklist.get(int(m.group(1)), [])]})
        if "Request 2 of the planning" in req:
            return self.architecture
        if "Request 3 of the planning" in req:
            n = sum(1 for m in messages if str(m.content).startswith("That answer cannot be used"))
            return self._with_items(self.logic[min(n, len(self.logic) - 1)], req)
        if "Request 4 of the planning" in req:
            return self.config
        if "Request 5: the interface table" in req:
            return self.interfaces()
        m = re.search(r"implementation spec for one file: `([^`]+)`", req)
        if m:
            return f"Spec of {m.group(1)}: define run_{m.group(1)} returning the number of deps. " * 2
        if "is the repository's entry point: `python" in req:
            self.run_requests.append(req)
            answers = self.run_answers or ["```python\ndef run(config, smoke):\n    print(run_train())\n```"]
            return answers.pop(0) if len(answers) > 1 else answers[0]
        m = re.search(r"Write the whole file `([^`]+)` again with each of them implemented", req)
        if m:
            self.items_requests.append(req)
            if self.items_answer:
                return self.items_answer
            return _marked(str(messages[-2].content), req)  # the file as it was, with the items marked
        m = re.search(r"Write the complete file `([^`]+)`", req)
        if m:
            path = m.group(1)
            answers = self.code_overrides.get(path)
            if answers:
                return answers.pop(0) if len(answers) > 1 else answers[0]
            code = code_for(path, self.deps.get(path, []))
            return code if path in self.unmarked else _marked(code, req)
        raise AssertionError(f"unexpected request: {req[:200]}")


@pytest.fixture
def scripted(tmp_path):
    """Register a scripted model under a unique spec; yields (script, model, context factory)."""
    script = Script()
    model = ScriptedChatModel(script=script)
    name = f"scripted-{id(model)}"
    model.temperatures = []

    def factory(ctx, max_tokens):
        model.temperatures.append(ctx.temperature)
        return model

    register_chat_model(name, factory)

    def context(**kw) -> RunContext:
        kw.setdefault("out_dir", str(tmp_path / "run"))
        kw.setdefault("cache", False)
        kw.setdefault("verify", False)  # the verify-and-repair stage has tests of its own
        return RunContext(model=name, **kw)

    return script, model, context


@pytest.fixture
def paper_file(tmp_path) -> Path:
    p = tmp_path / "tiny.md"
    p.write_text(PAPER)
    return p


@pytest.fixture(autouse=True, scope="session")
def private_runtimes(tmp_path_factory):
    """The generated code's runtimes (venvs with its requirements) live in a folder of the test session's own,
    for this process and the commands it starts; made once per requirement set within the session."""
    import os

    os.environ["PAPERCODER_RUNTIME_DIR"] = str(tmp_path_factory.mktemp("runtimes"))


@pytest.fixture(autouse=True)
def private_response_cache(tmp_path, monkeypatch):
    """Runs that keep the response cache on use a file of the test's own, never the user's cache."""
    from papercoder.llm import cache

    monkeypatch.setattr(cache, "default_path", lambda: tmp_path / "responses.sqlite")
