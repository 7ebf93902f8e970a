"""Checkpoint size benchmark: what a durable 6-file scripted run keeps in LangGraph's SQLite checkpointer.

Usage (from the repository root)::

    python benchmarks/checkpoint.py [--paper PATH] [--code-lines 150] [--keep DIR] [--json out.json]

The run is the test suite's scripted model, in process, on a real paper (``--paper``, default the Transformer's
LaTeX from ../shared, else the project's example) with a plan of 6 files in four generations, each file about
``--code-lines`` lines long, through the same path as ``papercoder run`` (SQLite checkpointer in the run folder,
``durability="sync"``), with verification on and one repair round: ``model.py`` is written with an import of a
module that does not exist, and the debugger's edit fixes it. Reported: the size of ``checkpoints.sqlite`` and
the bytes of its two tables (checkpoints: the channel values at each step; writes: each task's pending writes),
the largest single checkpoint, and the number of checkpoints.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from papercoder import build_graph, durable  # noqa: E402
from papercoder.context import RunContext  # noqa: E402
from papercoder.llm import register_chat_model  # noqa: E402
from tests.conftest import Script  # noqa: E402
from tests.scripted import ScriptedChatModel  # noqa: E402

DEPS = {"config.py": [], "data.py": ["config.py"], "model.py": ["config.py"], "losses.py": ["model.py"],
        "train.py": ["data.py", "model.py", "losses.py"], "main.py": ["train.py"]}
BROKEN = "```python\nimport numpyy\n\n\ndef run_model():\n    return 0\n```"
FIX = "model.py\n<<<<<<< SEARCH\nimport numpyy\n=======\nimport math\n>>>>>>> REPLACE\n"


def code(path: str, deps: list[str], lines: int) -> str:
    """A file of about ``lines`` lines that imports its dependencies (as a coder's answer)."""
    body = "\n".join(f"def {path[:-3]}_step_{i}(x):\n    return x + {i}\n\n" for i in range(max(1, lines // 3)))
    imports = "".join(f"import {d[:-3]}\n" for d in deps)
    return f"```python\n{imports}\n\n{body}```"


def run(work: Path, paper: Path, lines: int) -> dict[str, Any]:
    """One durable run into ``work``; the checkpointer's figures."""
    script = Script(dict(DEPS))
    for path, deps in DEPS.items():
        script.code_overrides[path] = [code(path, deps, lines)]
    script.code_overrides["model.py"] = [BROKEN.replace("```python\n", "```python\n" + code("model.py", [], lines)
                                                        .removeprefix("```python\n").removesuffix("```"))]
    script.debug_answers["model.py"] = [FIX]
    model = ScriptedChatModel(script=script)
    name = f"checkpoint-{id(model)}"
    register_chat_model(name, lambda ctx, max_tokens: model)
    ctx = RunContext(model=name, out_dir=str(work / "run"), cache=False, verify=True, repair_rounds=1,
                     max_files=6, concurrency=2)
    ws = durable.prepare(Path(ctx.out_dir), ctx, str(paper))
    cfg = {"configurable": {"thread_id": uuid.uuid4().hex}, "max_concurrency": 3}
    with durable.checkpointer(ws.root) as saver:
        app = build_graph().compile(checkpointer=saver)
        final = app.invoke({"paper": str(paper), "out_dir": str(ws.root), "run_id": ws.run_id}, context=ctx,
                           config=cfg, durability="sync")
    db = ws.root / "checkpoints.sqlite"
    with sqlite3.connect(db) as conn:
        cp = conn.execute("SELECT COUNT(*), SUM(LENGTH(checkpoint) + LENGTH(metadata)), "
                          "MAX(LENGTH(checkpoint)) FROM checkpoints").fetchone()
        wr = conn.execute("SELECT COUNT(*), SUM(LENGTH(value)) FROM writes").fetchone()
    verification = final["summary"].get("executability", {})
    return {"status": final["summary"]["status"], "python_files": final["summary"]["python_files"],
            "repair_rounds_used": verification.get("repair_rounds_used"),
            "blocking_after": (verification.get("after") or {}).get("blocking"),
            "sqlite_bytes": db.stat().st_size, "checkpoints": cp[0], "checkpoint_bytes": cp[1],
            "largest_checkpoint_bytes": cp[2], "writes": wr[0], "write_bytes": wr[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = ROOT.parent / "shared" / "papers" / "transformer" / "paper.tex"
    parser.add_argument("--paper", type=Path, default=shared if shared.is_file() else ROOT / "examples/smoothmix.md")
    parser.add_argument("--code-lines", type=int, default=150, help="lines of each generated file")
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = run(args.keep, args.paper.resolve(), args.code_lines)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            figures = run(Path(tmp), args.paper.resolve(), args.code_lines)
    print(f"{'paper':>26}: {args.paper}")
    for key, value in figures.items():
        print(f"{key:>26}: {value:,}" if isinstance(value, int) else f"{key:>26}: {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
