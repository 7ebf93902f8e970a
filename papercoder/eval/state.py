"""State of the evaluation graph (JSON-able; parallel judge samples and leaf grades merge by reducers)."""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

from typing_extensions import TypedDict

from papercoder.state import merge_dicts


class EvalInput(TypedDict):
    """What a caller gives the evaluation graph."""

    repo: str
    """The repository to evaluate (a folder)."""
    paper: str
    """The paper it implements: a path (PDF, LaTeX, Markdown, ...) or its text."""
    reference: NotRequired[str]
    """The authors' repository (a folder): turns on reference-based judging."""
    rubric: NotRequired[str]
    """A PaperBench ``rubric.json``: turns on Code-Dev grading of its "Code Development" leaves."""
    out_dir: NotRequired[str]
    """Where eval.json, run.json and the graded tree go (default: beside the repository)."""
    judge: NotRequired[bool]
    """Whether to run the 1-5 judge (default true)."""


class EvalOutput(TypedDict):
    """What the evaluation graph hands back."""

    out_dir: str
    result: dict[str, Any]
    """The content of eval.json."""


class EvalState(EvalInput):
    """The whole state of one evaluation: the input, and what the nodes add."""

    view: NotRequired[dict[str, Any]]
    """The paper and code the judges read (text, selection records, budgets)."""
    metrics: NotRequired[dict[str, Any]]
    leaves: NotRequired[list[dict[str, Any]]]
    samples: Annotated[dict[str, Any], merge_dicts]
    """Judge verdicts by sample number."""
    grades: Annotated[dict[str, Any], merge_dicts]
    """Rubric grades by leaf id."""
    checklist: NotRequired[dict[str, Any]]
    """The run's checklist items and their coverage in the repository as it is now (a PaperCoder run's repo)."""
    matches: Annotated[dict[str, Any], merge_dicts]
    """Checklist items covering each rubric leaf, by leaf id."""
    result: NotRequired[dict[str, Any]]
