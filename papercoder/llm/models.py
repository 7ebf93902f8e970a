"""Model specs to LangChain chat models, built inside nodes (never at import time).

Specs:
    ``local``             the embedded Qwen2.5-Coder-1.5B served in-process by llama.cpp
    ``openai:NAME``       OpenAI, key from the environment variable named by ``api_key_env``
    ``NAME`` + base_url   any OpenAI-compatible server (vLLM, Ollama, LM Studio, OpenRouter, ...)
    a registered name     a factory added with :func:`register_chat_model` (hosts and tests)
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel

from papercoder.context import RunContext

ModelFactory = Callable[[RunContext, int], BaseChatModel]
_REGISTRY: dict[str, ModelFactory] = {}

# llama.cpp's DRY sampler ("don't repeat yourself") for the embedded model's prose, design and YAML answers.
# At temperature 0 the 1.5B model falls into loops (a list item repeated hundreds of times, ever-longer
# made-up config keys) that run to the token limit; a penalty on extending an already-seen sequence of more
# than four tokens breaks them. Not used for code: it also pushes the model away from legitimately repeated
# expressions (measured: a second ``model.predict(data['x'])`` became ``predict(data['y'])``).
LOCAL_ANTI_REPEAT = {"dry_multiplier": 0.8, "dry_base": 1.75, "dry_allowed_length": 4, "dry_penalty_last_n": 1024}


class ModelSpecError(ValueError):
    """A model spec that cannot be turned into a chat model."""


def register_chat_model(name: str, factory: ModelFactory) -> None:
    """Make ``name`` a model spec served by ``factory(context, max_tokens)``.

    Hosts embedding PaperCoder (and the test-suite) use this to bring their own chat model.
    """
    _REGISTRY[name] = factory


def model_label(ctx: RunContext) -> str:
    """A short, stable name of the model for records."""
    if ctx.base_url and ctx.model not in _REGISTRY and not ctx.is_local:
        return f"{ctx.model}@{ctx.base_url}"
    return ctx.model


def endpoint_label(ctx: RunContext) -> str:
    """Where calls of ``ctx`` go, for error messages."""
    if ctx.model in _REGISTRY:
        return f"registered model {ctx.model!r}"
    if ctx.is_local:
        return "the embedded model (llama.cpp on 127.0.0.1)"
    url = ctx.base_url or "https://api.openai.com/v1"
    return f"model {ctx.model.removeprefix('openai:')!r} at {url}"


def is_reasoning_model(name: str) -> bool:
    """OpenAI reasoning models (o1, o3, o4-mini, gpt-5...): no temperature, ``max_completion_tokens``."""
    return bool(_REASONING.match(name.removeprefix("openai:").rsplit("/", 1)[-1]))


_REASONING = re.compile(r"^(o\d|gpt-5)", re.IGNORECASE)


def build_chat_model(ctx: RunContext, *, max_tokens: int, code: bool = False) -> BaseChatModel:
    """Build the chat model named by ``ctx.model``.

    Retries are not the client's: :func:`papercoder.llm.retry.call_with_retries` counts and records them.

    Args:
        ctx: Run settings (for one stage: see :meth:`RunContext.for_stage`).
        max_tokens: Output-token limit of this call.
        code: Whether the answer is code (the embedded model then samples without its repetition penalty).

    Raises:
        ModelSpecError: For an unknown spec or a missing API key.

    """
    spec = ctx.model.strip()
    if spec in _REGISTRY:
        return _REGISTRY[spec](ctx, max_tokens)
    from langchain_openai import ChatOpenAI

    common: dict[str, Any] = {"timeout": ctx.effective_timeout(), "stream_usage": True, "use_responses_api": False,
                              "max_retries": 0, **request_settings(ctx, max_tokens=max_tokens, code=code)}
    if ctx.is_local:
        from papercoder.llm.embedded import EmbeddedServer

        server = EmbeddedServer.shared(n_ctx=ctx.n_ctx, n_parallel=1, speculative=ctx.speculative)
        return ChatOpenAI(model="local", base_url=server.base_url, api_key="local", **common)
    if spec.startswith("openai:"):
        key = os.environ.get(ctx.api_key_env or "OPENAI_API_KEY")
        if not key:
            raise ModelSpecError(f"model {spec!r} needs an API key in ${ctx.api_key_env or 'OPENAI_API_KEY'}")
        kwargs = {"base_url": ctx.base_url} if ctx.base_url else {}
        return ChatOpenAI(model=spec.split(":", 1)[1], api_key=key, **kwargs, **common)
    if ctx.base_url:
        key = os.environ.get(ctx.api_key_env or "", "") or "not-needed"
        return ChatOpenAI(model=spec, base_url=ctx.base_url, api_key=key, **common)
    raise ModelSpecError(
        f"unknown model spec {spec!r}: use 'local', 'openai:NAME', or NAME with --base-url URL"
    )


def request_settings(ctx: RunContext, *, max_tokens: int, code: bool = False) -> dict[str, Any]:
    """The sampling settings of a call to ``ctx.model``: ChatOpenAI keyword arguments.

    Reasoning models get no temperature (they refuse one) and ``reasoning_effort`` when set. OpenAI takes
    ``max_completion_tokens`` (what LangChain sends for ``max_tokens``); other OpenAI-compatible servers also
    get ``max_tokens`` in the body, which older vLLM, Ollama and gateways read instead.
    """
    out: dict[str, Any] = {"max_tokens": max_tokens}
    if ctx.seed >= 0:
        out["seed"] = ctx.seed
    extra: dict[str, Any] = {}
    if is_reasoning_model(ctx.model):
        if ctx.reasoning_effort:
            out["reasoning_effort"] = ctx.reasoning_effort
    else:
        out["temperature"] = ctx.temperature
    if ctx.is_local and not code:
        extra.update(LOCAL_ANTI_REPEAT)
    elif ctx.base_url and not ctx.model.startswith("openai:") and not is_reasoning_model(ctx.model):
        extra["max_tokens"] = max_tokens
    if extra:
        out["extra_body"] = extra
    return out
