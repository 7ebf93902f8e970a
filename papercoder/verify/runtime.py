"""The Python the generated code runs with: a virtual environment with its requirements installed, cached.

One environment per distinct requirement set, kept in the user's cache folder and keyed by a hash of the
normalised requirements and the Python version, so it is made once and reused across runs and papers.
Installation uses pip as configured on the machine (its index, find-links and constraints), outside the sandbox;
the code itself then runs in the sandbox, where the environment is read-only and there is no network.

Installation never stops on one bad line of a model's requirements.txt:

1. everything at once;
2. if that fails, each requirement alone; a pinned one that does not install is tried again without its pin
   (coders invent versions), and that is recorded;
3. what still does not install (an unknown name, no network) is reported by name, and the rest stays installed;
4. when nothing could be installed at all, the code runs with the bare interpreter, and the report says so.

Large frameworks (:data:`SHARED`) go into one shared environment per Python version, which every requirement
set's environment sees through a ``.pth`` file: a second requirement set that needs torch does not install it
again (pip counts it as already there, unless a pin asks for another version).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import platformdirs

from papercoder.verify.distributions import name_of, normalized

SHARED = frozenset({"torch", "torchvision", "torchaudio", "tensorflow", "tensorflow-cpu", "jax", "jaxlib"})
"""Distributions installed once per Python version, in the shared environment."""
PIP_SECONDS = 1800.0
"""Longest one pip command may take (a large framework from a slow index)."""
_PURELIB = "import sysconfig; print(sysconfig.get_path('purelib'))"


@dataclass
class Runtime:
    """The interpreter for a repository's code, and how it came to be."""

    python: str
    installed: list[str] = field(default_factory=list)
    """Requirements installed (as asked, or relaxed to the bare name)."""
    relaxed: list[str] = field(default_factory=list)
    """Pinned requirements that did not install and were installed without their pin."""
    failed: dict[str, str] = field(default_factory=dict)
    """Requirement -> why it could not be installed (pip's last line)."""
    seconds: float = 0.0
    """Time spent installing (0 when the environment was made before)."""
    cached: bool = False
    bare: bool = False
    """True when the code runs with the bare interpreter (nothing to install, install off, or nothing installed)."""
    notes: list[str] = field(default_factory=list)


def environments_dir() -> Path:
    """Where runtimes are kept: ``$PAPERCODER_RUNTIME_DIR``, else ``<user cache>/papercoder/sandbox-envs``."""
    override = os.environ.get("PAPERCODER_RUNTIME_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("papercoder")) / "sandbox-envs"


def _python_of(env: Path) -> str:
    return str(env / "bin" / "python")


def _tag() -> str:
    return f"py{sys.version_info.major}.{sys.version_info.minor}"


def bare_python() -> str:
    """A virtual environment with nothing installed (the framework's own packages do not leak in)."""
    env = environments_dir() / f"bare-{_tag()}"
    if not Path(_python_of(env)).exists():
        venv.EnvBuilder(with_pip=False, clear=True).create(env)
    return _python_of(env)


def _pip(python: str, *args: str) -> tuple[bool, str]:
    """Run pip in an environment; (ok, the last line pip wrote on failure)."""
    try:
        done = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
                              capture_output=True, text=True, timeout=PIP_SECONDS)
    except subprocess.TimeoutExpired:
        return False, f"pip ran past {PIP_SECONDS:.0f} s"
    lines = [ln.strip() for ln in (done.stderr or done.stdout).splitlines() if ln.strip()
             and not ln.lstrip().startswith("WARNING")]
    return done.returncode == 0, (lines[-1] if lines else f"pip exited with {done.returncode}")[:300]


def _make_env(env: Path, shared: Path | None = None) -> str:
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--clear", str(env)], check=True, capture_output=True)
    python = _python_of(env)
    if shared is not None:
        purelib = subprocess.run([python, "-c", _PURELIB], capture_output=True, text=True, check=True).stdout.strip()
        shared_lib = subprocess.run([_python_of(shared), "-c", _PURELIB], capture_output=True, text=True,
                                    check=True).stdout.strip()
        Path(purelib, "_papercoder_shared.pth").write_text(shared_lib + "\n")
    return python


