"""Safe, in-memory reading of a paper's source: an arXiv archive (tar, tar.gz, zip, a gzipped .tex) or a folder.

Nothing is written to disk. Members with an absolute path, a ``..`` component, links, devices or FIFOs make
the whole archive refused; so do more than ``max_files`` members or more than ``max_bytes`` of decompressed
data, counted on the bytes actually decompressed, not on the sizes the headers claim. Figures and other binary
files are skipped by name without being kept.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import posixpath
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO

from papercoder.paper.errors import PaperReadError

MAX_BYTES = 200 * 1024 * 1024
MAX_FILES = 5000
_CHUNK = 1 << 16
SKIPPED_SUFFIXES = frozenset({
    ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".eps", ".ps", ".svg", ".webp", ".ico",
    ".heic", ".mp4", ".mov", ".avi", ".webm", ".mp3", ".wav", ".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz",
    ".7z", ".rar", ".npy", ".npz", ".pkl", ".pickle", ".pt", ".pth", ".ckpt", ".h5", ".hdf5", ".mat", ".xlsx",
    ".xls", ".docx", ".pptx", ".ttf", ".otf", ".pfb", ".afm", ".tfm", ".dvi", ".jar", ".exe", ".so", ".dll",
    ".o", ".pyc", ".db", ".sqlite", ".jp2", ".psd", ".ai", ".emf", ".wmf", ".xcf", ".synctex",
})


def is_archive(head: bytes) -> bool:
    """Whether bytes start like a gzip, bzip2, xz, zip or tar archive."""
    return (head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:6] == b"\xfd7zXZ\x00"
            or head[:4] in (b"PK\x03\x04", b"PK\x05\x06") or head[257:262] == b"ustar")


def read_source(path: Path, *, max_bytes: int = MAX_BYTES, max_files: int = MAX_FILES) -> dict[str, bytes]:
    """Read a folder or an archive into memory: relative POSIX path -> content.

    Raises:
        PaperReadError: For an unreadable or hostile input, or one over the limits (one line naming it).

    """
    path = Path(path)
    if path.is_dir():
        return read_folder(path, max_bytes=max_bytes, max_files=max_files)
    return read_archive(path, max_bytes=max_bytes, max_files=max_files)


def read_archive(path: Path, *, max_bytes: int = MAX_BYTES, max_files: int = MAX_FILES) -> dict[str, bytes]:
    """Read an archive file (tar, tar.gz/bz2/xz, zip, or one gzipped file) into memory.

    Raises:
        PaperReadError: Not an archive, a corrupt one, a hostile member, or over the limits (names the archive).

    """
    try:
        with open(path, "rb") as raw:
            head = raw.read(512)
            raw.seek(0)
            if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
                return _read_zip(raw, str(path), max_bytes, max_files)
            if not is_archive(head):
                raise PaperReadError(f"{path}: not an archive (expected .tar.gz, .tar, .zip or .gz)")
            return _read_compressed(raw, head, path, max_bytes, max_files)
    except OSError as exc:
        raise PaperReadError(f"{path}: cannot read the archive ({exc.strerror or exc})") from exc
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError, ValueError, RuntimeError,
            NotImplementedError) as exc:
        if isinstance(exc, PaperReadError):
            raise
        raise PaperReadError(f"{path}: corrupt or unsupported archive ({_one_line(exc)})") from exc


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class _Limited(io.RawIOBase):
    """A read-only stream that counts the bytes read through it and refuses to go past a limit."""

    def __init__(self, inner: IO[bytes], limit: int, name: str) -> None:
        self.inner, self.limit, self.name, self.count = inner, limit, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(min(len(buffer), _CHUNK))
        self.count += len(data)
        if self.count > self.limit:
            raise PaperReadError(f"{self.name}: refused: decompresses to more than {self.limit // (1 << 20)} MB "
                                 f"(a decompression bomb?)")
        buffer[:len(data)] = data
        return len(data)


def _decompressor(raw: IO[bytes], head: bytes) -> IO[bytes]:
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if head[:3] == b"BZh":
        return bz2.BZ2File(raw, mode="rb")  # type: ignore[return-value]
    if head[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(raw, mode="rb")  # type: ignore[return-value]
    return raw


def _read_compressed(raw: IO[bytes], head: bytes, path: Path, max_bytes: int, max_files: int) -> dict[str, bytes]:
    """A (possibly compressed) tar, or a single compressed file such as arXiv's gzipped lone .tex."""
    stream = io.BufferedReader(_Limited(_decompressor(raw, head), max_bytes + 1024 * 1024, str(path)),
                               buffer_size=_CHUNK)
    inner = stream.peek(512)[:512]
    if inner[257:262] == b"ustar" or _looks_like_tar(inner):
        return _read_tar(stream, str(path), max_bytes, max_files)
    if head[:2] != b"\x1f\x8b" and head[:3] != b"BZh" and head[:6] != b"\xfd7zXZ\x00":
        raise PaperReadError(f"{path}: not an archive (expected .tar.gz, .tar, .zip or .gz)")
    data = _read_limited(stream, max_bytes, str(path))
    return {_single_name(raw, path): data}


