"""The architect's file-list reader on the bullet forms the embedded model really writes."""

import pytest
from papercoder.agents.architect import parse_file_list

# Seen from Qwen2.5-Coder-1.5B on the semantic-self-consistency paper (doubled bullet markers).
SECTION = """
- `- `main.py`: Entry point that loads the configuration.
- `- main.py`: duplicate entry, kept as written
- `models/llama.py`: Llama model implementation.
* data/evaluation.py - Evaluation functions.
1. `utils/outlier_detection.py`: Outlier detection function.
Not a bullet: ignored.py
"""


def test_file_list_forms():
    paths = [e.path for e in parse_file_list(SECTION)]
    assert paths == ["main.py", "main.py", "models/llama.py", "data/evaluation.py", "utils/outlier_detection.py"]
    assert parse_file_list(SECTION)[0].description == "Entry point that loads the configuration."


# --- answers gathered over tries (what the embedded model did on the Transformer LaTeX) ----------------------

from papercoder.agents.architect import make_parser, salvage_diagram  # noqa: E402

from papercoder.llm import AnswerError  # noqa: E402
from papercoder.llm.answers import Reply  # noqa: E402

RUNAWAY = """## Implementation approach

We use `torch`; the code is split into model, data and training files.

## File list

- `- main.py`: entry point, runs the experiments end to end
- `- model.py`: defines the Transformer model architecture
- `- data.py`: handles data loading and preprocessing

## Data structures and interfaces

```mermaid
classDiagram
    class Model {
""" + "".join(f"        +int num_steps_per_batch_{i}\n" for i in range(300)) \
    + "        +int num_train_steps_per_batch_per"

TEMPLATE_PARROT = """## Implementation approach
A short paragraph: the libraries you will use and how the code is organised.

## File list
- `main.py`: the entry point that runs the experiments end to end.

## Data structures and interfaces
A mermaid class diagram in a `mermaid` fenced block whose first line is `classDiagram`.

## Program call flow
A mermaid sequence diagram in a `mermaid` fenced block whose first line is `sequenceDiagram`.
"""

DIAGRAMS_ONLY = """## Program call flow
```mermaid
sequenceDiagram
    Main->>Model: train(batch)
```
"""


def _reply(text, attempt, *, last=False, finish="stop"):
    return Reply(text=text, parsed=None, finish_reason=finish, attempt=attempt, last=last)


def test_salvage_keeps_the_complete_part_of_a_runaway_class_diagram():
    diagram, note = salvage_diagram(RUNAWAY, "classDiagram")
    lines = diagram.splitlines()
    assert lines[0] == "classDiagram" and lines[1].strip() == "class Model {" and lines[-1].strip() == "}"
    assert len(lines) == 2 + 15 + 1 and "num_train_steps_per_batch_per" not in diagram
    assert "cut off" in note and "left out" in note
    assert salvage_diagram("no fence here", "classDiagram") is None


def test_parts_are_gathered_over_tries_and_a_reask_asks_only_for_what_is_missing(tmp_path):
    refused: list = []
    parse = make_parser(tmp_path, 6, refused)
    with pytest.raises(AnswerError) as first:
        parse(_reply(RUNAWAY, 0, finish="length"))
    text = str(first.value)
    assert "Accepted: the file list (main.py, model.py, data.py) and the class diagram" in text
    assert "sequenceDiagram" in text and "File list'" not in text
    with pytest.raises(AnswerError):  # the request's own text echoed back: nothing taken from it
        parse(_reply(TEMPLATE_PARROT, 1))
    arch = parse(_reply(DIAGRAMS_ONLY, 2, last=True))
    assert [f.path for f in arch.files] == ["main.py", "model.py", "data.py"] and arch.entry_point == "main.py"
    assert arch.class_diagram.startswith("classDiagram") and "Main->>Model" in arch.sequence_diagram
    assert arch.implementation_approach.startswith("We use `torch`")
    assert [e.kind for e in refused] == ["repair"]  # the salvaged diagram is recorded


def test_a_diagram_missing_after_every_try_is_recorded_not_fatal(tmp_path):
    refused: list = []
    parse = make_parser(tmp_path, 6, refused)
    answer = RUNAWAY.split("## Data structures")[0]
    for attempt in range(2):
        with pytest.raises(AnswerError):
            parse(_reply(answer, attempt))
    arch = parse(_reply(answer, 2, last=True))
    assert arch.class_diagram == arch.sequence_diagram == "" and len(arch.files) == 3
    assert sorted(e.kind for e in refused) == ["missing_diagram", "missing_diagram"]


def test_no_file_list_after_every_try_still_fails(tmp_path):
    parse = make_parser(tmp_path, 6, [])
    with pytest.raises(AnswerError, match="Missing: '## File list'"):
        parse(_reply("## Program call flow\nnothing", 2, last=True))



def test_a_list_over_the_limit_by_a_redundant_config_py_is_trimmed_without_a_reask(tmp_path):
    """Seen on the Transformer: 6 files with config.py for a limit of 5, asked again twice (4.5 minutes)."""
    six = RUNAWAY.replace("- `- data.py`: handles data loading and preprocessing",
                          "- `- data.py`: data\n- `- config.py`: the hyperparameters\n- `- utils.py`: masks\n"
                          "- `- train.py`: the training loop")
    refused: list = []
    parse = make_parser(tmp_path, 5, refused)
    with pytest.raises(AnswerError, match=r"Accepted: the file list \(main.py, model.py, data.py, utils.py, "
                       r"train.py\) and the class diagram. Still missing: '## Program call flow'"):
        parse(_reply(six, 0))  # (this answer has no sequence diagram: only that is asked again)
    arch = parse(_reply(six, 1, last=True))
    assert [f.path for f in arch.files] == ["main.py", "model.py", "data.py", "utils.py", "train.py"]
    assert any("left out config.py" in e.message for e in refused)
    seven = six.replace("- `- train.py`: the training loop", "- `- train.py`: loop\n- `- eval.py`: BLEU\n"
                        "- `- beam.py`: search")
    with pytest.raises(AnswerError, match="it has 8 files; use at most 5"):
        make_parser(tmp_path, 5, [])(_reply(seven, 0))
