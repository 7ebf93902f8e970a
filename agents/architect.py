"""Architect: implementation approach, file list, mermaid class and sequence diagrams."""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime
from papercoder.agents.conversation import planning_messages

from papercoder.context import RunContext
from papercoder.llm import AnswerError, ask
from papercoder.llm.answers import Reply
from papercoder.problems import Problem, record_problem, state_update
from papercoder.runtime import context_of, workspace_of
from papercoder.schemas import ENTRY_POINT_NAMES, Architecture, FileEntry
from papercoder.state import PaperCoderState
from papercoder.textblocks import fenced_blocks, sections, unclosed_block
from papercoder.workspace import UnsafePathError, confine, normalize_rel

# Files the pipeline writes itself; an architect listing them is not an error.
WRITTEN_SEPARATELY = {"config.yaml", "requirements.txt", "readme.md", "reproduce.sh"}
SAFE_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")
_PATH = re.compile(r"`([^`\s]+\.[A-Za-z0-9]+)`|([A-Za-z0-9_./\\-]+\.(?:py|sh|yaml|yml|json|txt|cfg|toml|md))\b")


SECTION_TITLES = ("implementation approach", "file list", "data structures and interfaces", "program call flow")


def _outside_fences(text: str) -> str:
    return re.sub(r"^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\1[ \t]*$", "", text, flags=re.MULTILINE | re.DOTALL)


def parse_file_list(section: str) -> list[FileEntry]:
    """Read ``- `path`: description`` bullets (backticks optional) from the File list section."""
    entries: list[FileEntry] = []
    for line in section.splitlines():
        if not re.match(r"^\s*([-*+]|\d+[.)])\s+", line):
            continue
        m = _PATH.search(line)
        if not m:
            continue
        path = m.group(1) or m.group(2)
        desc = line[m.end():].strip().lstrip(":-–— ").strip()
        entries.append(FileEntry(path=path, description=desc))
    return entries


TEMPLATE_ECHO = ("A short paragraph: the libraries", "One bullet per Python file", "A mermaid class diagram in a",
                 "A mermaid sequence diagram in a")
"""Lines of the request itself: a small model re-asked sometimes answers with the request's own text."""

MAX_MEMBERS = 15
"""Members kept per class of a class diagram salvaged from an answer cut at its token limit."""


def _diagram(text: str, keyword: str) -> str | None:
    for _lang, body in fenced_blocks(text):
        idx = body.find(keyword)
        if idx >= 0:
            return body[idx:].strip()
    return None


def salvage_diagram(text: str, keyword: str) -> tuple[str, str] | None:
    """A diagram from a fenced block that was never closed (the answer hit its token limit), made whole.

    The last, possibly cut, line goes; repeated lines go; a class keeps its first :data:`MAX_MEMBERS` members
    (the embedded model can list attributes until the limit); an open class body is closed.

    Returns:
        The diagram and a note of what was cut, or None when there is no such block or nothing is left.
    """
    cut = unclosed_block(text)
    if cut is None or keyword not in cut[1]:
        return None
    lines = cut[1][cut[1].index(keyword):].splitlines()[:-1]
    if len(lines) < 2:
        return None
    out, seen, in_class, members, dropped = [lines[0].strip()], set(), False, 0, 0
    for line in lines[1:]:
        stripped = line.strip()
        if not stripped:
            continue
        if re.match(r"^class\s+\S+.*\{$", stripped):
            in_class, members, seen = True, 0, set()
        elif stripped == "}":
            in_class = False
        elif in_class:
            members += 1
            if members > MAX_MEMBERS or stripped in seen:
                dropped += 1
                continue
            seen.add(stripped)
        elif stripped in out:
            dropped += 1
            continue
        out.append(line.rstrip())
    if in_class:
        out.append("    }")
    if len(out) < 2:
        return None
    return "\n".join(out), f"the {keyword} was cut off at the token limit; kept its complete part" + (
        f" ({dropped} repeated or surplus lines left out)" if dropped else "")


