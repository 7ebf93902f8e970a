"""Architect: implementation approach, file list, mermaid class and sequence diagrams."""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime
from papercoder.agents.conversation import context_of, planning_messages, workspace_of

from papercoder.context import RunContext
from papercoder.llm import AnswerError, ask
from papercoder.llm.answers import Reply
from papercoder.schemas import ENTRY_POINT_NAMES, Architecture, FileEntry
from papercoder.state import PaperCoderState
from papercoder.textblocks import fenced_blocks, sections
from papercoder.workspace import UnsafePathError, confine, normalize_rel

# Files the pipeline writes itself; an architect listing them is not an error.
WRITTEN_SEPARATELY = {"config.yaml", "requirements.txt", "readme.md", "reproduce.sh"}
SAFE_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")
_PATH = re.compile(r"`([^`\s]+\.[A-Za-z0-9]+)`|([A-Za-z0-9_./\\-]+\.(?:py|sh|yaml|yml|json|txt|cfg|toml|md))\b")


SECTION_TITLES = ("implementation approach", "file list", "data structures and interfaces", "program call flow")


def _outside_fences(text: str) -> str:
    return re.sub(r"^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\1[ \t]*$", "", text, flags=re.MULTILINE | re.DOTALL)


def _diagram(text: str, keyword: str) -> str | None:
    for _lang, body in fenced_blocks(text):
        idx = body.find(keyword)
        if idx >= 0:
            return body[idx:].strip()
    return None


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


def make_parser(root: Any, max_files: int, refused: list[dict[str, Any]]):  # noqa: ANN201
    """Build the architect's answer parser; refused paths are appended to ``refused``."""

    def parse(reply: Reply) -> Architecture:
        refused.clear()
        secs = sections(reply.text, labels=SECTION_TITLES)
        problems: list[str] = []
        files: list[FileEntry] = []
        seen: set[str] = set()
        # The File list section, or else every bullet naming a file anywhere outside the diagrams.
        listed = parse_file_list(secs.get("file list", "")) or parse_file_list(_outside_fences(reply.text))
        for entry in listed:
            try:
                confine(root, entry.path)
            except UnsafePathError as exc:
                refused.append({"stage": "architect", "file": entry.path, "kind": "unsafe_path",
                                "problem": str(exc)})
                continue
            path = normalize_rel(entry.path)
            if not SAFE_PATH.fullmatch(path) or len(path) > 80:
                refused.append({"stage": "architect", "file": entry.path, "kind": "unsafe_path",
                                "problem": f"file name refused: {entry.path!r} (letters, digits, _ . - / only; "
                                           "at most 80 characters)"})
                continue
            if path.lower() in WRITTEN_SEPARATELY or path in seen:
                continue
            seen.add(path)
            files.append(FileEntry(path=path, description=entry.description[:300]))
        if not files:
            problems.append("the '## File list' section lists no files; give one bullet per file as "
                            "`path`: description")
        elif len(files) > max_files and not reply.last:
            problems.append(f"the file list has {len(files)} files; use at most {max_files}")
        entry_point = next((f.path for name in ENTRY_POINT_NAMES for f in files
                            if f.path.rsplit("/", 1)[-1] == name), None)
        if files and entry_point is None and not reply.last:
            problems.append("the file list has no entry point; add `main.py`, which runs the experiments")
        elif files and entry_point is None:
            entry_point = "main.py"
            files.append(FileEntry(path="main.py", description="entry point: runs the experiments end to end"))
            refused.append({"stage": "architect", "file": "main.py", "kind": "repair",
                            "problem": "no entry point was listed; added main.py"})
        if len(files) > max_files and reply.last and entry_point is not None:
            # --max-files is a limit, not a wish: keep the entry point and the first files listed.
            others = [f for f in files if f.path != entry_point][:max(0, max_files - 1)]
            kept = [f for f in files if f.path == entry_point or f in others]
            dropped = [f.path for f in files if f not in kept]
            files = kept
            refused.append({"stage": "architect", "file": ", ".join(dropped), "kind": "repair",
                            "problem": f"the file list kept asking for more than {max_files} files; "
                                       f"left out: {', '.join(dropped)}"})
        class_diagram = _diagram(reply.text, "classDiagram")
        if not class_diagram or "class " not in class_diagram:
            problems.append("the '## Data structures and interfaces' section needs a ```mermaid block that "
                            "starts with classDiagram and declares the classes")
        sequence_diagram = _diagram(reply.text, "sequenceDiagram")
        if not sequence_diagram or "->" not in sequence_diagram:
            problems.append("the '## Program call flow' section needs a ```mermaid block that starts with "
                            "sequenceDiagram and shows the calls")
        if problems:
            raise AnswerError("; ".join(problems))
        return Architecture(
            implementation_approach=secs.get("implementation approach", "").strip() or "(not stated)",
            files=files, entry_point=entry_point or "main.py",
            class_diagram=class_diagram or "", sequence_diagram=sequence_diagram or "",
        )

    return parse


def architect(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Design the architecture; save ``architecture.json`` and the two ``.mmd`` diagrams."""
    ctx = context_of(runtime)
    ws = workspace_of(state)
    refused: list[dict[str, Any]] = []
    arch = ask(ctx=ctx, ws=ws, node="architect", messages=planning_messages(state, ctx, "architect"),
               parse=make_parser(ws.repo, ctx.effective_max_files(), refused), max_tokens=ctx.max_tokens("design"))
    data = arch.model_dump()
    ws.write_artifact("architecture.json", data)
    ws.write_artifact("class_diagram.mmd", arch.class_diagram + "\n")
    ws.write_artifact("sequence_diagram.mmd", arch.sequence_diagram + "\n")
    for err in refused:
        ws.record_error(err)
    return {"architecture": data, "errors": refused}