def _looks_like_tar(block: bytes) -> bool:
    """An old-style (pre-POSIX) tar header: a checksum field that adds up."""
    if len(block) < 512:
        return False
    try:
        stored = int(block[148:156].replace(b"\x00", b" ").strip() or b"-1", 8)
    except ValueError:
        return False
    return stored == sum(block[:148]) + 8 * 32 + sum(block[156:512])


def _single_name(raw: IO[bytes], path: Path) -> str:
    """The name of a lone compressed file: from the gzip header, else the archive's name; ``.tex`` when unsuffixed."""
    name = ""
    try:
        raw.seek(0)
        header = raw.read(1024)
        if header[:2] == b"\x1f\x8b" and header[3] & 0x08:
            start = 10 + (2 + int.from_bytes(header[10:12], "little") if header[3] & 0x04 else 0)
            end = header.find(b"\x00", start)
            name = header[start:end].decode("latin-1") if end > start else ""
    except OSError:
        name = ""
    name = posixpath.basename(name.replace("\\", "/"))
    if not name or name.startswith("."):
        name = path.name
        for suffix in (".gz", ".bz2", ".xz"):
            name = name[: -len(suffix)] if name.lower().endswith(suffix) else name
    text_suffixes = (".tex", ".ltx", ".latex", ".bbl", ".bib", ".sty", ".cls", ".txt", ".md")
    return name if name.lower().endswith(text_suffixes) else name + ".tex"


def _read_limited(stream: IO[bytes], limit: int, name: str) -> bytes:
    out = bytearray()
    while chunk := stream.read(_CHUNK):
        out += chunk
        if len(out) > limit:
            raise PaperReadError(f"{name}: refused: decompresses to more than {limit // (1 << 20)} MB "
                                 f"(a decompression bomb?)")
    return bytes(out)


def _read_tar(stream: IO[bytes], name: str, max_bytes: int, max_files: int) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = count = 0
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            count += 1
            if count > max_files:
                raise PaperReadError(f"{name}: refused: more than {max_files} members")
            member_name = safe_member_name(member.name, name)
            if member.isdir() or member.type in (tarfile.XHDTYPE, tarfile.XGLTYPE):
                continue
            _refuse_special_tar(member, member_name, name)
            if _skipped(member_name):
                continue
            handle = tar.extractfile(member)
            data = _read_limited(handle, max_bytes - total, name) if handle else b""
            total += len(data)
            files[member_name] = data
    return files


def _refuse_special_tar(member: tarfile.TarInfo, member_name: str, name: str) -> None:
    if member.issym() or member.islnk():
        kind = "symbolic link" if member.issym() else "hard link"
        raise PaperReadError(f"{name}: refused: member {member_name!r} is a {kind}")
    if member.ischr() or member.isblk() or member.isfifo() or member.isdev():
        raise PaperReadError(f"{name}: refused: member {member_name!r} is a device or FIFO")
    if not member.isfile():
        raise PaperReadError(f"{name}: refused: member {member_name!r} is not a regular file")


