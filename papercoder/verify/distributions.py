"""Import names to the distributions that provide them, and what counts as the standard library."""

from __future__ import annotations

import difflib
import re
import sys

# Import names whose distribution on PyPI has another name (the usual suspects in ML code).
IMPORT_TO_DIST = {
    "sklearn": "scikit-learn", "yaml": "pyyaml", "PIL": "pillow", "cv2": "opencv-python",
    "skimage": "scikit-image", "bs4": "beautifulsoup4", "dateutil": "python-dateutil", "attr": "attrs",
    "Crypto": "pycryptodome", "google.protobuf": "protobuf", "dotenv": "python-dotenv",
    "jwt": "pyjwt", "serial": "pyserial", "sentencepiece": "sentencepiece", "faiss": "faiss-cpu",
    "tensorflow_datasets": "tensorflow-datasets", "torch_geometric": "torch-geometric",
    "Levenshtein": "python-levenshtein", "rouge_score": "rouge-score", "lightning": "lightning",
    "pytorch_lightning": "pytorch-lightning", "umap": "umap-learn", "wandb": "wandb",
    "sentence_transformers": "sentence-transformers", "tiktoken": "tiktoken", "gym": "gym",
    "OpenGL": "pyopengl", "mpl_toolkits": "matplotlib", "pkg_resources": "setuptools",
}
STDLIB = set(sys.stdlib_module_names)
# Well-known third-party import names: an unresolved import of one of these is a missing requirement,
# not a missing repository module.
KNOWN_THIRD_PARTY = {
    "numpy", "scipy", "pandas", "matplotlib", "seaborn", "torch", "torchvision", "torchaudio", "tensorflow",
    "keras", "jax", "jaxlib", "flax", "optax", "transformers", "datasets", "tokenizers", "accelerate", "peft",
    "evaluate", "nltk", "spacy", "gensim", "networkx", "tqdm", "requests", "openai", "anthropic", "langchain",
    "einops", "timm", "h5py", "tables", "pyarrow", "numba", "statsmodels", "xgboost", "lightgbm", "catboost",
    "optuna", "hydra", "omegaconf", "tensorboard", "mlflow", "rich", "click", "typer", "pydantic", "sympy",
    "huggingface_hub", "safetensors", "bitsandbytes", "vllm", "trl", "deepspeed", "fairscale", "apex",
    "gymnasium", "stable_baselines3", "jsonlines", "regex", "tiktoken", "absl", "ml_collections", "chex",
    "torchtext", "torchdata", "torchmetrics", "sacrebleu", "sacremoses", "sentencepiece", "subword_nmt",
    "fairseq", "allennlp", "rouge", "bert_score", "textblob", "faiss", "annoy", "hnswlib", "gym",
    "pettingzoo", "mujoco", "dm_control", "opencv", "albumentations", "kornia", "lpips", "clip", "open_clip",
    "diffusers", "xformers", "triton", "onnx", "onnxruntime", "joblib", "psutil", "yaml", "toml", "tabulate",
    "plotly", "wandb", "comet_ml", "neptune", "ray", "dask", "polars", "librosa", "soundfile", "pydub",
    "torch_scatter", "torch_sparse", "dgl", "ogb", "rdkit", "biopython", "Bio", "gpytorch", "botorch", "pyro",
}


def is_known_package(module: str) -> bool:
    """Whether ``module`` is a third-party import name we know (listed, mapped, or installed here)."""
    import importlib.util

    top = module.split(".")[0]
    if top in KNOWN_THIRD_PARTY or top in IMPORT_TO_DIST or module in IMPORT_TO_DIST:
        return True
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def like_known_package(module: str) -> str | None:
    """The well-known package ``module`` is probably a misspelling of (``numpyy`` -> ``numpy``), if any."""
    top = module.split(".")[0]
    close = difflib.get_close_matches(top, [*KNOWN_THIRD_PARTY, *IMPORT_TO_DIST], n=1, cutoff=0.8)
    return close[0] if close and close[0] != top else None


def distribution_of(module: str) -> str:
    """The PyPI distribution (normalised) that provides top-level import ``module``."""
    top = module.split(".")[0]
    return normalize(IMPORT_TO_DIST.get(module) or IMPORT_TO_DIST.get(top) or top)


def normalize(name: str) -> str:
    """PEP 503 name: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def normalized(text: str) -> list[str]:
    """The requirement lines of a requirements.txt, normalised and sorted (options, comments, blanks dropped)."""
    out = set()
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        m = _NAME.match(line)
        if m:
            out.add(normalize(m.group(0)) + re.sub(r"\s+", "", line[m.end():]))
    return sorted(out)


def name_of(requirement: str) -> str:
    """The distribution name of a requirement line."""
    m = _NAME.match(requirement)
    return normalize(m.group(0)) if m else requirement


def requirement_names(text: str) -> set[str]:
    """Normalised distribution names of a requirements.txt (options, comments and markers ignored)."""
    return {name_of(r) for r in normalized(text)}