class _Design:
    """The architect's answer, gathered over tries: each part is kept from the first try that gave it.

    A small model rarely gets all four parts right at once: one try runs on in the class diagram until the
    token limit, the next writes the file list again but no diagram. So a re-ask asks only for what is still
    missing, and the parts are put together. On the last try a missing diagram is recorded, not fatal: the
    file list is what the rest of the pipeline needs.
    """

    def __init__(self, root: Any, max_files: int, refused: list[Problem]):
        self.root, self.max_files, self.refused = root, max_files, refused
        self.approach = ""
        self.files: list[FileEntry] = []
        self.files_ok = False
        self.diagrams: dict[str, str] = {}
        self.notes: list[Problem] = []

    def read_files(self, text: str, secs: dict[str, str]) -> list[FileEntry]:
        """The listed files that can be used (unsafe names refused and recorded)."""
        listed = parse_file_list(secs.get("file list", "")) or parse_file_list(_outside_fences(text))
        files: list[FileEntry] = []
        seen: set[str] = set()
        for entry in listed:
            if any(t in entry.description for t in TEMPLATE_ECHO):
                continue
            try:
                confine(self.root, entry.path)
            except UnsafePathError as exc:
                self.refused.append(Problem(stage="architect", file=entry.path, kind="unsafe_path",
                                            message=str(exc), action="file left out"))
                continue
            path = normalize_rel(entry.path)
            if not SAFE_PATH.fullmatch(path) or len(path) > 80:
                self.refused.append(Problem(stage="architect", file=entry.path, kind="unsafe_path",
                                            message=f"file name refused: {entry.path!r} (letters, digits, _ . - / "
                                                    "only; at most 80 characters)", action="file left out"))
                continue
            if path.lower() in WRITTEN_SEPARATELY or path in seen:
                continue
            seen.add(path)
            files.append(FileEntry(path=path, description=entry.description[:300]))
        return files

    def __call__(self, reply: Reply) -> Architecture:
        self.refused.clear()
        text = reply.text
        secs = sections(text, labels=SECTION_TITLES)
        approach = secs.get("implementation approach", "").strip()
        if approach and not self.approach and not any(t in approach for t in TEMPLATE_ECHO):
            self.approach = approach
        files = self.read_files(text, secs)
        entry = _entry_point(files)
        if not self.files_ok and files and entry is not None and len(files) > self.max_files:
            files = self.without_redundant(files, entry)
        if not self.files_ok and files:
            if entry is not None and len(files) <= self.max_files:
                self.files, self.files_ok = files, True
            elif len(files) >= len(self.files):
                self.files = files  # the best so far; made usable on the last try if nothing better comes
        for key, keyword, marker in (("class", "classDiagram", "class "), ("sequence", "sequenceDiagram", "->")):
            if key in self.diagrams:
                continue
            found = _diagram(text, keyword)
            if found and marker in found:
                self.diagrams[key] = found
            elif (salvaged := salvage_diagram(text, keyword)) is not None and marker in salvaged[0]:
                self.diagrams[key] = salvaged[0]
                self.notes.append(Problem(stage="architect", kind="repair", message=salvaged[1]))
        problems = self.missing()
        if problems and not reply.last:
            raise AnswerError(self.reask(problems))
        if not self.files:
            raise AnswerError(self.reask(problems))
        return self.assemble()

    def without_redundant(self, files: list[FileEntry], entry: str) -> list[FileEntry]:
        """``files`` within the limit by leaving out what the repository has elsewhere, when that is enough.

        A ``config.py`` (or ``settings.py``, ``constants.py``) duplicates config.yaml, and a ``utils.py`` (or
        ``helpers.py``) holds what its callers can define: seen on the Transformer, a 6-file list with
        ``config.py`` for a limit of 5 cost two re-asks (4.5 minutes). Otherwise ``files`` as they are.
        """
        order = [f for name in REDUNDANT for f in files if f.path.rsplit("/", 1)[-1] == name and f.path != entry]
        drop = order[:len(files) - self.max_files]
        if len(files) - len(drop) > self.max_files:
            return files
        self.notes.append(Problem(stage="architect", file=", ".join(f.path for f in drop), kind="repair",
                                  message=f"the file list had {len(files)} files for a limit of {self.max_files}; "
                                          f"left out {', '.join(f.path for f in drop)} (config.yaml and the "
                                          "calling files hold what it would)"))
        return [f for f in files if f not in drop]

    def missing(self) -> list[str]:
        problems = []
        if not self.files_ok:
            if not self.files:
                problems.append("file list: it lists no files")
            elif _entry_point(self.files) is None:
                problems.append("file list: it has no entry point; add `main.py`, which runs the experiments")
            else:
                problems.append(f"file list: it has {len(self.files)} files; use at most {self.max_files}")
        if "class" not in self.diagrams:
            problems.append("class diagram")
        if "sequence" not in self.diagrams:
            problems.append("sequence diagram")
        return problems

    def reask(self, problems: list[str]) -> str:
        """The complaint: what is still missing, and that only that is wanted now."""
        asks = []
        if problems[0].startswith("file list"):
            asks.append(f"'## File list' ({problems[0].split(': ', 1)[1]}): one bullet per Python file as "
                        f"- `path.py`: what it holds; at most {self.max_files} files, including `main.py`")
        if "class diagram" in problems:
            asks.append("'## Data structures and interfaces': a ```mermaid block whose first line is classDiagram, "
                        "declaring the main classes (at most 8, each with its few key attributes and methods)")
        if "sequence diagram" in problems:
            asks.append("'## Program call flow': a ```mermaid block whose first line is sequenceDiagram, with "
                        "lines like `Main->>Model: train(data)`")
        kept = []
        if self.files_ok:
            kept.append("the file list (" + ", ".join(f.path for f in self.files) + ")")
        if "class" in self.diagrams:
            kept.append("the class diagram")
        if "sequence" in self.diagrams:
            kept.append("the sequence diagram")
        head = ("Accepted: " + " and ".join(kept) + ". Still missing: " if kept else "Missing: ")
        return head + "; ".join(asks) + ". Write only the missing section(s), with their ## headings."

    def assemble(self) -> Architecture:
        files = list(self.files)
        entry_point = _entry_point(files)
        if entry_point is None:
            entry_point = "main.py"
            files.append(FileEntry(path="main.py", description="entry point: runs the experiments end to end"))
            self.notes.append(Problem(stage="architect", file="main.py", kind="repair",
                                      message="no entry point was listed; added main.py"))
        if len(files) > self.max_files:
            # --max-files is a limit, not a wish: keep the entry point and the first files listed.
            others = [f for f in files if f.path != entry_point][:max(0, self.max_files - 1)]
            kept = [f for f in files if f.path == entry_point or f in others]
            dropped = [f.path for f in files if f not in kept]
            files = kept
            self.notes.append(Problem(stage="architect", file=", ".join(dropped), kind="repair",
                                      message=f"the file list kept asking for more than {self.max_files} files; "
                                              f"left out: {', '.join(dropped)}"))
        for key, name in (("class", "class diagram"), ("sequence", "sequence diagram")):
            if key not in self.diagrams:
                self.notes.append(Problem(stage="architect", kind="missing_diagram",
                                          message=f"no usable {name} after every try; the design goes on without it"))
        self.refused.extend(self.notes)
        return Architecture(implementation_approach=self.approach or "(not stated)", files=files,
                            entry_point=entry_point, class_diagram=self.diagrams.get("class", ""),
                            sequence_diagram=self.diagrams.get("sequence", ""))


