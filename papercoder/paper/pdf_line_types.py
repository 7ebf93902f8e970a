"""Line types for the PDF reader: what one line looks like on its own.

Holds the tests that tell a caption opener, a table row, a display equation, prose and small type apart, and
the end-of-sentence test they and the block grouping share.
"""

from __future__ import annotations

import re

from papercoder.paper.pdf_layout import Layout
from papercoder.paper.pdf_spans import Line

_CAPTION = re.compile(r"^(figure|fig\.|table|tab\.|algorithm|listing)\s*(\d+|[A-Z]\.?\d+|[IVX]+)\s*([.:|]|\s)",
                      re.IGNORECASE)
_NUMERIC_TOKEN = re.compile(r"^[-+−±~≈<>(\[]*\d[\d.,]*%?[)\]*†‡]*$|^[-–—✓✗×/]$|^n/?a$", re.IGNORECASE)
_MATH_CHARS = set("=+−±×÷·∑∏∫√∞∂∇∈∉⊂⊆∪∩≤≥≠≈∼≡→←↔⇒⇔∀∃∧∨¬|^_⊤⊥⟨⟩∥")
BULLET = re.compile(r"^([•◦▪‣●○■□–-]\s|\(?[a-z0-9]{1,2}\)\s|\d{1,2}\.\s)")
FOOTNOTE_MARK = re.compile(r"^[\d*†‡§¶∗⋆]")


def is_caption_start(line: Line, layout: Layout) -> bool:
    """A line that opens a figure/table/algorithm caption ("Figure 3: ...", "Table 2. ...")."""
    match = _CAPTION.match(line.text)
    if not match or not line.text[0].isupper():
        return False
    label_bold = bool(line.spans) and line.spans[0].font.bold
    return match.group(3) in ".:|" or label_bold or line.size < layout.size - 0.4 or line.text.startswith("Algorithm")


def is_table_row(line: Line) -> bool:
    """A line of mostly numeric cells."""
    tokens = line.text.split()
    numeric = sum(1 for t in tokens if _NUMERIC_TOKEN.match(t))
    return len(tokens) >= 2 and numeric >= 2 and numeric >= 0.45 * len(tokens)


def is_equation(line: Line, layout: Layout) -> bool:
    """A display-math line: mostly math type or symbols, set off from the margin or numbered."""
    text = line.text
    if re.fullmatch(r"\(\d{1,3}[a-z]?\)", text):
        return True
    share = layout.math_share(line)
    words = re.findall(r"[A-Za-z]{4,}", text)
    prose = sum(1 for s in line.spans for w in re.findall(r"[A-Za-z]{3,}", s.text) if not layout.is_math(s))
    symbols = sum(1 for ch in text if ch in _MATH_CHARS or "\u0370" <= ch <= "\u03ff")
    numbered = bool(re.search(r"\(\d{1,3}[a-z]?\)$", text))
    indented = line.x0 - line.left >= 1.2 * layout.size
    if share >= 0.6 and prose <= 1:
        return indented or numbered or line.x1 < line.right - 3 * layout.size
    single = len(re.findall(r"\b\w\b", text))
    symbolic = symbols >= 2 and len(words) <= 1 and symbols + single >= 0.4 * len(text.split())
    return symbolic and (indented or numbered) and len(text) < 120


def looks_like_prose(line: Line) -> bool:
    """Running words rather than cells: mostly lower-case words, or a sentence without numbers."""
    tokens = [t.strip(".,;:()[]") for t in line.text.split()]
    tokens = [t for t in tokens if t]
    if not tokens:
        return False
    words = sum(1 for t in tokens if re.fullmatch(r"[a-z][a-z'’-]{2,}", t))
    numeric = sum(1 for t in line.text.split() if _NUMERIC_TOKEN.match(t))
    return words >= 0.55 * len(tokens) or (ends_sentence(line.text) and numeric == 0 and len(tokens) >= 3)


def is_small(line: Line, layout: Layout) -> bool:
    """Whether a line is set smaller than the body text."""
    return line.size < layout.size - 0.6


def ends_sentence(text: str) -> bool:
    """Whether a text ends a sentence (a full stop, a question or exclamation mark or a colon)."""
    return bool(re.search(r"[.!?:]['\")\]]*$", text))
