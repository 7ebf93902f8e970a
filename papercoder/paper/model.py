"""The structured paper every reader produces, and its Markdown rendering for the agents."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Section(BaseModel):
    """A section of the paper.

    ``text`` is Markdown: paragraphs separated by blank lines, display math as ``$$ ... $$`` blocks
    (LaTeX kept as LaTeX), tables as text blocks, figure and table captions as ``Figure N: ...`` paragraphs.
    """

    heading: str
    level: int = 1
    """1 for a section, 2 for a subsection, 3 below that."""
    text: str = ""
    appendix: bool = False


class Paper(BaseModel):
    """A paper: title, abstract, body and appendix sections; the bibliography kept apart."""

    title: str = ""
    abstract: str = ""
    sections: list[Section] = Field(default_factory=list)
    equations: list[str] = Field(default_factory=list)
    """Display equations (LaTeX source when the reader has it, else the text layer's rendering)."""
    tables: list[str] = Field(default_factory=list)
    """Tables as text, in reading order (also kept in place in their section's text)."""
    captions: list[str] = Field(default_factory=list)
    """Figure and table captions, in reading order (also kept in place in their section's text)."""
    bibliography: list[str] = Field(default_factory=list)
    """Reference entries; not sent to the agents by default."""
    source: str = ""
    format: str = ""
    warnings: list[str] = Field(default_factory=list)
    """What the reader noticed and could not fix (for the user; not sent to the agents)."""

    @property
    def body(self) -> list[Section]:
        """The sections before the appendix."""
        return [s for s in self.sections if not s.appendix]

    @property
    def appendix(self) -> list[Section]:
        """The appendix sections."""
        return [s for s in self.sections if s.appendix]

    def to_markdown(self, sections: list[Section] | None = None, *, bibliography: bool = False) -> str:
        """Render title, abstract and ``sections`` (all by default) as Markdown.

        Args:
            sections: The sections to render, in order (all of them when None).
            bibliography: Whether to append the bibliography (agents do not get it by default).

        """
        parts = [f"# {self.title}"] if self.title else []
        if self.abstract.strip():
            parts += ["## Abstract", self.abstract.strip()]
        body = self.sections_markdown(self.sections if sections is None else sections)
        if body:
            parts.append(body.strip())
        if bibliography and self.bibliography:
            parts.append(self.bibliography_markdown())
        return "\n\n".join(parts).strip() + "\n"

    @staticmethod
    def sections_markdown(sections: list[Section]) -> str:
        """Render ``sections`` alone (no title, no abstract) as Markdown; empty for no sections."""
        parts: list[str] = []
        for s in sections:
            if s.heading:
                parts.append(f"{'#' * min(6, s.level + 1)} {s.heading}")
            if s.text.strip():
                parts.append(s.text.strip())
        return "\n\n".join(parts).strip() + "\n" if parts else ""

    def bibliography_markdown(self) -> str:
        """The bibliography as a Markdown section of bullets."""
        return "## References\n\n" + "\n".join(f"- {entry}" for entry in self.bibliography)
