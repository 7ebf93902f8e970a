"""Run settings: the graph's ``context_schema``.

Everything here is a plain, JSON-schema-able value so that LangGraph Studio renders it as a form and a
server can receive it as JSON. Chat models are built from these settings inside nodes, never at import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LOCAL_MODEL = "local"


@dataclass(kw_only=True)
class RunContext:
    """Settings of one paper-to-code run (not part of the graph state)."""

    model: str = field(
        default=LOCAL_MODEL,
        metadata={
            "description": "Model spec: 'local' (embedded Qwen2.5-Coder-1.5B), 'openai:NAME', "
            "or a model NAME served at base_url."
        },
    )
    base_url: str = field(
        default="", metadata={"description": "OpenAI-compatible endpoint (vLLM, Ollama, LM Studio, ...)."}
    )
    api_key_env: str = field(
        default="OPENAI_API_KEY",
        metadata={"description": "Name of the environment variable holding the API key (never the key)."},
    )
    concurrency: int = field(
        default=4, metadata={"description": "Most model calls in flight at once (parallel analysts/coders)."}
    )
    out_dir: str = field(
        default="",
        metadata={"description": "Output folder; empty means a new folder under the user's data dir."},
    )
    paper_token_budget: int = field(
        default=0,
        metadata={"description": "Most tokens of paper text sent to the agents; 0 picks a default per model."},
    )
    temperature: float = field(default=0.0, metadata={"description": "Sampling temperature."})
    request_timeout: float = field(
        default=0.0,
        metadata={
            "description": "Seconds before a model call times out; 0 picks a default per model "
            "(long for the embedded model, whose prefill of a paper takes minutes)."
        },
    )
    max_reasks: int = field(
        default=2, metadata={"description": "Re-asks of an invalid structured answer before the run stops."}
    )
    max_files: int = field(
        default=0, metadata={"description": "Most code files the architect may plan; 0 picks a default per model."}
    )
    max_tokens_plan: int = field(
        default=0, metadata={"description": "Output-token limit of the planner; 0 picks a default per model."}
    )
    max_tokens_design: int = field(
        default=0,
        metadata={"description": "Output-token limit of architect, logic designer and config writer; 0: per model."},
    )
    max_tokens_analysis: int = field(
        default=0, metadata={"description": "Output-token limit per analyst; 0 picks a default per model."}
    )
    max_tokens_code: int = field(
        default=0, metadata={"description": "Output-token limit per coder; 0 picks a default per model."}
    )
    n_ctx: int = field(
        default=32768, metadata={"description": "Context window of the embedded model (it supports 32k)."}
    )

    @property
    def is_local(self) -> bool:
        """Whether the run uses the embedded model."""
        return self.model == LOCAL_MODEL

    def effective_paper_budget(self) -> int:
        """Token budget for the paper text as the agents see it."""
        if self.paper_token_budget > 0:
            return self.paper_token_budget
        # The embedded model reads ~30-50 tok/s on 2 cores: keep the paper short there.
        return 6000 if self.is_local else 24000

    def max_tokens(self, kind: str) -> int:
        """Output-token limit for ``kind`` (plan, design, config, analysis, code).

        The embedded model writes about 5 tokens/s on 2 cores, so its limits are tighter.
        """
        set_value = getattr(self, f"max_tokens_{'design' if kind == 'config' else kind}")
        if set_value > 0:
            return set_value
        local = {"plan": 1200, "design": 1500, "config": 800, "analysis": 550, "code": 2000}
        hosted = {"plan": 3000, "design": 4000, "config": 3000, "analysis": 2000, "code": 6000}
        return (local if self.is_local else hosted)[kind]

    def effective_max_files(self) -> int:
        """Most code files in the plan (the embedded model writes about 5 tokens/s: keep it small)."""
        if self.max_files > 0:
            return self.max_files
        return 6 if self.is_local else 16

    def effective_concurrency(self) -> int:
        """Model calls in flight at once.

        The embedded server has one slot (one KV cache keeps the shared prefix), so more calls would only
        queue there, with their timeouts running.
        """
        return 1 if self.is_local else max(1, self.concurrency)

    def effective_timeout(self) -> float:
        """Per-call timeout in seconds."""
        if self.request_timeout > 0:
            return self.request_timeout
        return 3600.0 if self.is_local else 600.0
