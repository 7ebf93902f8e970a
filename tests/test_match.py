"""SEARCH blocks are placed exactly, then ignoring whitespace, then by the one clear fuzzy match; never guessed."""

from __future__ import annotations

from papercoder.verify.edits import Edit, apply_edits
from papercoder.verify.match import Match, locate

MODEL = """class Net:
    def __init__(self, config):
        self.n_hidden = config["model"]["hidden"]
        self.n_dropout = config["model"]["dropout"]

    def forward(self, x):
        return x
"""


def test_a_search_that_lost_its_indentation_is_placed_and_the_replacement_reindented(tmp_path):
    """Seen with the embedded model: `self.n_dropout = config[...]` without its leading spaces, not found twice."""
    (tmp_path / "model.py").write_text(MODEL)
    edit = Edit("model.py", 'self.n_dropout = config["model"]["dropout"]\n',
                'self.n_dropout = config["model"]["dropout"]\nself.scale = 1.0\n')
    [result] = apply_edits(tmp_path, [edit])
    assert result.applied and result.reason == "SEARCH matched whitespace"
    text = (tmp_path / "model.py").read_text()
    assert '        self.n_dropout = config["model"]["dropout"]\n        self.scale = 1.0\n\n    def forward' in text
    compile(text, "model.py", "exec")


def test_relative_indentation_of_new_lines_is_kept():
    found = locate(MODEL, "def forward(self, x):\nreturn x")
    assert found == Match(5, 7, "whitespace")
    from papercoder.verify.match import reindent

    lines = MODEL.splitlines()[5:7]
    assert reindent(lines, ["def forward(self, x):", "return x"],
                    ["def forward(self, x):", "    if x is None:", "        return 0", "    return x"]) == [
        "    def forward(self, x):", "        if x is None:", "            return 0", "        return x"]


def test_exact_first_then_a_clear_fuzzy_match():
    assert locate(MODEL, "    def forward(self, x):\n").how == "exact"
    fuzzy = locate(MODEL, 'self.n_hiden = config["model"]["hidden"]')  # one letter off
    assert isinstance(fuzzy, Match) and fuzzy.how.startswith("fuzzy") and (fuzzy.start, fuzzy.end) == (2, 3)


def test_weak_or_ambiguous_matches_are_failures_not_guesses(tmp_path):
    assert locate(MODEL, "self.optimizer = torch.optim.Adam(params)").startswith("SEARCH text not found")
    twice = "a = 1\nb = 2\n\ndef f():\n    a = 1\n    b = 2\n"
    assert "occurs 2 times (ignoring indentation)" in locate(twice, "a = 1\n  b = 2")
    near = "x = load(cfg_a)\ny = 1\nx = load(cfg_b)\n"
    assert "close to several places" in locate(near, "x = load(cfg_c)")
    (tmp_path / "m.py").write_text(near)
    [result] = apply_edits(tmp_path, [Edit("m.py", "x = load(cfg_c)", "x = 0")])
    assert not result.applied and (tmp_path / "m.py").read_text() == near


def test_an_edit_that_changes_nothing_is_not_counted_as_applied(tmp_path):
    """Seen on Semantic Self-Consistency: REPLACE equal to SEARCH (less a final newline), "applied" two rounds."""
    (tmp_path / "model.py").write_text(MODEL)
    same = MODEL.rstrip("\n")
    [result] = apply_edits(tmp_path, [Edit("model.py", MODEL, same)])
    assert not result.applied and "changes nothing" in result.reason
    assert (tmp_path / "model.py").read_text() == MODEL
