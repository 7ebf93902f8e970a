"""The checklist keeps only what the paper says: quotes found in its text, values found in their quotes."""

from __future__ import annotations

from papercoder.checklist import ItemAnswer, deduplicated, find_quote, normalize, numbered, render, value_in, verified

PAPER = """## 5.3 Training
We used the Adam optimizer with $\\beta_1 = 0.9$, $\\beta_2 = 0.98$ and warm-
up steps of 4000. We apply dropout to the output of each sub-layer, with a rate of **P_drop = 0.1**.
Label smoothing of value 0.1 was employed during training.
"""


def test_a_quote_is_found_despite_case_hyphenation_markup_and_ellipses():
    text = normalize(PAPER)
    assert find_quote("warmup steps of 4000", text)
    assert find_quote("with a rate of P_drop = 0.1", text)
    assert find_quote("We used the Adam optimizer ... label smoothing of value 0.1", text)
    assert find_quote("\u201cLabel smoothing of value 0.1 was employed\u201d", text)


def test_an_invented_or_reordered_quote_is_not_found():
    text = normalize(PAPER)
    assert not find_quote("We trained for 100 epochs", text)
    assert not find_quote("label smoothing of value 0.1 ... We used the Adam optimizer", text)
    assert not find_quote("0.1", text)  # too short to check anything


def test_a_hyperparameter_value_must_be_in_its_quote():
    assert value_in("4000", "warmup_steps of 4000")
    assert value_in("1e-4", "a learning rate of 0.0001")
    assert not value_in("4096", "a hidden size of 1024")
    assert not value_in("", "anything")


def test_verified_drops_invented_quotes_and_values_and_says_why():
    answers = [
        ItemAnswer(kind="hyperparameter", requirement="Dropout rate 0.1", quote="with a rate of P_drop = 0.1",
                   section="5.3", value="0.1"),
        ItemAnswer(kind="hyperparameter", requirement="Train 100 epochs", quote="We trained for 100 epochs",
                   value="100"),
        ItemAnswer(kind="hyperparameter", requirement="Warmup 8000", quote="warmup steps of 4000", value="8000"),
        ItemAnswer(kind="component", requirement="Adam optimizer", quote="We used the Adam optimizer"),
    ]
    kept, dropped = verified(answers, PAPER)
    assert [k["requirement"] for k in kept] == ["Dropout rate 0.1", "Adam optimizer"]
    assert [d["reason"] for d in dropped] == ["quote not in the paper", "value not in its quote"]


def test_repeats_are_removed_and_ids_given_in_order():
    items = [{"kind": "loss", "requirement": "Label smoothing 0.1", "quote": "label smoothing of value 0.1"},
             {"kind": "loss", "requirement": "Label smoothing of 0.1", "quote": "Label smoothing of value 0.1 was"},
             {"kind": "component", "requirement": "Adam", "quote": "We used the Adam optimizer"}]
    out = numbered(deduplicated(items))
    assert [(i["id"], i["requirement"]) for i in out] == [("R1", "Label smoothing 0.1"), ("R2", "Adam")]


def test_the_markdown_shows_every_item_and_what_was_dropped():
    md = render({"items": numbered([{"kind": "metric", "requirement": "BLEU | on newstest", "quote": "BLEU",
                                     "section": "6", "files": ["eval.py"]}]),
                 "dropped": [{"kind": "hyperparameter", "requirement": "epochs", "reason": "quote not in the paper"}]})
    assert "| R1 | metric | BLEU / on newstest |  | eval.py |" in md
    assert "1 item(s) dropped:\n- hyperparameter: epochs (quote not in the paper)" in md


def test_hyperparameters_are_found_in_config_by_their_id_and_value():
    from papercoder.checklist import hyperparameters_in_config, same_value

    items = [{"id": "R1", "kind": "hyperparameter", "value": "0.05"},
             {"id": "R2", "kind": "hyperparameter", "value": "3 epochs"},
             {"id": "R3", "kind": "hyperparameter", "value": "16"},
             {"id": "R4", "kind": "hyperparameter", "value": "1e-4"},
             {"id": "R5", "kind": "component", "value": ""}]
    config = "training:\n  lr: 0.05  # R1\n  epochs: 5  # R2\n  batch_size: 16\nsmoke:\n  steps: 1\n"
    found = hyperparameters_in_config(items, config)
    assert found == {"R1": {"status": "ok", "line": 2, "key": "lr"},
                     "R2": {"status": "wrong_value", "line": 3, "key": "epochs"},
                     "R3": {"status": "untagged", "line": 4, "key": "batch_size"},
                     "R4": {"status": "missing", "line": None, "key": None}}
    assert same_value("1e-4", "0.0001") and same_value("Adam", "adam") and not same_value("0.1", "0.01")


def test_unread_parts_are_the_sections_compaction_left_out_method_and_setup_first():
    from papercoder.checklist import unread_parts

    full = ("# Title\n\n## Introduction\nWe study tiny nets.\n\n## Related Work\nOthers did similar things.\n\n"
            "## Method\nTinyNet has 8 hidden units.\n\n## Appendix: Hyperparameters\nWe use a warmup of 400 steps.\n\n"
            "## Discussion\nIt works well enough.\n")
    read = "# Title\n\n## Method\nTinyNet has 8 hidden units.\n"
    parts = unread_parts(full, read, budget=1000, most=3)
    assert len(parts) == 1
    assert parts[0].index("Hyperparameters") < parts[0].index("Introduction") < parts[0].index("Discussion")
    assert "Related Work" not in parts[0] and "TinyNet has 8" not in parts[0]
    small = unread_parts(full, read, budget=20, most=2)  # a part per section, the first two only
    assert [p.split("\n")[0] for p in small] == ["## Appendix: Hyperparameters", "## Introduction"]