def _install_each(python: str, requirements: list[str], rt: Runtime) -> None:
    """Each requirement alone; a pin that does not install is relaxed; what still fails is recorded."""
    for req in requirements:
        ok, why = _pip(python, req)
        if ok:
            rt.installed.append(req)
            continue
        name = name_of(req)
        if name != req:
            relaxed_ok, _ = _pip(python, name)
            if relaxed_ok:
                rt.installed.append(name)
                rt.relaxed.append(req)
                continue
        rt.failed[req] = why


def _install(python: str, requirements: list[str], rt: Runtime) -> None:
    if not requirements:
        return
    ok, _ = _pip(python, *requirements)
    if ok:
        rt.installed += requirements
    else:
        _install_each(python, requirements, rt)


def _shared_env(requirements: list[str], rt: Runtime) -> Path | None:
    """The shared environment, with the large frameworks of ``requirements`` installed in it (None: none asked)."""
    heavy = [r for r in requirements if name_of(r) in SHARED]
    if not heavy:
        return None
    env = environments_dir() / f"shared-{_tag()}"
    with _locked(env):
        record = env / ".papercoder-installed.json"
        if not record.is_file():
            _make_env(env)
            record.write_text("{}")
        done = json.loads(record.read_text())
        todo = [r for r in heavy if r not in done]
        if todo:
            sub = Runtime(python=_python_of(env))
            _install(sub.python, todo, sub)
            done.update({r: "ok" for r in [*sub.installed, *sub.relaxed]} | sub.failed)
            record.write_text(json.dumps(done, indent=1))
            rt.relaxed += sub.relaxed
    rt.failed.update({r: done[r] for r in heavy if done.get(r, "ok") != "ok"})
    rt.installed += [r for r in heavy if done.get(r) == "ok"]
    return env


_UNINSTALLABLE: dict[str, Runtime] = {}
"""Requirement sets of which nothing installed, by environment name: not tried again by this process."""


@contextmanager
def _locked(env: Path) -> Iterator[None]:
    """One process at a time makes an environment (parallel papers of a batch may share it)."""
    env.parent.mkdir(parents=True, exist_ok=True)
    with open(env.parent / f".{env.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def runtime_for(repo: Path, *, install: bool = True) -> Runtime:
    """The interpreter for ``repo``'s code: its requirements installed (cached), or the bare interpreter.

    Never raises for a requirement that cannot be installed: it is in ``failed``, named.
    """
    req = Path(repo) / "requirements.txt"
    text = req.read_text(encoding="utf-8", errors="replace") if req.is_file() else ""
    return runtime_for_requirements(text.splitlines(), install=install)


def runtime_for_requirements(lines: list[str], *, install: bool = True) -> Runtime:
    """The interpreter for code that needs the requirement ``lines`` (as in a requirements.txt)."""
    requirements = normalized("\n".join(lines))
    if not install:
        return Runtime(python=bare_python(), bare=True,
                       notes=["bare interpreter: requirements not installed (--no-install)"])
    if not requirements:
        return Runtime(python=bare_python(), bare=True, notes=["no requirements: the bare interpreter"])
    key = hashlib.sha256(f"{_tag()}\n{sys.implementation.name}\n".encode() + "\n".join(requirements).encode())
    env = environments_dir() / f"req-{_tag()}-{key.hexdigest()[:16]}"
    if env.name in _UNINSTALLABLE:
        return _UNINSTALLABLE[env.name]
    with _locked(env):
        return _made(env, requirements)


def _made(env: Path, requirements: list[str]) -> Runtime:
    """The environment ``env`` for ``requirements``: as made before (its record), or made now."""
    record = env / ".papercoder-runtime.json"
    if record.is_file():
        rt = Runtime(**json.loads(record.read_text()))
        rt.cached, rt.seconds = True, 0.0
        return rt
    started = time.monotonic()
    rt = Runtime(python=_python_of(env))
    shared = _shared_env(requirements, rt)
    _make_env(env, shared)
    _install(rt.python, [r for r in requirements if name_of(r) not in SHARED], rt)
    rt.seconds = round(time.monotonic() - started, 1)
    if not rt.installed:
        rt.python, rt.bare = bare_python(), True
        rt.notes.append("nothing in requirements.txt could be installed: the bare interpreter")
        _UNINSTALLABLE[env.name] = rt
    else:
        rt.notes.append(f"requirements installed in {env}")
        record.write_text(json.dumps({k: v for k, v in asdict(rt).items() if k not in ("cached", "seconds")}))
    return rt
