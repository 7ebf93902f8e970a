"""Loading papers: format detection from the content, the Markdown/text readers, compaction, bad input."""

from __future__ import annotations

import io
import json
import re
import tarfile

import pytest

from papercoder.llm.tokens import count_tokens
from papercoder.paper import PaperReadError, Section, compact, detect_format, load_paper, remainder
from papercoder.paper.model import Paper
from tests.conftest import EXAMPLES, SHARED

needs_shared = pytest.mark.skipif(not (SHARED / "papers").is_dir(),
                                  reason="../shared is absent (checkout outside the workplace)")
HEADINGS = ["1 Introduction", "2 Method", "3 Experimental Setup", "4 Results", "5 Conclusion"]


def test_example_pdf_and_markdown_agree():
    md = load_paper(EXAMPLES / "smoothmix.md")
    pdf = load_paper(EXAMPLES / "smoothmix.pdf")
    assert (md.format, pdf.format) == ("markdown", "pdf")
    assert md.title == pdf.title == "SmoothMix: Mixup with Label Smoothing for Small MLP Classifiers"
    assert [s.heading for s in md.sections] == [s.heading for s in pdf.sections] == HEADINGS
    assert md.abstract.startswith("Small multilayer") and pdf.abstract.startswith("Small multilayer")
    assert "learning rate 0.001" in pdf.to_markdown()


def test_format_is_detected_from_the_content_not_the_extension(tmp_path):
    pdf = tmp_path / "paper.txt"
    pdf.write_bytes((EXAMPLES / "smoothmix.pdf").read_bytes())
    assert load_paper(pdf).format == "pdf"
    tex = tmp_path / "paper.md"
    tex.write_text("\\documentclass{article}\\title{T}\\begin{document}\\maketitle\n"
                   "\\section{Method}We use SGD.\\end{document}\n")
    assert load_paper(tex).format == "latex"
    assert detect_format(b"# Title\n\n## Method\nx") == "markdown"
    assert detect_format(b"Title\n\n1 Method\nx") == "text"
    assert detect_format(b"\x1f\x8b\x08rest") == detect_format(b"PK\x03\x04rest") == "archive"
    assert detect_format(b'{"title": "x"}') == "s2orc"


def test_markdown_reader_structure():
    paper = load_paper("# A Paper\n\n## Abstract\nShort.\n\n## 1 Method\nWe use SGD.\n\n$$\nL = x^2\n$$\n\n"
                       "### 1.1 Details\nTable 1: Results.\n\n## References\n- [1] A. Author. A title. 2020.\n"
                       "- [2] B. Author. Another. 2021.\n\n## A Extra proofs\nProof.\n")
    assert paper.title == "A Paper" and paper.abstract == "Short."
    assert [(s.heading, s.level, s.appendix) for s in paper.sections] == [
        ("1 Method", 1, False), ("1.1 Details", 2, False), ("A Extra proofs", 1, True)]
    assert paper.equations == ["L = x^2"] and paper.captions == ["Table 1: Results."]
    assert len(paper.bibliography) == 2 and "References" not in paper.to_markdown()
    assert "A. Author" in paper.to_markdown(bibliography=True)


def test_plain_text_headings():
    paper = load_paper("Tiny Nets\n\nAbstract\nWe train.\n\n1 Introduction\nNets.\n2.1 Training Setup\nSGD.\n")
    assert paper.title == "Tiny Nets" and paper.abstract == "We train."
    assert [(s.heading, s.level) for s in paper.sections] == [("1 Introduction", 1), ("2.1 Training Setup", 2)]


def test_tokens_are_real():
    assert count_tokens("hello world") == 2  # o200k_base, offline


def _paper(sections: list[tuple[str, int, bool, int]]) -> Paper:
    return Paper(title="T", abstract="A.", sections=[
        Section(heading=h, level=lvl, appendix=app, text=("word " * n).strip()) for h, lvl, app, n in sections])


def test_compaction_priority_and_groups():
    paper = _paper([("1 Method", 1, False, 400), ("2 Related Work", 1, False, 300), ("2.1 Older", 2, False, 300),
                    ("3 Acknowledgements", 1, False, 50), ("4 Conclusion", 1, False, 100),
                    ("A Long proofs of lemmas", 1, True, 900), ("B Hyperparameters", 1, True, 200),
                    ("NeurIPS Paper Checklist", 1, True, 500)])
    md, info = compact(paper, 1100)
    assert info["dropped"] == ["NeurIPS Paper Checklist", "2 Related Work", "2.1 Older", "3 Acknowledgements",
                               "A Long proofs of lemmas"]
    assert info["tokens"] == count_tokens(md) <= 1100 < info["tokens_full"]
    assert "B Hyperparameters" in md and "1 Method" in md
    md, info = compact(paper, 300)  # below what the method needs: the longest sections are shortened
    assert info["tokens"] <= 300 and "1 Method" in md and info["shortened"] == ["1 Method"]


def test_shortening_keeps_the_equations_and_the_values_of_the_cut_part():
    prose = "The loss weighs each example by its margin. " * 60
    paper = Paper(title="T", abstract="A.", sections=[Section(
        heading="2 Method", level=1, text=f"{prose}\n\n$$ L = \\sum_i w_i \\ell_i \\tag{{1}} $$\n\n{prose}"
                                          "We use $\\lambda=0.3$ in all runs. The margin is a distance.")])
    md, info = compact(paper, 150)
    assert info["shortened"] == ["2 Method"] and info["tokens"] < count_tokens(paper.to_markdown(paper.sections))
    assert "[...]" in md and "$$ L = \\sum_i w_i \\ell_i \\tag{1} $$" in md
    assert "We use $\\lambda=0.3$ in all runs." in md and "The margin is a distance" not in md
    assert md.count("The loss weighs") < 60


