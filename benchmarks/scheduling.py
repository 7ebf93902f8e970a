"""Scheduling benchmark: analysis and coding wall time against the critical-path bound, at several concurrencies.

Usage (from the repository root)::

    python benchmarks/scheduling.py [--latency 1.0] [--concurrency 1 2 4 8] [--json out.json]

The model is an OpenAI-compatible server on loopback (``tests/fake_openai.py``) that serves calls concurrently
and answers each after a fixed latency L. The plan has 12 files in 4 dependency generations (4, 4, 3, 1 files:
a widest generation of 4); the answers are the test suite's script, whose planning answers give that plan.
What is measured is the framework's scheduling, not the model: the analysis phase (first analyst request to
last analyst answer, at the server) and the coding phase (likewise for coders), against

* the bound at concurrency c: analysis ``ceil(n / c) * L``; coding ``sum over generations ceil(|g| / c) * L``
  (the sequential steps on the critical path when c calls can be in flight);
* the ratio of the two (target: <= 1.15 at c >= the widest generation).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from papercoder import build_graph  # noqa: E402
from papercoder.context import RunContext  # noqa: E402
from tests.conftest import PAPER, Script  # noqa: E402
from tests.fake_openai import FakeOpenAI  # noqa: E402

DEPS = {
    "config.py": [], "data.py": [], "tokenizer.py": [], "metrics.py": [],
    "model.py": ["config.py"], "dataset.py": ["data.py", "tokenizer.py"], "loss.py": ["config.py"],
    "optim.py": ["config.py"],
    "trainer.py": ["model.py", "dataset.py", "loss.py", "optim.py"], "evaluate.py": ["model.py", "metrics.py"],
    "export.py": ["model.py"],
    "main.py": ["trainer.py", "evaluate.py", "export.py"],
}
GENERATIONS = [4, 4, 3, 1]


class Timed:
    """The script's answer after ``latency`` seconds; records when each analyst and coder call came and went."""

    def __init__(self, latency: float):
        self.script, self.latency = Script(DEPS), latency
        self.spans: dict[str, list[tuple[float, float]]] = {"analyst": [], "coder": []}
        self.lock = threading.Lock()

    def __call__(self, messages):
        start = time.monotonic()
        last = str(messages[-1].content)
        kind = ("coder" if "Write the complete file `" in last
                else "analyst" if "implementation spec for one file: `" in last else None)
        answer = self.script(messages)
        time.sleep(max(0.0, self.latency - (time.monotonic() - start)))
        if kind:
            with self.lock:
                self.spans[kind].append((start, time.monotonic()))
        return answer


def _phase(spans: list[tuple[float, float]]) -> float:
    return max(e for _, e in spans) - min(s for s, _ in spans)


def main() -> None:
    """Run the plan at each concurrency and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="papercoder-scheduling-"))
    paper = work / "paper.md"
    paper.write_text(PAPER)
    rows: list[dict[str, Any]] = []
    n = len(DEPS)
    for c in args.concurrency:
        answer = Timed(args.latency)
        with FakeOpenAI(answer) as server:
            ctx = RunContext(model="scheduling", base_url=server.base_url, concurrency=c, cache=False, verify=False,
                             out_dir=str(work / f"c{c}"), max_files=n)
            started = time.perf_counter()
            out = build_graph().compile().invoke({"paper": str(paper)}, context=ctx)
            total = time.perf_counter() - started
        assert out["summary"]["status"] == "completed", out["summary"]
        generations = json.loads((work / f"c{c}" / "artifacts" / "dependency_graph.json").read_text())["generations"]
        assert [len(g) for g in generations] == GENERATIONS, generations
        bound_a = math.ceil(n / c) * args.latency
        bound_c = sum(math.ceil(g / c) for g in GENERATIONS) * args.latency
        a, k = _phase(answer.spans["analyst"]), _phase(answer.spans["coder"])
        rows.append({"concurrency": c, "analysis_s": round(a, 3), "analysis_bound_s": bound_a,
                     "analysis_ratio": round(a / bound_a, 3), "coding_s": round(k, 3), "coding_bound_s": bound_c,
                     "coding_ratio": round(k / bound_c, 3), "run_s": round(total, 2),
                     "calls": len(answer.spans["analyst"]) + len(answer.spans["coder"])})
    print(f"plan: {n} files in {len(GENERATIONS)} generations {GENERATIONS}; latency L = {args.latency} s per call")
    print(f"{'c':>3} {'analysis s':>11} {'bound':>6} {'ratio':>6} {'coding s':>9} {'bound':>6} {'ratio':>6} "
          f"{'run s':>6}")
    for r in rows:
        print(f"{r['concurrency']:>3} {r['analysis_s']:>11.2f} {r['analysis_bound_s']:>6.1f} "
              f"{r['analysis_ratio']:>6.3f} {r['coding_s']:>9.2f} {r['coding_bound_s']:>6.1f} "
              f"{r['coding_ratio']:>6.3f} {r['run_s']:>6.1f}")
    widest = max(GENERATIONS)
    ok = all(r["analysis_ratio"] <= 1.15 and r["coding_ratio"] <= 1.15 for r in rows if r["concurrency"] >= widest)
    print(f"target (ratio <= 1.15 at concurrency >= {widest}): {'met' if ok else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps({"latency": args.latency, "files": n, "generations": GENERATIONS,
                                         "rows": rows, "target_met": ok}, indent=2))


if __name__ == "__main__":
    main()