def test_numbers_words_and_hyphens_are_matched_whole():
    from papercoder.checklist import ChecklistAnswer, same_value

    assert same_value("3e-4", "0.0003") and same_value("6e-5", "0.00006") and same_value("1 × 10^-4", "1e-4")
    assert same_value("10^-4", "0.0001") and not same_value("3e-4", "0.003")
    assert not value_in("2", "we use 32 layers") and value_in("32", "we use 32 layers")
    assert not find_quote("the dropout rate of 0.1", normalize("the dropout rate of 0.15 everywhere"))
    assert find_quote("pre-training on the corpus", normalize("we use pretraining on the corpus"))
    answer = ChecklistAnswer.model_validate({"items": [{"kind": "hyperparameter", "requirement": "lr",
                                                        "quote": "a learning rate of 0.05", "value": 0.05,
                                                        "section": None}]})
    assert answer.items[0].value == "0.05" and answer.items[0].section == ""


def test_two_hyperparameters_from_one_sentence_are_both_kept():
    quote = "Adam with beta1 = 0.9 and beta2 = 0.98"
    items = [{"kind": "hyperparameter", "requirement": "Adam beta1", "quote": quote, "value": "0.9"},
             {"kind": "hyperparameter", "requirement": "Adam beta2", "quote": quote, "value": "0.98"},
             {"kind": "hyperparameter", "requirement": "Adam first beta", "quote": quote, "value": "0.9"}]
    assert [i["requirement"] for i in deduplicated(items)] == ["Adam beta1", "Adam beta2"]


def test_the_complete_items_of_a_cut_off_answer_are_kept():
    """Seen on the Transformer: 12 items with long quotes ran past 1,500 tokens and all were thrown away."""
    from papercoder.checklist import salvage

    cut = ('{\n  "items": [\n    {"kind": "component", "requirement": "Encoder stack", "quote": "The encoder is '
           'composed of a stack of N = 6 identical layers", "section": "3.1", "value": ""},\n    {"kind": "bogus", '
           '"requirement": "x", "quote": "y"},\n    {"kind": "hyperparameter", "requirement": "d_model 512", '
           '"quote": "outputs of dimension d_model = 512", "section": "3.1", "value": 512},\n    {"kind": "loss", '
           '"requirement": "Label smoothing", "quote": "we employed label smoo')
    answer = salvage(cut)
    assert [i.requirement for i in answer.items] == ["Encoder stack", "d_model 512"]
    assert answer.items[1].value == "512"
    assert salvage('{"items": [{"kind": "loss", "requ') is None and salvage("") is None


def test_latex_commands_read_as_json_escapes_get_their_backslash_back():
    """Seen on the Transformer: `\\text{...}` in a JSON quote read as a tab, and the quote "not in the paper"."""
    import json

    from papercoder.checklist import ChecklistAnswer, find_quote, normalize

    paper = normalize(r"We use $\mathrm{softmax}(\frac{QK^T}{\sqrt{d_k}})$ and $\nabla_\theta$ with \text{dropout} "
             r"$\beta_1 = 0.9$.")
    answer = json.loads('{"items": [{"kind": "hyperparameter", "requirement": "beta", "value": "0.9", '
                        '"quote": "with \\text{dropout} $\\beta_1 = 0.9$"}, {"kind": "algorithm", "requirement": '
                        '"grad", "quote": "use $\\\\mathrm{softmax}(\\frac{QK^T}{\\\\sqrt{d_k}})$ and '
                        '$\\nabla_\\theta$"}]}')
    items = ChecklistAnswer.model_validate(answer).items
    assert items[0].quote == r"with \text{dropout} $\beta_1 = 0.9$" and find_quote(items[0].quote, paper)
    assert find_quote(items[1].quote, paper)
    plain = ChecklistAnswer.model_validate({"items": [{"kind": "data", "requirement": "r",
                                                       "quote": "line one\nexample two"}]}).items[0]
    assert plain.quote == "line one\nexample two"


def test_a_reworded_quote_is_placed_at_the_one_sentence_of_the_paper_that_holds_it():
    """Seen on What Will My Model Forget: 29 of 35 quotes reworded by the embedded model, all dropped."""
    from papercoder.checklist import ItemAnswer, locate, verified

    paper = ("We fine-tune BART0 on each new task. The learning rate is set to 1e-5 for all online refinement "
             "steps.\n\nWe report F1 scores for binary forgetting prediction. Tables 4 and 5 summarize the results.")
    assert locate("learning rate set 1e-5 for online refinement", paper) == \
        "The learning rate is set to 1e-5 for all online refinement steps."
    assert locate("The code must reproduce the results in", paper) is None  # the request's words, not the paper's
    assert locate("the forecasting model predicts forgotten examples", paper) is None  # not clearly anywhere
    given = [ItemAnswer(kind="hyperparameter", requirement="lr", value="1e-5",
                        quote="Learning rate of 1e-5 during online refinement steps"),
             ItemAnswer(kind="hyperparameter", requirement="lr", value="3e-4",
                        quote="Learning rate of 3e-4 during online refinement steps")]
    kept, dropped = verified(given, paper)
    assert [k["quote"] for k in kept] == ["The learning rate is set to 1e-5 for all online refinement steps."]
    assert kept[0]["quote_given"] == "Learning rate of 1e-5 during online refinement steps"
    assert [d["reason"] for d in dropped] == ["value not in its quote"]  # placed, but the paper's value differs
