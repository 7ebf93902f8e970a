"""A verification finding: where, what kind, and what is wrong."""

from __future__ import annotations

from pydantic import BaseModel

KINDS = {
    "syntax": "the file does not compile",
    "missing_module": "an import names a repository module that does not exist",
    "undefined_name": "an import takes a name its repository module does not define",
    "name_error": "a name is used where nothing defines it (a NameError when that line runs)",
    "missing_requirement": "a third-party import is not in requirements.txt",
    "missing_package": "a third-party package is not installed where the code ran",
    "uninstallable_requirement": "a line of requirements.txt could not be installed",
    "relaxed_requirement": "a pinned requirement does not exist in that version and was installed without the pin",
    "config_key": "the code reads a config key config.yaml does not have",
    "dag_mismatch": "the imports written disagree with the planned dependency graph",
    "entry_point": "reproduce.sh calls a file that does not exist",
    "import_error": "importing the module raised an error",
    "smoke_failed": "the smoke run of the entry point failed",
    "timeout": "a step ran past its time limit",
    "too_many_files": "the repository has more files than verification reads",
}


class Finding(BaseModel):
    """One problem found in a repository."""

    file: str
    line: int = 0
    kind: str
    message: str
    blocking: bool = True
    """Whether it stops the code from running (a DAG mismatch, say, does not)."""
    target: str = ""
    """For a missing module: the repository file that would resolve the import (the debugger may create it)."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}: {self.message}"