def safe_member_name(raw_name: str, archive: str) -> str:
    """A member's path made relative and POSIX; absolute paths and ``..`` components are refused.

    Raises:
        PaperReadError: For an absolute path, a drive letter, a ``..`` component or a NUL byte.

    """
    member = raw_name.replace("\\", "/")
    if "\x00" in member:
        raise PaperReadError(f"{archive}: refused: member name with a NUL byte")
    if member.startswith("/") or (len(member) > 1 and member[1] == ":"):
        raise PaperReadError(f"{archive}: refused: member {raw_name!r} has an absolute path")
    parts = [p for p in member.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise PaperReadError(f"{archive}: refused: member {raw_name!r} has a '..' component")
    return "/".join(parts)


def _skipped(member_name: str) -> bool:
    """Figures, binaries and macOS resource forks are not read."""
    base = posixpath.basename(member_name)
    if member_name.startswith("__MACOSX/") or base.startswith("._") or base == ".DS_Store":
        return True
    return posixpath.splitext(base)[1].lower() in SKIPPED_SUFFIXES


def _read_zip(raw: IO[bytes], name: str, max_bytes: int, max_files: int) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    with zipfile.ZipFile(raw) as archive:
        infos = archive.infolist()
        if len(infos) > max_files:
            raise PaperReadError(f"{name}: refused: more than {max_files} members")
        for info in infos:
            member_name = safe_member_name(info.filename, name)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise PaperReadError(f"{name}: refused: member {member_name!r} is a symbolic link")
            if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise PaperReadError(f"{name}: refused: member {member_name!r} is a device or FIFO")
            if info.is_dir() or not member_name or _skipped(member_name):
                continue
            with archive.open(info) as handle:
                data = _read_limited(handle, max_bytes - total, name)
            total += len(data)
            files[member_name] = data
    return files


def read_folder(root: Path, *, max_bytes: int = MAX_BYTES, max_files: int = MAX_FILES) -> dict[str, bytes]:
    """Read a source folder into memory (figures skipped; hidden folders such as ``.git`` left out).

    Raises:
        PaperReadError: A link pointing outside the folder, or more files or bytes than the limits.

    """
    root = Path(root)
    real_root = root.resolve()
    files: dict[str, bytes] = {}
    total = 0
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
        for file_name in sorted(names):
            full = Path(folder) / file_name
            rel = full.relative_to(root).as_posix()
            if _skipped(rel):
                continue
            if len(files) >= max_files:
                raise PaperReadError(f"{root}: refused: more than {max_files} files")
            data = _read_confined(full, real_root, max_bytes - total, str(root))
            if data is not None:
                total += len(data)
                files[rel] = data
    return files


def _read_confined(path: Path, real_root: Path, limit: int, name: str) -> bytes | None:
    """Read a regular file that resolves inside the root; links out of it are refused, special files skipped."""
    real = path.resolve()
    if not real.is_relative_to(real_root):
        raise PaperReadError(f"{name}: refused: {path.name!r} links outside the folder")
    if not real.is_file():
        return None
    try:
        with open(real, "rb") as handle:
            return _read_limited(handle, limit, name)
    except OSError as exc:
        raise PaperReadError(f"{name}: cannot read {path.name} ({exc.strerror or exc})") from exc


def folder_fetch(root: Path, *, max_bytes: int = MAX_BYTES) -> Callable[[str], bytes | None]:
    """A reader of files under ``root`` on demand (for a lone .tex file and the files it inputs).

    Paths are relative POSIX paths; a path leaving the folder, a missing or special file gives None; a
    link out of the folder is refused.
    """
    real_root = Path(root).resolve()
    budget = [max_bytes]

    def fetch(rel: str) -> bytes | None:
        parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
        if not parts or ".." in parts or rel.startswith("/"):
            return None
        path = real_root.joinpath(*parts)
        if not (path.exists() or path.is_symlink()) or _skipped(rel):
            return None
        data = _read_confined(path, real_root, budget[0], str(root))
        if data is not None:
            budget[0] -= len(data)
        return data

    return fetch
