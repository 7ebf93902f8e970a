"""The architect's file-list reader on the bullet forms the embedded model really writes."""

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
