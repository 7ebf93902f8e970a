"""Running untrusted generated code: a private copy, its own namespaces, limits and a clean environment.

Each command runs in a separate process, never in the framework's:

- **files**: the repository is copied into a private temporary folder, which is the only writable place:
  in a new mount namespace every other mount is remounted read-only (``HOME`` and ``TMPDIR`` point inside);
- **network**: a new, empty network namespace (``unshare -n``): no interface but a down loopback;
- **processes**: a new PID namespace (killing its first process kills them all), a cgroup ``pids.max``
  where the machine lets us create one, and ``RLIMIT_NPROC``;
- **resources**: CPU seconds, address space, file size and open files (``setrlimit``), and a wall-clock
  timeout after which the whole process group is killed;
- **environment**: only ``PATH``, ``HOME``, ``TMPDIR``, ``LANG`` and a few Python switches: no API keys,
  no tokens, nothing of the user's.

Where the kernel refuses namespaces (some containers), commands still run with limits and the clean
environment, and :attr:`Sandbox.isolation` says what is missing, for the report.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

_PROBE: dict[str, bool] = {}
_WRAPPER = r"""
set -e
sbx="$1"; shift
mount --bind "$sbx" "$sbx"
awk '{print $5}' /proc/self/mountinfo | sort -u | while read -r m; do
  case "$m" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/pts|/dev/mqueue|"$sbx") continue;; esac
  mount -o remount,ro,bind "$m" 2>/dev/null || true
done
cd "$sbx/repo"
exec "$@"
"""


@dataclass
class Limits:
    """Resource limits of one command."""

    cpu_seconds: int = 120
    memory_bytes: int = 8 * 1024**3
    file_bytes: int = 256 * 1024**2
    open_files: int = 256
    processes: int = 64
    wall_seconds: float = 180.0


@dataclass
class Outcome:
    """What a command did."""

    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """Whether it ended by itself with exit code 0."""
        return self.returncode == 0 and not self.timed_out


def namespaces_available() -> bool:
    """Whether ``unshare`` can give us user, mount, network and PID namespaces here."""
    if "ns" not in _PROBE:
        unshare = shutil.which("unshare")
        ok = False
        if unshare and sys.platform.startswith("linux"):
            try:
                ok = subprocess.run([unshare, "-rmnp", "--fork", "--kill-child", "true"], capture_output=True,
                                    timeout=10).returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                ok = False
        _PROBE["ns"] = ok
    return _PROBE["ns"]


def _pids_cgroup(limit: int) -> Path | None:
    """A fresh cgroup with ``pids.max`` (v2 or v1), or None when we may not make one."""
    name = f"papercoder-sandbox-{uuid.uuid4().hex[:12]}"
    for base in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        try:
            if not (base / "cgroup.procs").exists() or (base == Path("/sys/fs/cgroup") and
                                                        "pids" not in (base / "cgroup.controllers").read_text()):
                continue
            group = base / name
            group.mkdir()
            (group / "pids.max").write_text(str(limit))
            return group
        except OSError:
            continue
    return None


@dataclass
class Sandbox:
    """A private copy of a repository, and the way to run commands in it."""

    source: Path
    python: str = sys.executable
    limits: Limits = field(default_factory=Limits)
    root: Path = field(init=False)
    isolation: list[str] = field(init=False, default_factory=list)
    """What isolation is in force (for the report)."""

    def __post_init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="papercoder-sandbox-"))
        shutil.copytree(self.source, self.root / "repo", symlinks=True, copy_function=_copy_present,
                        ignore=shutil.ignore_patterns(".git", "__pycache__", ".venv", ".*.tmp"))
        for sub in ("home", "tmp"):
            (self.root / sub).mkdir()
        self.isolation = (["private copy", "read-only filesystem outside the copy", "no network",
                           "PID namespace"] if namespaces_available()
                          else ["private copy (no namespaces here: network and filesystem NOT isolated)"])
        self.isolation += ["rlimits (cpu, memory, file size, open files)", "clean environment", "wall timeout"]

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the private copy."""
        shutil.rmtree(self.root, ignore_errors=True)

    def env(self) -> dict[str, str]:
        """The whole environment of sandboxed commands."""
        return {"PATH": f"{Path(self.python).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": str(self.root / "home"),
                "TMPDIR": str(self.root / "tmp"), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONNOUSERSITE": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", "PAPERCODER_SANDBOX": "1",
                "PYTHONPATH": str(self.root / "repo")}

    def run(self, args: list[str], *, wall_seconds: float | None = None) -> Outcome:
        """Run ``args`` (``python`` is this sandbox's interpreter) inside the sandbox."""
        args = [self.python if a == "python" else a for a in args]
        limits = self.limits
        group = _pids_cgroup(limits.processes)
        if group is not None and "cgroup pids.max" not in " ".join(self.isolation):
            self.isolation.append(f"cgroup pids.max={limits.processes}")
        if namespaces_available():
            cmd = ["unshare", "-rmnp", "--fork", "--kill-child", "sh", "-c", _WRAPPER, "sandbox", str(self.root),
                   *args]
        else:
            cmd = args

        def limit() -> None:  # in the child, before exec
            os.setsid()
            if group is not None:
                (group / "cgroup.procs").write_text(str(os.getpid()))
            for res, value in ((resource.RLIMIT_CPU, limits.cpu_seconds), (resource.RLIMIT_AS, limits.memory_bytes),
                               (resource.RLIMIT_FSIZE, limits.file_bytes),
                               (resource.RLIMIT_NOFILE, limits.open_files),
                               (resource.RLIMIT_NPROC, limits.processes)):
                resource.setrlimit(res, (value, value))

        started = time.monotonic()
        timeout = wall_seconds or limits.wall_seconds
        try:
            proc = subprocess.Popen(cmd, cwd=self.root / "repo", env=self.env(), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, preexec_fn=limit)
            try:
                out, err = proc.communicate(timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                _kill_group(proc.pid)
                out, err = proc.communicate()
                timed_out = True
            return Outcome(proc.returncode, _text(out), _text(err), round(time.monotonic() - started, 3),
                           timed_out)
        finally:
            if group is not None:
                _remove_group(group)


def _copy_present(src: str, dst: str) -> None:
    """Copy a file unless it is gone: coders of one generation write (and rename) files while another copies."""
    try:
        shutil.copy2(src, dst)
    except FileNotFoundError:
        pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _remove_group(group: Path) -> None:
    for _ in range(50):
        try:
            for pid in (group / "cgroup.procs").read_text().split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            group.rmdir()
            return
        except OSError:
            time.sleep(0.05)


def _text(data: bytes | None, limit: int = 20000) -> str:
    text = (data or b"").decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[:2000] + "\n[...]\n" + text[-(limit - 2000):]
