"""Paper ingestion: read a paper (PDF, Markdown or text) into sections, compact it to a token budget."""

from papercoder.paper.compact import compact
from papercoder.paper.model import Paper, Section
from papercoder.paper.readers import PaperReadError, load_paper

__all__ = ["Paper", "PaperReadError", "Section", "compact", "load_paper"]
