"""Nodes of the evaluation graph.

prepare (view, metrics, leaves), then the judge's samples and the grader's leaves in parallel (one ``Send`` each:
the judge and grader agents), then report (eval.json, the graded tree).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import Send

from papercoder.context import RunContext
from papercoder.eval.files import repo_files
from papercoder.eval.grading import plan_grading
from papercoder.eval.metrics import checklist_coverage, run_folder_of, static_metrics
from papercoder.eval.rubric import code_dev_leaves, leaf_parents, load_rubric, score_tree
from papercoder.eval.state import EvalState
from papercoder.eval.view import build_view
from papercoder.llm.models import model_label
from papercoder.runtime import context_of, workspace_of
from papercoder.workspace import Workspace

VIEW_FILE = "view.json"


class EvalInputError(ValueError):
    """An evaluation input (repository, reference, rubric) that cannot be used."""


def default_eval_dir(repo: Path) -> Path:
    """``RUN/eval`` for a run's repository, else ``<repo>-eval`` beside it."""
    run = run_folder_of(repo)
    return run / "eval" if run is not None else repo.resolve().parent / f"{repo.resolve().name}-eval"


def _folder(value: str | None, what: str) -> Path | None:
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise EvalInputError(f"{value}: the {what} is not a folder")
    return path


def prepare(state: EvalState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Check the inputs, build the judges' view, count the static metrics, list the rubric's leaves."""
    ctx = context_of(runtime)
    repo = _folder(state["repo"], "repository to evaluate")
    assert repo is not None
    reference = _folder(state.get("reference"), "reference repository")
    out = Path(state.get("out_dir") or default_eval_dir(repo)).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    leaves: list[dict[str, Any]] = []
    if state.get("rubric"):
        tree = load_rubric(state["rubric"])
        parents = leaf_parents(tree)
        leaves = [{"id": leaf.id, "requirements": leaf.requirements, "parent": parents.get(leaf.id, tree.id)}
                  for leaf in code_dev_leaves(tree)]
    view = build_view(paper=state["paper"], repo=repo, window=ctx.effective_judge_window(), reference=reference)
    if leaves and view["info"]["repo"]["left_out"]:
        view["grading"] = plan_grading(leaves, repo_files(repo), view["info"]["repo_budget"],
                                       view["info"]["repo"]["files"])
        place = {leaf_id: n for n, leaf_id in enumerate(view["grading"]["order"])}
        leaves.sort(key=lambda leaf: place[leaf["id"]])  # graded in this order: the longest shared prefixes
        view["info"]["grading"] = {k: view["grading"][k] for k in ("groups", "rule")}
    ws = Workspace(out)
    ws.write_artifact(VIEW_FILE, view)
    ws.update_run(status="running", kind="evaluation", repo=str(repo), paper=state["paper"],
                  judge_model=model_label(ctx.for_stage("judge")), started=time.time(), view=view["info"])
    update = {"out_dir": str(out), "repo": str(repo), "metrics": static_metrics(repo), "leaves": leaves,
              "view": {"info": view["info"]}}
    if (found := checklist_coverage(repo)) is not None:
        update["checklist"] = found
    return update


def fan_out(state: EvalState, runtime: Runtime[RunContext]) -> list[Send]:
    """One task per judge sample and per rubric leaf (finished ones are kept by the checkpointer)."""
    ctx = context_of(runtime)
    base = {"out_dir": state["out_dir"], "repo": state["repo"]}
    sends = []
    if state.get("judge", True):
        sends += [Send("judge", {**base, "k": k}) for k in range(max(0, ctx.judge_samples))]
    sends += [Send("grader", {**base, "leaf": leaf}) for leaf in state.get("leaves", [])]
    if (state.get("checklist") or {}).get("items"):
        sends += [Send("checklist_matcher", {**base, "leaf": leaf, "checklist": state["checklist"]["items"]})
                  for leaf in state.get("leaves", [])]
    return sends or [Send("report", state)]


def load_view(out_dir: str) -> dict[str, Any]:
    """The judges' view that :func:`prepare` wrote to the evaluation folder."""
    return json.loads((Path(out_dir) / "artifacts" / VIEW_FILE).read_text(encoding="utf-8"))


def judge_summary(samples: dict[str, Any]) -> dict[str, Any] | None:
    """Mean, spread and counts of the judge's usable verdicts (None when no sample was asked)."""
    if not samples:
        return None
    ordered = [samples[k] for k in sorted(samples, key=int)]
    scores = [s["score"] for s in ordered if s.get("score") is not None]
    return {"score": round(statistics.fmean(scores), 3) if scores else None,
            "stdev": round(statistics.stdev(scores), 3) if len(scores) > 1 else 0.0 if scores else None,
            "min": min(scores, default=None), "max": max(scores, default=None), "scores": scores,
            "samples": len(ordered), "valid": len(scores), "dropped": len(ordered) - len(scores),
            "drop_reasons": [s["dropped"] for s in ordered if s.get("score") is None],
            "critiques": next((s["critiques"] for s in ordered if s.get("critiques")), [])}


def checklist_result(state: EvalState) -> dict[str, Any]:
    """The checklist's coverage in the repository and, with a rubric, its recall of the Code-Dev leaves."""
    out = dict(state["checklist"]["coverage"])
    matches = state.get("matches") or {}
    if state.get("leaves"):
        covered = [k for k, m in matches.items() if m.get("items")]
        out["rubric"] = {"leaves": len(state["leaves"]), "covered": len(covered),
                         "recall": round(len(covered) / len(state["leaves"]), 3),
                         "unmatched": sum(1 for m in matches.values() if not m.get("matched"))}
    return out


def report(state: EvalState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Aggregate: judge mean and spread, the rubric's weighted Code-Dev score; write eval.json."""
    ctx = context_of(runtime)
    ws = workspace_of(state)
    run = ws.read_run()
    result: dict[str, Any] = {"repo": state["repo"], "paper": state["paper"],
                              "mode": "reference-based" if state.get("reference") else "reference-free",
                              "judge_model": model_label(ctx.for_stage("judge")), "metrics": state.get("metrics", {}),
                              "view": (state.get("view") or {}).get("info", {})}
    judged = judge_summary(state.get("samples") or {})
    if judged is not None:
        result["judge"] = judged
    if state.get("rubric"):
        grades = state.get("grades") or {}
        tree = score_tree(load_rubric(state["rubric"]), {k: int(g["score"]) for k, g in grades.items()
                                                         if g.get("graded")})
        ws.write_artifact("graded_tree.json", tree or {})
        result["rubric"] = {"path": state["rubric"], "leaves": len(state.get("leaves", [])),
                            "graded": sum(1 for g in grades.values() if g.get("graded")),
                            "ungraded": sum(1 for g in grades.values() if not g.get("graded")),
                            "met": sum(1 for g in grades.values() if g.get("score") == 1),
                            "score": tree["score"] if tree else None}
    if state.get("checklist"):
        result["checklist"] = checklist_result(state)
    totals = run.get("totals", {})
    result["totals"] = {k: totals.get(k) for k in ("calls", "input_tokens", "output_tokens", "cached_input_tokens",
                                                   "cost_usd", "cache_hits")}
    result["wall_seconds"] = round(time.time() - float(run.get("started") or time.time()), 1)
    (Path(state["out_dir"]) / "eval.json").write_text(json.dumps(result, indent=2, ensure_ascii=False),
                                                      encoding="utf-8")
    ws.update_run(status="completed", error=None,
                  result={k: result.get(k) for k in ("judge", "rubric", "checklist")})
    return {"result": result}
