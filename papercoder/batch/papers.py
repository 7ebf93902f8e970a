"""The paper list of a batch: a text file of paths, or a Paper2Code-style JSON with local paths added."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PATH_KEYS = ("paper_path", "local_path", "path", "pdf_path")


class BatchListError(ValueError):
    """A batch list that cannot be read or names no usable paper."""


@dataclass(frozen=True)
class BatchPaper:
    """One paper of a batch.

    Attributes:
        id: A folder-safe name, unique in the batch (the paper's folder under ``DIR/papers/``).
        path: The paper file (absolute).
        title: A title for the summary (from the JSON list, else the folder or file name).
        rubric: A PaperBench ``rubric.json`` for evaluation: given in the JSON, or lying beside the paper.
        reference: The authors' repository (a local folder) for reference-based judging, if given.
    """

    id: str
    path: str
    title: str
    rubric: str | None = None
    reference: str | None = None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.").lower()[:60] or "paper"


def _paper(path: Path, base: Path, title: str | None, rubric: Any, reference: Any, taken: set[str]) -> BatchPaper:
    path = (base / path).resolve() if not path.is_absolute() else path
    if not path.is_file():
        raise BatchListError(f"{path}: no such paper file")
    stem = path.parent.name if path.stem in ("paper", "main", "source") else path.stem
    ident, n = _slug(stem), 2
    while ident in taken:
        ident, n = f"{_slug(stem)}-{n}", n + 1
    taken.add(ident)
    rubric_path = (base / rubric).resolve() if rubric else path.parent / "rubric.json"
    ref = (base / reference).resolve() if reference else None
    return BatchPaper(id=ident, path=str(path), title=title or stem,
                      rubric=str(rubric_path) if rubric_path.is_file() else None,
                      reference=str(ref) if ref and ref.is_dir() else None)


def load_list(list_file: Path) -> tuple[list[BatchPaper], list[str]]:
    """Read a batch list; returns the papers and notes on entries that were skipped.

    A text list holds one paper path per line (``#`` starts a comment; relative paths are relative to the
    list). A JSON list is ``{"venue": [{"paper": TITLE, "paper_path": PATH, ...}, ...]}`` as in Paper2Code's
    ``paper2code_dataset_info.json`` (or a plain list of such entries); entries without a local path
    (``paper_path``, ``local_path``, ``path`` or ``pdf_path``) are skipped with a note. ``rubric`` and
    ``reference`` (a local copy of the authors' repository) are optional.

    Raises:
        BatchListError: When the list cannot be read, a named paper does not exist, or no paper is left.
    """
    try:
        text = list_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchListError(f"{list_file}: cannot read the batch list: {exc}") from None
    base, taken, notes = list_file.resolve().parent, set[str](), []
    papers: list[BatchPaper] = []
    if list_file.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BatchListError(f"{list_file}: not valid JSON: {exc}") from None
        groups = data.items() if isinstance(data, dict) else [("", data)]
        for venue, entries in groups:
            if not isinstance(entries, list):
                raise BatchListError(f"{list_file}: {venue!r} should hold a list of papers")
            for entry in entries:
                if not isinstance(entry, dict):
                    raise BatchListError(f"{list_file}: an entry of {venue!r} is not an object: {entry!r}"[:300])
                local = next((entry[k] for k in PATH_KEYS if entry.get(k)), None)
                title = str(entry.get("paper") or entry.get("title") or "")
                if not local:
                    notes.append(f"skipped {title or entry!r}: no local paper path ({', '.join(PATH_KEYS)})")
                    continue
                papers.append(_paper(Path(str(local)), base, title or None, entry.get("rubric"),
                                     entry.get("reference"), taken))
    else:
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                papers.append(_paper(Path(line), base, None, None, None, taken))
    if not papers:
        raise BatchListError(f"{list_file}: no paper to run" + (f" ({notes[0]}, ...)" if notes else ""))
    return papers, notes
