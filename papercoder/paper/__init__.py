"""Paper ingestion: read a paper (PDF, LaTeX, s2orc JSON, Markdown, text) into one model, compact it to a budget."""

from papercoder.paper.compact import compact, remainder
from papercoder.paper.errors import PaperReadError
from papercoder.paper.load import detect_format, load_paper
from papercoder.paper.model import Paper, Section

__all__ = ["Paper", "PaperReadError", "Section", "compact", "detect_format", "load_paper", "remainder"]
