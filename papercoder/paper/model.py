"""The structured paper every reader produces."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Section(BaseModel):
    """A section of the paper."""

    heading: str
    level: int = 1
    text: str = ""


class Paper(BaseModel):
    """A paper as text sections, bibliography kept apart."""

    title: str = ""
    source: str = ""
    format: str = ""
    sections: list[Section] = Field(default_factory=list)
    bibliography: str = ""

    def to_markdown(self, sections: list[Section] | None = None) -> str:
        """Render the title and ``sections`` (all by default) as Markdown."""
        parts = [f"# {self.title}"] if self.title else []
        for s in self.sections if sections is None else sections:
            if s.heading:
                parts.append(f"{'#' * min(6, s.level + 1)} {s.heading}")
            if s.text.strip():
                parts.append(s.text.strip())
        return "\n\n".join(parts).strip() + "\n"
