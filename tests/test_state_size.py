"""The graph state, and so every checkpoint and every Send, holds paths and hashes, not the paper or the code."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from papercoder import build_graph
from papercoder.papertexts import paper_texts
from papercoder.workspace import text_hash


def test_checkpoints_hold_neither_the_paper_nor_the_code(scripted, paper_file):
    script, model, context = scripted
    ctx = context(verify=True, repair_rounds=1)
    saver = InMemorySaver()
    app = build_graph().compile(checkpointer=saver)
    cfg = {"configurable": {"thread_id": uuid.uuid4().hex}}
    app.invoke({"paper": str(paper_file)}, context=ctx, config=cfg)
    repo = Path(ctx.out_dir) / "repo"
    state = app.get_state(cfg).values
    assert "paper_md" not in state and set(state["paper_files"]) == {"paper_md", "paper_digest", "paper_rest",
                                                                                 "paper_full"}
    assert paper_texts(state)["paper_md"] == (Path(ctx.out_dir) / "paper/paper.md").read_text()
    assert "Tiny Nets Learn Fast" in paper_texts(state)["paper_md"]
    assert state["code"] == {p: text_hash((repo / p).read_text()) for p in ("data.py", "model.py", "train.py",
                                                                            "main.py")}
    # what the saver kept (channel values of every step, pending writes) has neither the paper's text nor the code,
    # but for the code of a coder's own dependencies, which its Send carries, and the checklist's short quotes
    kept, sends = [], []
    for c in saver.list(None):
        for channel, value in [*c.checkpoint["channel_values"].items(), *((w[1], w[2]) for w in c.pending_writes)]:
            if channel == "__pregel_tasks":
                sends += value if isinstance(value, list) else [value]
            else:
                kept.append(str(value))
    assert "We propose TinyNet" not in "".join(kept) and not re.search(r"def run_\w+\(\)", "".join(kept))
    coders = {s.arg["file"]: s.arg for s in sends if s.node == "coder"}
    assert set(coders["train.py"]["dependency_code"]) == {"data.py", "model.py"}
    assert coders["data.py"]["dependency_code"] == {}
    assert all("code" not in s.arg and "analyses" not in s.arg and "We propose TinyNet" not in str(s.arg)
               for s in sends)
    # the coders still saw their dependencies' code, read from repo/
    train = next(c for c in model.calls if "Write the complete file `train.py`" in str(c["messages"][-1].content))
    assert "def run_data()" in str(train["messages"][-1].content)


def test_a_caller_may_hand_over_the_paper_text_itself(tmp_path):
    state = {"paper_md": "the paper", "paper_digest": "", "out_dir": str(tmp_path)}
    assert paper_texts(state) == {"paper_md": "the paper", "paper_digest": "", "paper_rest": "", "paper_full": ""}
