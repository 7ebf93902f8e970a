"""Framework overhead benchmark: full runs with a model that answers instantly, for plans of 5, 20 and 80 files.

Usage (from the repository root)::

    python benchmarks/overhead.py [--files 5 20 80] [--repeat 3] [--json out.json]

The model is the test suite's scripted chat model, in process (no HTTP), answering at once; so the time is
the framework's: prompts, validation, the dependency graph, LangGraph's scheduling, the workspace's writes
(run.json, artifacts, repository). The plan of N files has generations of up to 4 files, each file
depending on up to two files of the generation before. Reported per plan size: the run's wall time (the
fastest of ``--repeat``) with the part spent compiling the graph, node executions (from LangGraph's update
stream), milliseconds per node execution (wall and the process's CPU time: on a busy machine the CPU figure is
the steadier one), and the time per node by node name. Target: < 5 ms per node, growing no worse than
linearly with files.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from papercoder import build_graph  # noqa: E402
from papercoder.context import RunContext  # noqa: E402
from papercoder.llm import register_chat_model  # noqa: E402
from tests.conftest import PAPER, Script  # noqa: E402
from tests.scripted import ScriptedChatModel  # noqa: E402


def plan(n: int) -> dict[str, list[str]]:
    """N files (the last is main.py) in generations of up to 4, each depending on up to 2 of the one before."""
    names = [f"m{i:03d}.py" for i in range(n - 1)] + ["main.py"]
    gens = [names[i:i + 4] for i in range(0, n - 1, 4)] + [["main.py"]]
    deps: dict[str, list[str]] = {}
    for g, files in enumerate(gens):
        for j, f in enumerate(files):
            before = gens[g - 1] if g else []
            deps[f] = before if f == "main.py" else before[j % max(1, len(before)):][:2]
    return deps


def run_once(n: int, work: Path) -> dict[str, Any]:
    """One run of an N-file plan; wall time and per-node times (from the gaps in the update stream)."""
    model = ScriptedChatModel(script=Script(plan(n)))
    name = f"overhead-{n}-{id(model)}"
    register_chat_model(name, lambda ctx, max_tokens: model)
    ctx = RunContext(model=name, out_dir=str(work), cache=False, verify=False, max_files=n, concurrency=4)
    per_node: dict[str, list[float]] = defaultdict(list)
    started = last = time.perf_counter()
    cpu = time.process_time()
    app = build_graph().compile()
    compiled = time.perf_counter() - started
    nodes = 0
    for _ns, update in app.stream({"paper": PAPER, "title": "Tiny"}, context=ctx,
                                                     stream_mode="updates", subgraphs=True):
        now = time.perf_counter()
        for node in update:
            per_node[node].append(now - last)
            nodes += 1
        last = now
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu
    summary = json.loads((work / "run.json").read_text())["summary"]
    assert summary["status"] == "completed" and summary["python_files"] == n, summary
    return {"files": n, "seconds": total, "node_executions": nodes, "calls": summary["calls"],
            "ms_per_node": 1000 * total / nodes, "cpu_ms_per_node": 1000 * cpu / nodes,
            "compile_ms": 1000 * compiled,
            "by_node_ms": {k: round(1000 * sum(v) / len(v), 2) for k, v in sorted(per_node.items())}}


def main() -> None:
    """Run each plan size ``--repeat`` times; print the fastest of each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, nargs="+", default=[5, 20, 80])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="papercoder-overhead-"))
    run_once(5, root / "warm-up")  # imports, tokenizer and prompt files loaded once
    rows = []
    for n in args.files:
        best = min((run_once(n, root / f"n{n}-{i}") for i in range(args.repeat)), key=lambda r: r["seconds"])
        rows.append(best)
    print(f"{'files':>5} {'run s':>7} {'compile ms':>10} {'nodes':>6} {'calls':>6} {'ms/node':>8} {'cpu ms/node':>11}"
          "  slowest nodes (mean ms)")
    for r in rows:
        slow = sorted(r["by_node_ms"].items(), key=lambda kv: -kv[1])[:3]
        print(f"{r['files']:>5} {r['seconds']:>7.2f} {r['compile_ms']:>10.1f} {r['node_executions']:>6} "
              f"{r['calls']:>6} {r['ms_per_node']:>8.2f} {r['cpu_ms_per_node']:>11.2f}  "
              + ", ".join(f"{k} {v}" for k, v in slow))
    small, large = rows[0], rows[-1]
    growth = (large["ms_per_node"] / small["ms_per_node"]) if small["ms_per_node"] else float("nan")
    print(f"ms per node from {small['files']} to {large['files']} files: x{growth:.2f} "
          f"(flat = linear total growth); target < 5 ms per node: "
          f"{'met' if all(r['ms_per_node'] < 5 for r in rows) else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "growth": growth}, indent=2))


if __name__ == "__main__":
    main()
