"""Pydantic models of the artifacts the agents produce.

Every model here is validated when an agent answers and stored in the graph state as ``model_dump()``,
so the state stays JSON-able. Lists and strings the model writes are bounded: a small model asked for an
unbounded array tends to run on to its token limit.
"""

from __future__ import annotations

import functools

from pydantic import BaseModel, Field, create_model

ENTRY_POINT_NAMES = ("main.py", "train.py", "run.py", "run_experiment.py", "run_experiments.py")


class FileEntry(BaseModel):
    """A file of the planned repository."""

    path: str = Field(description="Relative path inside the repository, e.g. 'model.py'.")
    description: str = Field(default="", description="What the file holds.")


class Architecture(BaseModel):
    """The architect's answer: approach, files and two mermaid diagrams."""

    implementation_approach: str
    files: list[FileEntry]
    entry_point: str
    class_diagram: str
    sequence_diagram: str


LOGIC_TASKS_DEFAULT = 20


class FileLogic(BaseModel):
    """One task of the logic design: a file, what it does and what it needs."""

    path: str = Field(max_length=80, description="A file from the architect's file list.")
    logic: str = Field(max_length=700, description="What this file implements and how, in a few sentences.")
    depends_on: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="Other files of the list whose classes or functions this file imports.",
    )
    items: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="Ids of the requirements checklist's items this file implements (e.g. 'R3').",
    )


class LogicDesignAnswer(BaseModel):
    """The logic designer's structured answer (bounded for small models)."""

    required_packages: list[str] = Field(
        max_length=12, description="Third-party pip packages, e.g. 'torch>=2.0' or 'numpy'. No stdlib modules."
    )
    tasks: list[FileLogic] = Field(
        max_length=LOGIC_TASKS_DEFAULT,
        description="Every file of the list, in the order they should be written (dependencies first).",
    )
    shared_knowledge: str = Field(
        max_length=1200,
        description="Constants, config keys, interfaces and conventions every file must respect.",
    )


@functools.lru_cache(maxsize=8)
def logic_design_answer(max_files: int) -> type[LogicDesignAnswer]:
    """The logic designer's answer schema for a plan of up to ``max_files`` files.

    The default bound (20 tasks) keeps small models' answers short; a larger plan (``--max-files 40``)
    gets a subclass that admits one task per planned file.
    """
    if max_files <= LOGIC_TASKS_DEFAULT:
        return LogicDesignAnswer
    return create_model(f"LogicDesignAnswerUpTo{max_files}", __base__=LogicDesignAnswer,
                        tasks=(list[FileLogic], Field(max_length=max_files,
                                                      description=LogicDesignAnswer.model_fields["tasks"].description)))


class LogicDesign(BaseModel):
    """The stored logic design (after deterministic clean-up)."""

    required_packages: list[str]
    tasks: list[FileLogic]
    task_list: list[str]
    shared_knowledge: str
    repairs: list[str] = Field(default_factory=list)


class DependencyGraph(BaseModel):
    """The file dependency DAG that orders the coders."""

    nodes: list[str]
    edges: list[tuple[str, str]] = Field(description="(dependency, dependent) pairs.")
    generations: list[list[str]]
    repairs: list[str] = Field(default_factory=list)
    reasked: list[str] = Field(default_factory=list, description="Problems named to the logic designer.")
