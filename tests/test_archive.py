"""Reading arXiv source archives and folders in memory; hostile archives are refused, nothing is written."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from papercoder.paper.archive import read_archive, read_folder, read_source
from papercoder.paper.errors import PaperReadError

PAPERS = Path(__file__).resolve().parents[1].parent / "shared" / "papers"
TEX = b"\\documentclass{article}\\begin{document}\\section{Intro}Hello.\\end{document}\n"


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def _special(name: str, kind: bytes, **fields: str) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    for key, value in fields.items():
        setattr(info, key, value)
    return info, None


def _assert_refused(path: Path, cause: str, **limits: int) -> None:
    before = sorted(os.listdir(path.parent))
    with pytest.raises(PaperReadError) as err:
        read_archive(path, **limits)
    message = str(err.value)
    assert str(path) in message and cause in message and "\n" not in message
    assert sorted(os.listdir(path.parent)) == before  # nothing extracted beside the archive
    for escaped in (path.parent.parent / "evil.txt", Path("/tmp/evil.txt"), Path.cwd() / "evil.txt"):
        assert not escaped.exists()


@pytest.mark.skipif(not (PAPERS / "what-will-my-model-forget" / "source.tar.gz").is_file(),
                    reason="../shared/papers/what-will-my-model-forget/source.tar.gz is absent")
def test_real_arxiv_archive_is_read_in_memory_without_figures():
    files = read_archive(PAPERS / "what-will-my-model-forget" / "source.tar.gz")
    assert {"main.tex", "main.bbl", "chapters/3-method.tex", "floats/algo_logit.tex"} <= set(files)
    assert not [name for name in files if name.endswith(".pdf")]
    assert files["main.tex"].startswith(b"%%%%%%%% ICML 2024")


def test_tar_gz_and_plain_tar_and_zip_give_the_same_files(tmp_path):
    members = [_file("./main.tex", TEX), _file("sec/a.tex", b"A"), _file("fig/plot.png", b"\x89PNG" + bytes(100))]
    gz = _tar(tmp_path / "src.tar.gz", members)
    plain = _tar(tmp_path / "src.tar", [_file("main.tex", TEX), _file("sec/a.tex", b"A")], mode="w")
    zipped = tmp_path / "src.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("main.tex", TEX)
        zf.writestr("sec/a.tex", b"A")
        zf.writestr("fig/plot.png", b"\x89PNG")
    expected = {"main.tex": TEX, "sec/a.tex": b"A"}
    assert read_archive(gz) == read_archive(plain) == read_archive(zipped) == expected


def test_a_lone_gzipped_tex_is_read_under_its_name(tmp_path):
    path = tmp_path / "2401.00001"
    with open(path, "wb") as raw, gzip.GzipFile(filename="paper.tex", mode="wb", fileobj=raw) as gz:
        gz.write(TEX)
    assert read_archive(path) == {"paper.tex": TEX}
    anonymous = tmp_path / "2401.00002.gz"
    anonymous.write_bytes(gzip.compress(TEX))
    assert read_archive(anonymous) == {"2401.00002.tex": TEX}


@pytest.mark.parametrize(("name", "cause"), [
    ("/etc/evil.txt", "absolute path"),
    ("../evil.txt", "'..' component"),
    ("sec/../../evil.txt", "'..' component"),
    ("C:/evil.txt", "absolute path"),
])
def test_hostile_member_paths_are_refused(tmp_path, name, cause):
    path = _tar(tmp_path / "evil.tar.gz", [_file("main.tex", TEX), _file(name, b"x")])
    _assert_refused(path, cause)


@pytest.mark.parametrize(("member", "cause"), [
    (_special("link.tex", tarfile.SYMTYPE, linkname="/etc/passwd"), "symbolic link"),
    (_special("hard.tex", tarfile.LNKTYPE, linkname="main.tex"), "hard link"),
    (_special("dev", tarfile.CHRTYPE), "device or FIFO"),
    (_special("blk", tarfile.BLKTYPE), "device or FIFO"),
    (_special("pipe", tarfile.FIFOTYPE), "device or FIFO"),
])
def test_links_devices_and_fifos_are_refused(tmp_path, member, cause):
    path = _tar(tmp_path / "evil.tar.gz", [_file("main.tex", TEX), member])
    _assert_refused(path, cause)


def test_zip_links_and_escaping_names_are_refused(tmp_path):
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as zf:
        info = zipfile.ZipInfo("main.tex")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    _assert_refused(link, "symbolic link")
    escape = tmp_path / "escape.zip"
    with zipfile.ZipFile(escape, "w") as zf:
        zf.writestr("../evil.txt", "x")
    _assert_refused(escape, "'..' component")


def _zeros(size: int):
    chunk = bytes(1 << 20)
    for _ in range(size >> 20):
        yield chunk


def test_a_decompression_bomb_is_refused_while_streaming(tmp_path):
    bomb = tmp_path / "bomb.tar.gz"
    size = 8 << 20
    with tarfile.open(bomb, "w:gz", compresslevel=1) as tar:
        info = tarfile.TarInfo("main.tex")
        info.size = size
        tar.addfile(info, io.BufferedReader(_GeneratorReader(_zeros(size))))
    assert bomb.stat().st_size < 100_000
    _assert_refused(bomb, "decompression bomb", max_bytes=1 << 20)
    # a figure (skipped, never kept) still counts: the decompressed stream itself is capped
    figure = tmp_path / "figure-bomb.tar.gz"
    with tarfile.open(figure, "w:gz", compresslevel=1) as tar:
        info = tarfile.TarInfo("figure.png")
        info.size = size
        tar.addfile(info, io.BufferedReader(_GeneratorReader(_zeros(size))))
    _assert_refused(figure, "decompression bomb", max_bytes=1 << 20)


def test_zip_and_gzip_bombs_are_refused(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf, zf.open("main.tex", "w") as handle:
        for chunk in _zeros(8 << 20):
            handle.write(chunk)
    _assert_refused(bomb, "decompression bomb", max_bytes=1 << 20)
    single = tmp_path / "paper.gz"
    single.write_bytes(gzip.compress(bytes(8 << 20), compresslevel=1))
    _assert_refused(single, "decompression bomb", max_bytes=1 << 20)


def test_too_many_members_are_refused(tmp_path):
    path = _tar(tmp_path / "many.tar.gz", [_file(f"f{k}.tex", b"x") for k in range(30)])
    _assert_refused(path, "more than 10 members", max_files=10)


def test_not_an_archive_and_a_corrupt_one_are_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("just text")
    _assert_refused(text, "not an archive")
    corrupt = tmp_path / "broken.tar.gz"
    corrupt.write_bytes(gzip.compress(os.urandom(4000))[:300])
    with pytest.raises(PaperReadError, match="broken.tar.gz"):
        read_archive(corrupt)


def test_folder_reading_skips_figures_and_hidden_folders_and_refuses_links_out(tmp_path):
    root = tmp_path / "paper"
    (root / "sec").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "main.tex").write_bytes(TEX)
    (root / "sec" / "a.tex").write_bytes(b"A")
    (root / "plot.pdf").write_bytes(b"%PDF-1.4")
    (root / ".git" / "config").write_bytes(b"[core]")
    (root / "inside.tex").symlink_to(root / "sec" / "a.tex")
    assert read_source(root) == {"main.tex": TEX, "sec/a.tex": b"A", "inside.tex": b"A"}
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    (root / "leak.tex").symlink_to(outside)
    with pytest.raises(PaperReadError, match="links outside the folder"):
        read_folder(root)


class _GeneratorReader(io.RawIOBase):
    """A stream over generated chunks, so a large member is written without holding it in memory."""

    def __init__(self, chunks):
        self.chunks, self.pending = chunks, b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self.pending:
            self.pending = next(self.chunks, b"")
            if not self.pending:
                return 0
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n