def test_digest_keeps_the_method_and_its_setup_and_drops_the_rest_first():
    paper = _paper([("1 Introduction", 1, False, 300), ("2 Method", 1, False, 300), ("2.1 Ablation", 2, False, 200),
                    ("3 Experiments", 1, False, 20), ("3.1 Training details", 2, False, 150),
                    ("3.2 Main results", 2, False, 300), ("4 Results", 1, False, 100),
                    ("4.1 Implementation details", 2, False, 100), ("4.2 Analysis", 2, False, 200)])
    _md, whole = compact(paper, 1000)  # the paper view drops none of these whole
    assert whole["dropped"] == []
    md, info = compact(paper, 700, digest=True)
    # the introduction first, then results and analyses in reading order; set-up under "Results" stays
    assert info["dropped"] == ["1 Introduction", "2.1 Ablation", "3.2 Main results", "4 Results", "4.2 Analysis"]
    assert info["shortened"] == [] and info["tokens"] <= 700
    assert all(h in md for h in ("2 Method", "3.1 Training details", "4.1 Implementation details"))


@needs_shared
def test_the_transformer_digest_keeps_its_equations_and_training():
    paper = load_paper(SHARED / "papers/transformer/paper.tex")
    md, info = compact(paper, 2000, digest=True)
    assert info["tokens"] <= 2100 and info["tokens_full"] > 8000  # about the budget: values and equations stay
    assert {"1 Introduction", "2 Background", "4 Why Self-Attention", "6.2 Model Variations"} <= set(info["dropped"])
    for kept in ("\\mathrm{Attention}(Q, K, V)", "\\mathrm{MultiHead}(Q, K, V)", "PE_{(pos,2i)}",
                 "\\mathrm{FFN}(x)", "warmup\\_steps=4000", "P_{drop}=0.1", "\\epsilon_{ls}=0.1",
                 "$h=8$ parallel attention layers", "$d_{ff}=2048$"):
        assert kept in md, kept


@needs_shared
def test_the_digest_and_the_remainder_together_hold_the_compacted_paper():
    """The planner reads the digest then the remainder: every sentence of the compacted paper is in one of them,
    and the remainder repeats little of the digest (only the equations and values a shortened section kept)."""
    paper = load_paper(SHARED / "papers/transformer/paper.tex")
    md, info = compact(paper, 6000)
    digest, _ = compact(paper, 2000, digest=True)
    rest, rest_info = remainder(paper, 6000, 2000)
    sentences = [s.strip() for s in re.split(r"(?<=\.)\s+|\n\n", md) if len(s.split()) >= 6]
    assert len(sentences) > 150
    missing = [s for s in sentences if s not in digest and s not in rest]
    assert missing == []
    assert {"1 Introduction", "3.2.2 Multi-Head Attention (continued)"} <= set(rest_info["sections"])
    assert "5.3 Optimizer" not in " ".join(rest_info["sections"])  # whole in the digest: not repeated
    assert rest_info["tokens"] + count_tokens(digest) < info["tokens"] * 1.12


def test_a_paper_within_the_digest_budget_has_no_remainder():
    paper = _paper([("1 Method", 1, False, 50), ("2 Training", 1, False, 50)])
    assert remainder(paper, 1000, 900) == ("", {"tokens": 0, "sections": []})


@needs_shared
def test_real_pdf_compacts_by_priority():
    paper = load_paper(SHARED / "papers/semantic-self-consistency/paper.pdf")
    assert paper.bibliography and not any("References" in s.heading for s in paper.sections)
    md, info = compact(paper, 6000)
    assert info["tokens_full"] > 6000 >= info["tokens"] == count_tokens(md)
    dropped = info["dropped"]
    assert "8 Related Work" in dropped and "12 Acknowledgements" in dropped
    assert "4.1 Semantic consistency" in md and "4 Methodology" in md
    assert dropped.index("8 Related Work") < dropped.index("12 Acknowledgements")


@needs_shared
def test_s2orc_json_is_detected_by_content(tmp_path):
    copy = tmp_path / "paper.data"
    copy.write_bytes((SHARED / "papers/transformer/paper.s2orc.json").read_bytes())
    paper = load_paper(copy)
    assert paper.format == "s2orc" and "Attention" in paper.title and paper.equations


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
    not_utf8 = tmp_path / "paper.txt"
    not_utf8.write_bytes(b"1 Method\n" + bytes(range(0x80, 0xA0)) * 20)
    with pytest.raises(PaperReadError, match="paper.txt: not UTF-8"):
        load_paper(not_utf8)
    bad_json = tmp_path / "paper.json"
    bad_json.write_text('{"title": ')
    with pytest.raises(PaperReadError, match="paper.json: invalid JSON"):
        load_paper(bad_json)
    other_json = tmp_path / "other.json"
    other_json.write_text(json.dumps({"name": "not a paper"}))
    with pytest.raises(PaperReadError, match="other.json: JSON that is not an s2orc paper"):
        load_paper(other_json)


def test_archive_without_main_tex(tmp_path):
    archive = tmp_path / "src.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        data = b"just notes"
        info = tarfile.TarInfo("notes.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(PaperReadError, match="src.tar.gz.*main"):
        load_paper(archive)