REDUNDANT = ("config.py", "configs.py", "settings.py", "constants.py", "utils.py", "helpers.py", "util.py")
"""Files a plan over its size limit can leave out first, in this order."""


def _entry_point(files: list[FileEntry]) -> str | None:
    return next((f.path for name in ENTRY_POINT_NAMES for f in files if f.path.rsplit("/", 1)[-1] == name), None)


def make_parser(root: Any, max_files: int, refused: list[Problem]) -> _Design:
    """Build the architect's answer parser; refused paths and repairs are appended to ``refused``."""
    return _Design(root, max_files, refused)


def architect(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Design the architecture; save ``architecture.json`` and the two ``.mmd`` diagrams."""
    ctx = context_of(runtime)
    ws = workspace_of(state)
    refused: list[Problem] = []
    arch = ask(ctx=ctx, ws=ws, node="architect", messages=planning_messages(state, ctx, "architect"),
               parse=make_parser(ws.repo, ctx.effective_max_files(), refused), max_tokens=ctx.max_tokens("design"))
    data = arch.model_dump()
    ws.write_artifact("architecture.json", data)
    ws.write_artifact("class_diagram.mmd", arch.class_diagram + "\n")
    ws.write_artifact("sequence_diagram.mmd", arch.sequence_diagram + "\n")
    record_problem(ws, *refused)
    return {"architecture": data, **state_update(ws)}
