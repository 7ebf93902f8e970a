"""Graph nodes that are not agents: ingest, dependency graph, coding schedule."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml
from langgraph.runtime import Runtime
from langgraph.types import Send

from papercoder import depgraph
from papercoder.agents.conversation import context_of, workspace_of
from papercoder.context import RunContext
from papercoder.llm.models import model_label
from papercoder.paper import compact, load_paper, remainder
from papercoder.state import PaperCoderState
from papercoder.workspace import Workspace, default_out_dir


def ingest(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Read the paper, compact it to the token budget, open the run folder, write ``artifacts/paper.md``."""
    ctx = context_of(runtime)
    paper = load_paper(state["paper"], title=state.get("title", ""))
    name = Path(paper.source).stem if paper.source and paper.source != "<text>" else (paper.title or "paper")
    out_dir = state.get("out_dir") or ctx.out_dir or str(default_out_dir(name))
    ws = Workspace(out_dir, state.get("run_id") or None).start_fresh()
    md, info = compact(paper, ctx.effective_paper_budget())
    digest, digest_info = compact(paper, ctx.effective_digest_budget(), digest=True)
    rest, rest_info = remainder(paper, ctx.effective_paper_budget(), ctx.effective_digest_budget())
    info.update({"source": paper.source, "format": paper.format, "title": paper.title,
                 "sections": len(paper.sections), "appendix_sections": len(paper.appendix),
                 "equations": len(paper.equations), "tables": len(paper.tables), "warnings": paper.warnings})
    front = yaml.safe_dump(info, sort_keys=False, allow_unicode=True, width=100)
    ws.write_artifact("paper.md", f"---\n{front}---\n\n{md}")
    digest_front = yaml.safe_dump(digest_info, sort_keys=False, allow_unicode=True, width=100)
    ws.write_artifact("paper_digest.md", f"---\n{digest_front}---\n\n{digest}")
    info["digest"] = {k: digest_info[k] for k in ("budget", "tokens", "dropped", "shortened")}
    info["rest"] = rest_info
    ws.update_run(status="running", paper=paper.source, title=paper.title, model=model_label(ctx),
                  started_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), paper_info=info,
                  settings={"concurrency": ctx.effective_concurrency(), "max_files": ctx.effective_max_files(),
                            "paper_token_budget": ctx.effective_paper_budget(),
                            "digest_token_budget": ctx.effective_digest_budget()})
    return {"out_dir": str(ws.root), "run_id": ws.run_id, "repo_dir": str(ws.repo), "paper_md": md,
            "paper_digest": digest, "paper_rest": rest, "paper_info": info, "title": paper.title}


def build_dag(state: PaperCoderState) -> dict[str, Any]:
    """Build and repair the file dependency DAG; write ``artifacts/dependency_graph.json``."""
    design = state["logic_design"]
    deps = {t["path"]: t["depends_on"] for t in design["tasks"]}
    dag = depgraph.build(design["task_list"], deps, reasked=state.get("logic_reasks", []),
                         entry_point=state["architecture"]["entry_point"]).model_dump()
    workspace_of(state).write_artifact("dependency_graph.json", dag)
    return {"dag": dag, "generation": 0}


def _payload(state: PaperCoderState, path: str) -> dict[str, Any]:
    return {**state, "file": path}


def dispatch_analysts(state: PaperCoderState) -> list[Send]:
    """One analyst per file, all in parallel."""
    return [Send("analyst", _payload(state, f)) for f in state["dag"]["nodes"]]


def dispatch_coders(state: PaperCoderState, runtime: Runtime[RunContext]) -> list[Send] | str:
    """One coder per file of the current topological generation; done after the last one.

    A run that stops after analysis is done at once.
    """
    if context_of(runtime).stop_after == "analysis":
        return "done"
    gens = state["dag"]["generations"]
    g = state.get("generation", 0)
    if g >= len(gens):
        return "done"
    return [Send("coder", _payload(state, f)) for f in gens[g]]


def start_coding(state: PaperCoderState) -> dict[str, Any]:
    """Join point after the analysts: coding starts at generation 0."""
    return {"generation": 0}


def next_generation(state: PaperCoderState) -> dict[str, Any]:
    """Join point after one generation of coders."""
    return {"generation": state.get("generation", 0) + 1}


def after_review(state: PaperCoderState, runtime: Runtime[RunContext]) -> str:
    """Back to planning after a rejection; else coding, unless the run stops after planning."""
    if (state.get("review") or {}).get("action") == "reject":
        return "planning"
    return "stop_early" if context_of(runtime).stop_after == "planning" else "coding"


def after_coding(state: PaperCoderState, runtime: Runtime[RunContext]) -> str:
    """Finalize the repository, unless the run stopped after the analysts."""
    return "stop_early" if context_of(runtime).stop_after == "analysis" else "finalize"


def stop_early(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """End a run that was asked to stop after planning or analysis: record it; artifacts are on disk."""
    stage = context_of(runtime).stop_after
    run = workspace_of(state).update_run(status=f"stopped_after_{stage}",
                                         finished_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    summary = {"status": run["status"], "title": state.get("title", ""), "calls": run["totals"]["calls"],
               "input_tokens": run["totals"]["input_tokens"], "output_tokens": run["totals"]["output_tokens"],
               "cost_usd": run["totals"]["cost_usd"]}
    workspace_of(state).update_run(summary=summary)
    return {"files": [], "summary": summary}
