"""The structure-aware PDF reader (papercoder.paper.pdf): real papers, synthetic layouts and bad inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from papercoder.paper.errors import PaperReadError
from papercoder.paper.model import Paper
from papercoder.paper.pdf import read_pdf

PAPERS = Path(__file__).resolve().parents[1].parent / "shared" / "papers"


def _paper(name: str) -> Path:
    path = PAPERS / name / "paper.pdf"
    if not path.is_file():
        pytest.skip(f"{path} is absent (the shared papers live beside the repository in the workplace)")
    return path


@pytest.fixture(scope="module")
def semantic() -> Paper:
    return read_pdf(_paper("semantic-self-consistency"))


@pytest.fixture(scope="module")
def bridging() -> Paper:
    return read_pdf(_paper("bridging-data-gaps"))


@pytest.fixture(scope="module")
def transformer() -> Paper:
    return read_pdf(_paper("transformer"))


def _levels(paper: Paper) -> dict[str, int]:
    return {s.heading: s.level for s in paper.sections}


# ---------------------------------------------------------------------------------------------------------
# Real papers


def test_single_column_paper_structure(semantic: Paper):
    assert semantic.title == "Semantic Self-Consistency: Enhancing Language Model Reasoning via Semantic Weighting"
    assert semantic.abstract.startswith("While large language models (LLMs)")
    assert "Abstract" not in [s.heading for s in semantic.sections]
    levels = _levels(semantic)
    assert levels["1 Introduction"] == 1
    assert levels["3.1 Generators"] == 2
    assert levels["4.1.1 Centroid Proximity Weighting"] == 3
    assert levels["12 Acknowledgements"] == 1
    body = [s.heading for s in semantic.body]
    assert body[0] == "1 Introduction" and body[-1] == "12 Acknowledgements"


def test_appendix_and_checklist_come_after_the_bibliography(semantic: Paper):
    headings = [s.heading for s in semantic.sections]
    appendix = [s.heading for s in semantic.appendix]
    assert appendix[0] == "A Performance variation"
    assert "I.2.1 k-nearest neighbor results" in appendix
    checklist = headings.index("NeurIPS Paper Checklist")
    assert headings.index("O.2 PCA") < checklist
    items = semantic.sections[checklist + 1:]
    assert [s.heading for s in items[:2]] == ["1. Claims", "2. Limitations"]
    assert all(s.appendix and s.level == 2 for s in items)
    assert "Question: Do the main claims" in items[0].text
    assert "Guidelines" not in semantic.sections[checklist - 1].text  # O.2 PCA ends before the checklist


def test_bibliography_is_kept_apart(semantic: Paper):
    bib = semantic.bibliography
    assert len(bib) >= 30
    assert bib[0].startswith("[1] Yossi Adi") and bib[1].startswith("[2] Iz Beltagy")
    markdown = semantic.to_markdown()
    assert "Scibert: A pretrained language model" not in markdown
    assert "Scibert: A pretrained language model" in semantic.to_markdown(bibliography=True)


def test_page_numbers_are_gone(semantic: Paper):
    for section in semantic.sections:
        assert not re.search(r"(?m)^\d{1,3}$", section.text), section.heading


def test_hyphenation_is_repaired_and_compounds_kept(semantic: Paper):
    assert "performance across various closed-answer reasoning tasks" in semantic.abstract
    text = semantic.to_markdown()
    assert "unlike other self-improvement methods" in text  # "self-" ended a line; the compound is kept
    assert "enhancing decision-making" in text
    assert "vari- ous" not in text and "selfimprovement" not in text


def test_captions_tables_and_equations_are_listed(semantic: Paper, transformer: Paper):
    assert any(c.startswith("Figure 1: Whereas baseline self-consistency") for c in semantic.captions)
    assert any(c.startswith("Table 4: Accuracy deviation") for c in semantic.captions)
    assert any("Mistral 1.01 2.05 1.50" in t for t in semantic.tables)
    text = semantic.to_markdown()
    assert "\n\nTable 4: Accuracy deviation (%) across models and datasets.\n\n" in text
    assert any("FFN(x) = max(0, xW1 + b1)W2 + b2" in e for e in transformer.equations)
    assert "$$\nFFN(x) = max(0, xW1 + b1)W2 + b2 (2)\n$$" in transformer.to_markdown()


def test_two_column_paper_reads_in_order(bridging: Paper):
    intro = next(s for s in bridging.sections if s.heading == "1. Introduction")
    # the paragraph runs from the foot of the left column, past the first-page footnotes, into the right one
    assert "and audio (Dhariwal et al., 2020) by utilizing vast amounts of unlabeled data" in intro.text
    assert "Proceedings of the 41" not in bridging.to_markdown()  # first-page venue footnote
    markdown = bridging.to_markdown()
    assert markdown.count("Bridging Data Gaps in Diffusion Models") == 1  # running head removed
    levels = _levels(bridging)
    for name in ("Limitations", "Impact Statements", "Acknowledgements"):
        assert levels[name] == 1
    assert [s.heading for s in bridging.appendix][:2] == ["A. Detailed Derivations",
                                                         "A.1. Source and Target Model Distance"]
    assert levels["5.5. Effects of Classifier Analysis."] == 2


def test_figure_text_and_margin_stamps_are_dropped(bridging: Paper, transformer: Paper):
    markdown = bridging.to_markdown()
    assert "Transfer Iteration" not in markdown  # label inside an embedded figure
    assert "arXiv:" not in transformer.to_markdown()
    assert [s.heading for s in transformer.appendix] == ["Attention Visualizations"]
    assert len(transformer.bibliography) == 40


# ---------------------------------------------------------------------------------------------------------
# Synthetic layouts

REVIEW_PAGES = [
    [
        ("B", 18, "Sparse Widgets Learn Faster"),
        ("B", 12, "Abstract"),
        ("", 10, "We study sparse widgets and show that they learn faster than dense ones on every"),
        ("", 10, "benchmark we tried, while using a tenth of the memory."),
        ("B", 12, "1 Introduction"),
        ("", 10, "Sparse widgets are trained with a self-consistency objective that compares two views"),
        ("", 10, "of the same input. The training recipe uses a careful initial-"),
        ("", 10, "ization scheme and a short warm-up phase, after which the self-"),
        ("", 10, "consistency loss keeps the widgets stable for the rest of training."),
        ("B", 12, "2 Method"),
        ("B", 10, "2.1 Setup"),
        ("", 10, "Each widget has eight sparse units and a learning rate of 0.01 for all runs."),
        ("", 9, "Figure 1: The widget pipeline from input to output."),
    ],
    [
        ("", 10, "We train every widget for ten epochs on one processor and report the mean accuracy."),
        ("B", 12, "References"),
        ("", 10, "[1] A. Author. Widgets considered harmful. In Proceedings of Widgets, 2020."),
        ("", 10, "[2] B. Author. Sparse everything. Journal of Sparsity, 2021."),
        ("B", 12, "A Proofs"),
        ("", 10, "The proof of the main theorem follows from the widget lemma."),
    ],
]


def _review_copy(path: Path) -> Path:
    """A two-page review copy: running head, page numbers and a number on every line in the margin."""
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    number = 101
    for page_no, lines in enumerate(REVIEW_PAGES, start=1):
        pdf.add_page()
        pdf.set_font("Times", "", 9)
        pdf.text(180, 40, "Under review as a conference paper at ICLR 2099")
        y = 90.0
        for style, size, text in lines:
            y += 2.2 * size if style == "B" else 1.2 * size
            pdf.set_font("Times", "", 8)
            pdf.text(36, y, str(number))
            number += 1
            pdf.set_font("Times", style, size)
            pdf.text(72, y, text)
        pdf.set_font("Times", "", 10)
        pdf.text(303, 750, str(page_no))
    pdf.output(str(path))
    return path


def test_review_copy_loses_line_numbers_heads_and_page_numbers(tmp_path: Path):
    paper = read_pdf(_review_copy(tmp_path / "review.pdf"))
    markdown = paper.to_markdown(bibliography=True)
    assert not re.search(r"\b1[0-2]\d\b", markdown), markdown  # margin numbers 101..120
    assert "Under review" not in markdown
    assert paper.title == "Sparse Widgets Learn Faster"
    assert paper.abstract.startswith("We study sparse widgets")
    assert [(s.heading, s.level, s.appendix) for s in paper.sections] == [
        ("1 Introduction", 1, False), ("2 Method", 1, False), ("2.1 Setup", 2, False), ("A Proofs", 1, True)]
    intro = paper.sections[0].text
    assert "a careful initialization scheme" in intro
    assert "after which the self-consistency loss keeps" in intro
    assert "\n" not in intro  # one paragraph, joined
    assert paper.captions == ["Figure 1: The widget pipeline from input to output."]
    assert paper.bibliography == ["[1] A. Author. Widgets considered harmful. In Proceedings of Widgets, 2020.",
                                  "[2] B. Author. Sparse everything. Journal of Sparsity, 2021."]
    setup = paper.sections[2].text
    assert setup.startswith("Each widget has eight sparse units") and "We train every widget" in setup


LEFT = ["The left column opens the paper and comes first in reading order, before",
        "anything that is set in the right column of the same page, as readers expect."]
RIGHT = ["The right column continues the text afterwards and must be read second,",
         "even when the file draws it before the left column on the page."]


def test_two_column_page_drawn_right_column_first(tmp_path: Path):
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Times", "B", 12)
    pdf.text(54, 80, "1 Columns")
    pdf.set_font("Times", "", 7)
    for x, lines in ((318, RIGHT * 3), (54, LEFT * 3)):  # the right column is drawn first
        for k, text in enumerate(lines):
            pdf.text(x, 110 + 12 * k, text)
    path = tmp_path / "columns.pdf"
    pdf.output(str(path))
    text = read_pdf(path).sections[0].text
    assert text.index("The left column opens") < text.index("The right column continues")


def test_ligatures_and_odd_unicode_are_normalised(tmp_path: Path):
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font.is_file():
        pytest.skip("DejaVuSans.ttf is not installed")
    pdf = FPDF(unit="pt", format="letter")
    pdf.add_font("DejaVu", "", str(font))
    pdf.add_page()
    pdf.set_font("DejaVu", "", 10)
    for k in range(6):
        pdf.text(72, 100 + 12 * k, "The ﬁrst e\u200bﬀect is e\u00a0cient and ﬂat.")
    path = tmp_path / "ligatures.pdf"
    pdf.output(str(path))
    text = read_pdf(path).to_markdown()
    assert "The first effect is e cient and flat." in text
    assert not re.search("[\ufb00-\ufb06\u200b\u00a0]", text)


# ---------------------------------------------------------------------------------------------------------
# Bad input


def test_truncated_pdf_is_reported(tmp_path: Path):
    good = _review_copy(tmp_path / "good.pdf")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(PaperReadError, match=r"broken\.pdf: corrupt or unreadable PDF") as info:
        read_pdf(broken)
    assert "\n" not in str(info.value)


def test_garbage_and_missing_files_are_reported(tmp_path: Path):
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.4\n this is not a pdf")
    with pytest.raises(PaperReadError, match="garbage.pdf: corrupt"):
        read_pdf(garbage)
    with pytest.raises(PaperReadError, match="missing.pdf: no such file"):
        read_pdf(tmp_path / "missing.pdf")


def _encrypted(tmp_path: Path, user_password: str) -> Path:
    writer = PdfWriter(clone_from=PdfReader(_review_copy(tmp_path / "plain.pdf")))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def test_password_protected_pdf_is_reported(tmp_path: Path):
    with pytest.raises(PaperReadError, match=r"locked\.pdf: the PDF is encrypted with a password"):
        read_pdf(_encrypted(tmp_path, "user-secret"))


def test_pdf_encrypted_with_an_empty_password_is_read(tmp_path: Path):
    assert read_pdf(_encrypted(tmp_path, "")).title == "Sparse Widgets Learn Faster"


def test_scanned_pdf_without_text_layer_is_reported(tmp_path: Path):
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.set_fill_color(120, 120, 120)
        pdf.rect(20, 20, 170, 250, style="F")
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(PaperReadError, match=r"scan\.pdf: the PDF has no text layer.*LaTeX source"):
        read_pdf(path)


def test_capitalised_roman_numbered_sections(tmp_path: Path):
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    y = 80.0
    for heading in ("I. INTRODUCTION", "II. RELATED WORK"):
        y += 24
        pdf.set_font("Times", "", 10)
        pdf.text(250, y, heading)
        for k in range(4):
            y += 12
            pdf.text(72, y, f"Plain running text of the section number {k} that fills a line of the column.")
    path = tmp_path / "ieee.pdf"
    pdf.output(str(path))
    paper = read_pdf(path)
    assert [(s.heading, s.level, s.appendix) for s in paper.sections] == [
        ("I. INTRODUCTION", 1, False), ("II. RELATED WORK", 1, False)]

