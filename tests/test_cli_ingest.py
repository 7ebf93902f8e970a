"""``papercoder ingest``: the paper as the agents see it, a one-line summary, clear errors."""

from __future__ import annotations

import io
import tarfile

from typer.testing import CliRunner

from papercoder.cli import app
from tests.conftest import EXAMPLES

runner = CliRunner()


def test_ingest_prints_markdown_and_summary():
    result = runner.invoke(app, ["ingest", str(EXAMPLES / "smoothmix.pdf")])
    assert result.exit_code == 0, result.output
    assert "# SmoothMix: Mixup with Label Smoothing for Small MLP Classifiers" in result.stdout
    assert "## 2 Method" in result.stdout
    assert "pdf: SmoothMix" in result.stderr and "5 sections" in result.stderr and "tokens" in result.stderr


def test_ingest_writes_file_with_budget(tmp_path):
    out = tmp_path / "sub" / "paper.md"
    result = runner.invoke(app, ["ingest", str(EXAMPLES / "smoothmix.md"), "-o", str(out), "--budget", "200"])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("# SmoothMix") and "(budget 200)" in result.stderr
    assert result.stdout == ""


def test_ingest_shows_the_digest(tmp_path):
    out = tmp_path / "digest.md"
    result = runner.invoke(app, ["ingest", str(EXAMPLES / "smoothmix.md"), "-o", str(out), "--budget", "600",
                                 "--digest"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "## 2 Method" in text and "## 3 Experimental Setup" in text
    assert "## 1 Introduction" not in text and "## 4 Results" not in text
    assert "dropped: 3 sections (1 Introduction, 4 Results, 5 Conclusion)" in result.stderr


def test_ingest_bad_input_is_one_clear_line(tmp_path):
    hostile = tmp_path / "evil.tar.gz"
    with tarfile.open(hostile, "w:gz") as tar:
        data = b"\\documentclass{article}\\begin{document}x\\end{document}"
        info = tarfile.TarInfo("../escape.tex")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    for bad, cause in [(tmp_path / "missing.pdf", "no such file"), (hostile, "evil.tar.gz")]:
        result = runner.invoke(app, ["ingest", str(bad), "-o", str(tmp_path / "out.md")])
        assert result.exit_code == 1
        assert "error" in result.stderr and cause in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.tar.gz"]
    assert not (tmp_path.parent / "escape.tex").exists()
