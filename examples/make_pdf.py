"""Render the example paper (Markdown) to PDF with fpdf2, so the PDF reader has a real input.

Usage: python examples/make_pdf.py examples/smoothmix.md examples/smoothmix.pdf
"""

from __future__ import annotations

import sys
from pathlib import Path

from fpdf import FPDF


def render(md_path: Path, pdf_path: Path) -> None:
    """Write ``md_path`` as a simple one-column PDF with headings, paragraphs and a monospace table."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    para: list[str] = []

    def flush() -> None:
        if para:
            pdf.set_font("Helvetica", size=10)
            pdf.multi_cell(0, 5, " ".join(s.strip() for s in para), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            para.clear()

    for line in md_path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            pdf.set_font("Helvetica", style="B", size=16 if level == 1 else 12)
            pdf.multi_cell(0, 8, line.lstrip("#").strip(), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif line.startswith(("    ", "|")):
            flush()
            if set(line.replace("|", "").strip()) <= {"-"}:
                continue
            pdf.set_font("Courier", size=9)
            pdf.multi_cell(0, 5, line.strip().replace("±", "+/-"), new_x="LMARGIN", new_y="NEXT")
        elif not line.strip():
            flush()
        else:
            para.append(line)
    flush()
    pdf.output(str(pdf_path))


if __name__ == "__main__":
    render(Path(sys.argv[1]), Path(sys.argv[2]))
