"""The s2orc-doc2json reader: the full and cleaned JSON of the original PaperCoder scripts, and built documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from papercoder.paper.errors import PaperReadError
from papercoder.paper.s2orc import looks_like_s2orc, read_s2orc

TRANSFORMER = Path(__file__).resolve().parents[1].parent / "shared" / "papers" / "transformer"
FULL = TRANSFORMER / "paper.s2orc.json"
CLEANED = TRANSFORMER / "paper.s2orc.cleaned.json"


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.skipif(not FULL.is_file(), reason=f"{FULL} is absent (../shared/papers not checked out)")
def test_full_s2orc_keeps_equations_floats_and_a_separate_bibliography():
    paper = read_s2orc(_load(FULL), source=str(FULL))
    assert paper.format == "s2orc" and paper.title == "Attention Is All You Need"
    assert paper.abstract.startswith("The dominant sequence transduction models")
    assert "Equal contribution" not in paper.abstract and "Work performed" not in paper.abstract
    heads = [s.heading for s in paper.sections]
    assert heads[:3] == ["1 Introduction", "2 Background", "3 Model Architecture"]
    assert "3.2.1 Scaled Dot-Product Attention" in heads and "6 Results" in heads
    levels = {s.heading: s.level for s in paper.sections}
    assert (levels["3 Model Architecture"], levels["3.2 Attention"], levels["3.2.1 Scaled Dot-Product Attention"]) == \
        (1, 2, 3)
    assert paper.equations[0] == "Attention(Q, K, V ) = softmax( QK T √ d k )V \\tag{1}"
    assert len(paper.equations) == 3
    scaled = next(s for s in paper.sections if s.heading == "3.2.1 Scaled Dot-Product Attention")
    assert f"$$ {paper.equations[0]} $$" in scaled.text
    assert "Figure 2: (left) Scaled Dot-Product Attention." in scaled.text  # placed after its first mention
    assert paper.captions[0] == "Figure 1: The Transformer -model architecture."
    assert "Figure 4: Two attention heads" in "\n".join(paper.captions)  # "Figure4:" normalised
    assert len(paper.tables) == 4  # in reading order: after the paragraph that first mentions each
    table1 = next(t for t in paper.tables if t.startswith("Table 1: Maximum path lengths"))
    assert "| Layer Type |" in table1
    assert len(paper.bibliography) == 39
    assert "Neural machine translation by jointly learning to align and translate" in "\n".join(paper.bibliography)
    assert "jointly learning to align" not in paper.to_markdown()
    assert paper.sections[-1].heading == "Acknowledgement"
    assert paper.sections[-1].text.startswith("We are grateful")


@pytest.mark.skipif(not CLEANED.is_file(), reason=f"{CLEANED} is absent (../shared/papers not checked out)")
def test_cleaned_s2orc_reads_the_same_structure_and_reports_the_lost_equations():
    cleaned = read_s2orc(_load(CLEANED), source=str(CLEANED))
    assert cleaned.title == "Attention Is All You Need"
    assert [s.heading for s in cleaned.sections] == [s.heading for s in read_s2orc(_load(FULL), source="full").sections]
    assert cleaned.equations == [] and cleaned.bibliography == []
    assert cleaned.to_markdown().count("[Equation not available in the source JSON.]") == 3
    assert any("3 equation(s)" in w for w in cleaned.warnings)


def test_detection_is_by_content():
    assert looks_like_s2orc({"pdf_parse": {"body_text": [{"text": "x", "section": "Intro"}]}})
    assert looks_like_s2orc({"title": "T", "body_text": [{"text": "x", "section": "Intro", "sec_num": "1"}]})
    assert not looks_like_s2orc({"pdf_parse": {"body_text": []}})
    assert not looks_like_s2orc({"body_text": [{"content": "x"}]})
    assert not looks_like_s2orc(["not", "a", "dict"])
    assert not looks_like_s2orc({"model": "gpt", "messages": []})
    with pytest.raises(PaperReadError, match="data.json: not an s2orc paper"):
        read_s2orc({"foo": 1}, source="data.json")


def test_a_built_document_with_inline_and_display_formulas_floats_and_appendix():
    doc = {
        "title": "Tiny Paper",
        "abstract": "We study x.",
        "pdf_parse": {
            "abstract": [{"text": "We study x.", "section": "Abstract"}],
            "body_text": [
                {"text": "We minimise FORMULA over the data (Table 1).", "section": "Method", "sec_num": "1",
                 "eq_spans": [{"start": 12, "end": 19, "text": "FORMULA", "raw_str": "L(θ) = Σ_i l_i"}],
                 "ref_spans": [{"start": 40, "end": 41, "text": "1", "ref_id": "TABREF0"}]},
                {"text": "EQUATION", "section": "Method", "sec_num": "1",
                 "eq_spans": [{"start": 0, "end": 8, "text": "EQUATION", "latex": "y = W x + b", "eq_num": "(2)"}]},
                {"text": "Warmup details.", "section": "Schedule", "sec_num": None},
                {"text": "Proof of the bound.", "section": "Proofs", "sec_num": "A"},
            ],
            "back_matter": [{"text": "Acknowledgments We thank Z.", "section": "acknowledgments", "sec_num": None}],
            "ref_entries": {
                "TABREF0": {"text": "Results.", "type_str": "table",
                            "content": "<table><tr><td>Model</td><td colspan=\"2\">Acc</td></tr>"
                                       "<tr><td>Ours</td><td>1</td><td>2</td></tr></table>"},
                "FIGREF0": {"text": "Figure 1: Never mentioned.", "type_str": "figure", "fig_num": "1"},
            },
            "bib_entries": {"BIBREF0": {"title": "Old work", "authors": [{"first": "A", "middle": [], "last": "B"}],
                                        "year": 2001, "venue": "Conf", "raw_text": ""}},
        },
    }
    paper = read_s2orc(doc, source="tiny.json")
    assert [(s.heading, s.level, s.appendix) for s in paper.sections] == [
        ("1 Method", 1, False), ("Schedule", 2, False), ("A Proofs", 1, True), ("Acknowledgments", 1, True)]
    method = paper.sections[0].text
    assert "We minimise $L(θ) = Σ_i l_i$ over the data (Table 1)." in method
    assert "Table 1: Results.\n\n| Model | Acc | |\n| --- | --- | --- |\n| Ours | 1 | 2 |" in method
    assert "$$ y = W x + b \\tag{2} $$" in method and paper.equations == ["y = W x + b \\tag{2}"]
    assert paper.sections[1].text.endswith("Figure 1: Never mentioned.")  # unreferenced floats end the body
    assert paper.sections[-1].text == "We thank Z."
    assert paper.bibliography == ["A B. Old work. Conf. 2001"]
    assert paper.captions == ["Table 1: Results.", "Figure 1: Never mentioned."]
