"""notebooks/quickstart.ipynb executes from top to bottom (nbclient), against the test's model server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Script
from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parents[1]
nbclient = pytest.importorskip("nbclient", reason="the dev extra is not installed")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("matplotlib", reason="the notebook extra is not installed")


def test_quickstart_notebook_executes(monkeypatch, tmp_path):
    with FakeOpenAI(Script()) as server:
        monkeypatch.setenv("PAPERCODER_NOTEBOOK_MODEL", "fake")
        monkeypatch.setenv("PAPERCODER_NOTEBOOK_BASE_URL", server.base_url)
        nb = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
        nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
        # planning (with the interface table), the checklist's 3 parts asked twice each (the script quotes the tiny
        # paper, not this one: every quote is dropped, so each part is asked again once), an analyst and a coder
        # per file
        assert server.answered == 5 + 3 * 2 + 2 * 4
    outputs = ["".join(o.get("text", "") for o in c.get("outputs", [])) for c in nb.cells if c.cell_type == "code"]
    text = "\n".join(outputs)
    assert "markdown | SmoothMix" in text and "2 Method" in text
    assert "coding order:" in text and "main.py" in text
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert images, "the dependency graph is drawn"
    assert any("mermaid" in str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
               if c.cell_type == "code" for o in c.get("outputs", []))
