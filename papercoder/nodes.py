"""Graph nodes that are not agents: ingest, dependency graph, analyst and coder schedules, the stage router."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Send

from papercoder import coverage, depgraph, papertexts
from papercoder.context import RunContext
from papercoder.llm.models import model_label
from papercoder.paper import compact, load_paper, remainder
from papercoder.runtime import context_of, workspace_of
from papercoder.state import FileTask, PaperCoderState, file_task
from papercoder.verify.trial import record as record_trial
from papercoder.verify.trial import requirements_of, smoke_run
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
    return {"out_dir": str(ws.root), "run_id": ws.run_id, "repo_dir": str(ws.repo), "paper_info": info,
            "title": paper.title, **papertexts.save(ws, paper_md=md, paper_digest=digest, paper_rest=rest,
                                paper_full=paper.to_markdown())}


def build_dag(state: PaperCoderState) -> dict[str, Any]:
    """Build and repair the file dependency DAG; write ``artifacts/dependency_graph.json``."""
    design = state["logic_design"]
    deps = {t["path"]: t["depends_on"] for t in design["tasks"]}
    dag = depgraph.build(design["task_list"], deps, reasked=state.get("logic_reasks", []),
                         entry_point=state["architecture"]["entry_point"]).model_dump()
    workspace_of(state).write_artifact("dependency_graph.json", dag)
    return {"dag": dag, "generation": 0}


def dispatch_analysts(state: PaperCoderState) -> list[Send]:
    """One analyst per file, all in parallel."""
    return [Send("analyst", file_task(state, f)) for f in state["dag"]["nodes"]]


def start_coding(state: PaperCoderState) -> dict[str, Any]:
    """Coding starts at generation 0."""
    return {"generation": 0}


def dispatch_coders(state: PaperCoderState) -> list[Send] | str:
    """One coder per file of the current topological generation; done after the last one.

    Each coder's payload has its own analysis and its dependencies' code, not every file written so far.
    """
    gens = state["dag"]["generations"]
    g = state.get("generation", 0)
    if g >= len(gens):
        return "done"
    return [Send("coder", _coder_task(state, f)) for f in gens[g]]


def _coder_task(state: PaperCoderState, path: str, **extra: Any) -> FileTask:
    """A coder's payload: its analysis and its dependencies' code (read from ``repo/``), and ``extra``."""
    ws = workspace_of(state)
    deps = depgraph.dependencies_of(state["dag"], path)
    return file_task(state, path, analysis=(state.get("analyses") or {}).get(path, ""),
                     dependency_code={d: ws.read_repo_file(d) for d in deps}, **extra)


def smoke(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """After the last generation, with verification on: the entry point's smoke run, once.

    Its error goes back to the coder of the file of the innermost repository frame (:func:`after_smoke`); when
    that coder is done, this node is reached again and only marks the check done.
    """
    ctx = context_of(runtime)
    done = state.get("smoke")
    if done is not None or not ctx.verify:
        return {"smoke": {**(done or {"check": "smoke", "skipped": True}), "done": True}}
    ws = workspace_of(state)
    trial = smoke_run(ws.repo, state["architecture"]["entry_point"],
                      requirements_of(state["logic_design"]["required_packages"],
                                      {p.relative_to(ws.repo).as_posix(): p.read_text(encoding="utf-8")
                                       for p in ws.repo.rglob("*.py")}), install=ctx.install)
    record_trial(ws, "smoke", "smoke", trial)
    return {"smoke": {"check": "smoke", "ok": trial.ok, "error": trial.error, "file": trial.file,
                      "not_ours": trial.not_ours}}


def after_smoke(state: PaperCoderState) -> list[Send] | str:
    """The coder of the failing file, with the smoke run's error; else done."""
    s = state.get("smoke") or {}
    if s.get("done") or s.get("skipped") or s.get("ok") or s.get("not_ours") or s.get("file") not in state["dag"][
            "nodes"]:
        return "done"
    return [Send("coder", _coder_task(state, s["file"], feedback=s["error"]))]


def check_coverage(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """After the smoke run: trace the checklist in the code (``artifacts/coverage.json``).

    The first pass is ``before`` (its missing items go back to their files' coders once, :func:`after_coverage`;
    the files missing most first, as many as ``RunContext.effective_checklist_sendback`` allows);
    the pass after those coders is ``after``. Without a checklist, nothing to do.
    """
    if not (state.get("checklist") or {}).get("items"):
        return {"coverage": {"skipped": True, "done": True}}
    ws = workspace_of(state)
    sources = {f: ws.read_repo_file(f) for f in state.get("code", {}) if f != "config.yaml"}
    found = coverage.trace(state["checklist"], sources, ws.read_repo_file("config.yaml"))
    previous = state.get("coverage") or {}
    if "before" not in previous:
        missing = {f: rows for f, rows in coverage.missing_by_file(found).items() if f in state["dag"]["nodes"]}
        most = context_of(runtime).effective_checklist_sendback()
        sent = sorted(sorted(missing, key=lambda f: (-len(missing[f]), f))[:most])
        result = {"before": found, "after": found, "sent": sent, "done": not sent}
    else:
        result = {**previous, "after": found, "done": True}
    ws.write_artifact("coverage.json", result)
    ws.update_run(coverage={"before": _share(result["before"]), "after": _share(found), "sent": result["sent"]})
    return {"coverage": result}


def _share(found: dict[str, Any]) -> dict[str, Any]:
    return {k: found[k] for k in ("total", "traced", "share", "hyperparameters", "hyperparameters_in_config")}


def after_coverage(state: PaperCoderState) -> list[Send] | str:
    """The coders of files with missing items, once, each with its items; else done."""
    c = state.get("coverage") or {}
    if c.get("done"):
        return "done"
    missing = coverage.missing_by_file(c["before"])
    return [Send("coder", _coder_task(state, f, missing_items=missing[f])) for f in c["sent"]]


def next_generation(state: PaperCoderState) -> dict[str, Any]:
    """Join point after one generation of coders."""
    return {"generation": state.get("generation", 0) + 1}


NEXT = {"planning": "analysis", "analysis": "coding"}


def next_stage(done: str, state: PaperCoderState, ctx: RunContext) -> str:
    """Where the run goes after stage ``done`` (review, analysis or finalize): the one place that decides.

    A rejected review goes back to planning; a run asked to stop after planning or analysis stops there; after
    finalize, the repository is verified unless verification is off.
    """
    if done == "review":
        if (state.get("review") or {}).get("action") == "reject":
            return "planning"
        done = "planning"
    if done == "finalize":
        return "verify" if ctx.verify else END
    return "stop_early" if ctx.stop_after == done else NEXT[done]


def route_after(done: str) -> Callable[[PaperCoderState, Runtime[RunContext]], str]:
    """The conditional edge after stage ``done`` (it asks :func:`next_stage`)."""

    def route(state: PaperCoderState, runtime: Runtime[RunContext]) -> str:
        return next_stage(done, state, context_of(runtime))

    route.__name__ = f"after_{done}"
    return route


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
