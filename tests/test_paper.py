from __future__ import annotations

import pytest

from papercoder.llm.tokens import count_tokens
from papercoder.paper import PaperReadError, compact, load_paper
from tests.conftest import EXAMPLES, SHARED


def test_example_pdf_and_markdown_agree():
    md = load_paper(EXAMPLES / "smoothmix.md")
    pdf = load_paper(EXAMPLES / "smoothmix.pdf")
    assert md.title == pdf.title == "SmoothMix: Mixup with Label Smoothing for Small MLP Classifiers"
    headings = ["Abstract", "1 Introduction", "2 Method", "3 Experimental Setup", "4 Results", "5 Conclusion"]
    assert [s.heading for s in md.sections if s.heading] == headings
    assert [s.heading for s in pdf.sections if s.heading] == headings
    assert "learning rate 0.001" in pdf.to_markdown()


def test_tokens_are_real():
    assert count_tokens("hello world") == 2  # o200k_base, offline


def test_bad_inputs_name_the_input(tmp_path):
    corrupt = tmp_path / "broken.pdf"
    corrupt.write_bytes(b"%PDF-1.4\n this is not a pdf")
    with pytest.raises(PaperReadError, match="broken.pdf"):
        load_paper(corrupt)
    with pytest.raises(PaperReadError, match="no such file"):
        load_paper(tmp_path / "missing.pdf")
    empty = tmp_path / "empty.md"
    empty.write_text("# Title only\n")
    with pytest.raises(PaperReadError, match="no text"):
        load_paper(empty)
    binary = tmp_path / "blob.md"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(PaperReadError, match="binary"):
        load_paper(binary)


def test_paper_text_accepted():
    paper = load_paper("# A Paper\n\n## Method\nWe use SGD.\n")
    assert paper.title == "A Paper" and paper.sections[-1].text.strip() == "We use SGD."


@pytest.mark.skipif(not (SHARED / "papers").is_dir(), reason="../shared is absent (checkout outside the workplace)")
def test_real_pdf_compacts_by_priority():
    paper = load_paper(SHARED / "papers/semantic-self-consistency/paper.pdf")
    assert paper.bibliography and "References" not in [s.heading for s in paper.sections]
    md, info = compact(paper, 6000)
    assert info["tokens_full"] > 6000 >= info["tokens"] == count_tokens(md)
    dropped = info["dropped"]
    assert "12 Acknowledgements" in dropped and "8 Related Work" in dropped
    assert "4.1 Semantic consistency" in md and "4 Methodology" in md
    assert dropped.index("12 Acknowledgements") < dropped.index("8 Related Work")
