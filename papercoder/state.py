"""Graph state: JSON-able TypedDicts with reducers where parallel branches write.

``typing_extensions.TypedDict`` (not ``typing.TypedDict``) keeps LangGraph Studio's input form working on
Python 3.11.
"""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

from typing_extensions import TypedDict


def merge_dicts(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    """Reducer: union of two dicts, the right one winning on shared keys."""
    return {**(left or {}), **(right or {})}


def append_unique(left: list[Any] | None, right: list[Any] | None) -> list[Any]:
    """Reducer: append items not already present (subgraphs hand back their whole list)."""
    out = list(left or [])
    out.extend(item for item in (right or []) if item not in out)
    return out


class PaperCoderInput(TypedDict):
    """What a caller gives the graph."""

    paper: str
    """The paper: a path to a PDF, Markdown or text file, or the paper's text itself."""
    title: NotRequired[str]
    """Optional title, used when the text has none."""
    out_dir: NotRequired[str]
    """Optional output folder (else the context's ``out_dir``, else a new folder in the user's data dir)."""
    run_id: NotRequired[str]
    """Optional id of a run whose folder the caller prepared (the CLI's durable runs); normally left out."""


class PaperCoderOutput(TypedDict):
    """What the graph hands back."""

    out_dir: str
    """The run folder: repo/, artifacts/ and run.json."""
    repo_dir: str
    """The generated repository."""
    files: list[str]
    """Files written to the repository."""
    summary: dict[str, Any]
    """Status, token totals, timings and recorded problems."""


class PaperCoderState(TypedDict):
    """The whole state of a run. Artifacts are stored as pydantic ``model_dump()`` dicts."""

    paper: str
    title: NotRequired[str]
    out_dir: NotRequired[str]
    run_id: NotRequired[str]
    repo_dir: NotRequired[str]
    paper_files: NotRequired[dict[str, str]]
    """Where the paper as the agents read it is kept (``papercoder.papertexts``): its text is not in the state."""
    paper_md: NotRequired[str]
    """The paper's text, for a caller that hands it over itself (ingest keeps it on disk instead)."""
    paper_digest: NotRequired[str]
    paper_rest: NotRequired[str]
    paper_info: NotRequired[dict[str, Any]]
    plan: NotRequired[str]
    checklist: NotRequired[dict[str, Any]]
    """The paper's requirements (``papercoder.checklist``): ``items`` with ids, ``dropped`` with the reason."""
    architecture: NotRequired[dict[str, Any]]
    logic_design: NotRequired[dict[str, Any]]
    logic_reasks: NotRequired[list[str]]
    config_yaml: NotRequired[str]
    dag: NotRequired[dict[str, Any]]
    interfaces: NotRequired[dict[str, Any]]
    """The interface table (``papercoder.interfaces``): what each file defines, fixed before coding."""
    analyses: NotRequired[Annotated[dict[str, str], merge_dicts]]
    code: NotRequired[Annotated[dict[str, str], merge_dicts]]
    """Each repository file written, with the sha256 of its text: the text is in ``repo/``, not in the state."""
    generation: NotRequired[int]
    errors: NotRequired[Annotated[list[dict[str, Any]], append_unique]]
    files: NotRequired[list[str]]
    summary: NotRequired[dict[str, Any]]
    review: NotRequired[dict[str, Any]]
    reviews: NotRequired[Annotated[list[dict[str, Any]], append_unique]]
    review_feedback: NotRequired[str]
    verification: NotRequired[dict[str, Any]]
    smoke: NotRequired[dict[str, Any]]
    """The smoke run after the last generation of coders (``papercoder.nodes.smoke``)."""
    coverage: NotRequired[dict[str, Any]]
    """Where each checklist item is in the code (``papercoder.coverage``): ``before`` and ``after`` the send-back."""


PREFIX_KEYS = ("out_dir", "run_id", "title", "paper_files", "paper_md", "paper_digest", "plan", "architecture",
               "logic_design", "config_yaml", "review_feedback", "dag", "interfaces", "checklist")
"""What every analyst and coder call is built from: the run folder, the shared conversation (paper, plan, design,
config) and the dependency graph. Nothing that grows with the files written. The rest of the paper is the
planner's alone."""


class FileTask(TypedDict):
    """Payload of one analyst or coder branch (sent with ``Send``): what its call needs, not the whole state.

    The shared-prefix inputs (:data:`PREFIX_KEYS`), the file, and for a coder its own analysis and the code of
    the files it depends on. Other files written so far are on disk (``repo/``), not in the payload.
    """

    out_dir: str
    run_id: NotRequired[str]
    title: NotRequired[str]
    paper_files: NotRequired[dict[str, str]]
    paper_md: NotRequired[str]
    """A caller's own paper text (a run's ingest keeps it on disk: ``paper_files``)."""
    paper_digest: NotRequired[str]
    plan: str
    architecture: dict[str, Any]
    logic_design: dict[str, Any]
    config_yaml: str
    review_feedback: NotRequired[str]
    dag: dict[str, Any]
    interfaces: NotRequired[dict[str, Any]]
    checklist: NotRequired[dict[str, Any]]
    file: str
    """The file this branch analyses or writes."""
    analysis: NotRequired[str]
    """A coder's own file's analysis."""
    dependency_code: NotRequired[dict[str, str]]
    """A coder's dependencies' code, by path (transitive dependencies included)."""
    feedback: NotRequired[str]
    """For a coder sent back after the smoke run: the error, whose innermost frame is in this file."""
    missing_items: NotRequired[list[dict[str, Any]]]
    """For a coder sent back by the coverage check: its file's checklist items found nowhere in the code."""


def file_task(state: PaperCoderState, path: str, **extra: Any) -> FileTask:
    """The payload of ``path``'s branch: the prefix inputs of ``state``, the file, and ``extra``."""
    task = {k: state[k] for k in PREFIX_KEYS if k in state}  # type: ignore[literal-required]
    return FileTask(**task, file=path, **extra)  # type: ignore[typeddict-item]
