"""What the judges answer and what an evaluation records."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Critique(BaseModel):
    """One problem the judge found in the repository."""

    file: str = Field(default="", description="The repository file concerned ('' for the whole repository).")
    severity: Literal["high", "medium", "low"] = Field(
        description="high: a core part of the method is missing or wrong; medium: a detail of the paper is "
        "wrong or missing; low: style or minor issue.")
    critique: str = Field(description="What is wrong or missing, in one or two sentences.")


class JudgeAnswer(BaseModel):
    """A judge's verdict on a whole repository."""

    critiques: list[Critique] = Field(default_factory=list, description="The problems found, most severe first.")
    score: int = Field(description="Correctness of the repository against the paper, 1 (wrong) to 5 (faithful).")


class LeafGrade(BaseModel):
    """A grader's verdict on one rubric requirement."""

    justification: str = Field(description="Which code meets or misses the requirement, in one or two sentences.")
    score: int = Field(description="1 when the repository meets the requirement, else 0.")
