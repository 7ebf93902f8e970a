"""Run settings: the graph's ``context_schema``.

Everything here is a plain, JSON-schema-able value so that LangGraph Studio renders it as a form and a
server can receive it as JSON. Chat models are built from these settings inside nodes, never at import.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

LOCAL_MODEL = "local"
STAGES = ("planning", "analysis", "coding")
KIND_STAGE = {"plan": "planning", "design": "planning", "config": "planning", "analysis": "analysis",
              "code": "coding"}
NODE_STAGE = {"planner": "planning", "architect": "planning", "logic_designer": "planning",
              "config_writer": "planning", "interface_designer": "planning", "analyst": "analysis",
              "coder": "coding", "debugger": "coding", "judge": "judge", "grader": "judge",
              "checklist_writer": "planning", "checklist_matcher": "judge", "coder_items": "coding",
              "coder_run": "coding"}
SPECULATIVE = ("off", "ngram_simple", "ngram_map_k", "ngram_mod")


@dataclass(kw_only=True)
class RunContext:
    """Settings of one paper-to-code run (not part of the graph state)."""

    model: str = field(
        default=LOCAL_MODEL,
        metadata={
            "description": "Model spec: 'local' (embedded Qwen2.5-Coder-1.5B), 'openai:NAME', "
            "or a model NAME served at base_url.",
            "commands": ("run", "batch"),
            "help": "'local', 'openai:NAME', or NAME with --base-url.",
        },
    )
    base_url: str = field(
        default="", metadata={"description": "OpenAI-compatible endpoint (vLLM, Ollama, LM Studio, ...).",
                              "commands": ("run", "batch")}
    )
    api_key_env: str = field(
        default="OPENAI_API_KEY",
        metadata={"description": "Name of the environment variable holding the API key (never the key).",
                  "commands": ("run",)},
    )
    concurrency: int = field(
        default=4, metadata={"description": "Most model calls in flight at once (parallel analysts/coders).",
                             "commands": ("run", "batch"), "min": 1}
    )
    out_dir: str = field(
        default="",
        metadata={"description": "Output folder; empty means a new folder under the user's data dir."},
    )
    paper_token_budget: int = field(
        default=0,
        metadata={"description": "Most tokens of paper text sent to the agents; 0 picks a default per model.",
                  "commands": ("run", "batch"), "cli": "--paper-tokens", "min": 0},
    )
    digest_token_budget: int = field(
        default=0,
        metadata={"description": "Most tokens of the paper digest (method, set-up, training) that every agent after "
                  "the planner sees in place of the paper; 0 picks a third of the paper budget (at least 1,500).",
                  "commands": ("run", "batch"), "cli": "--digest-tokens", "min": 0,
                  "help": "Token budget of the paper digest the agents after the planner see (0: a third of "
                          "the paper budget)."},
    )
    temperature: float = field(default=0.0, metadata={"description": "Sampling temperature."})
    seed: int = field(
        default=7,
        metadata={"description": "Sampling seed sent with every request, so that sampled re-asks repeat on a "
                  "re-run (llama.cpp, vLLM and OpenAI honour it); -1: none."},
    )
    request_timeout: float = field(
        default=0.0,
        metadata={
            "description": "Seconds before a model call times out; 0 picks a default per model "
            "(long for the embedded model, whose prefill of a paper takes minutes).",
            "commands": ("run", "batch", "resume"),
            "cli": "--timeout",
            "help": "Seconds per model call (0: a default per model).",
        },
    )
    max_reasks: int = field(
        default=2, metadata={"description": "Re-asks of an invalid structured answer before the run stops."}
    )
    max_files: int = field(
        default=0, metadata={"description": "Most code files the architect may plan; 0 picks a default per model.",
                             "commands": ("run", "batch"), "min": 0}
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
    planning_model: str = field(
        default="",
        metadata={"description": "Model spec of planner, architect, logic designer and config writer "
                  "('' = model); 'NAME@URL' names another OpenAI-compatible endpoint."},
    )
    analysis_model: str = field(default="", metadata={"description": "Model spec of the analysts ('' = model)."})
    coding_model: str = field(default="", metadata={"description": "Model spec of the coders ('' = model)."})
    reasoning_effort: str = field(
        default="",
        metadata={"description": "For reasoning models (o-series, gpt-5): low, medium or high; '' = the default.",
                  "commands": ("run",)},
    )
    structured_output: str = field(
        default="auto",
        metadata={"description": "How JSON answers are asked for: 'json_schema' (response_format), 'prompt' "
                  "(schema in the request, tolerant parser), or 'auto' (json_schema, falling back to prompt "
                  "where the server refuses it).",
                  "commands": ("run",), "choices": ("auto", "json_schema", "prompt"),
                  "help": "How JSON answers are asked for: auto, json_schema or prompt."},
    )
    max_retries: int = field(
        default=6,
        metadata={"description": "Retries of a call after a transient failure (connection, timeout, 429, 5xx).",
                  "commands": ("run", "resume"), "cli": "--retries", "min": 0},
    )
    max_cost: float = field(
        default=0.0, metadata={"description": "Stop before a call would take the run's cost past this (USD); 0: none.",
                               "commands": ("run", "batch", "resume"), "min": 0}
    )
    max_total_tokens: int = field(
        default=0, metadata={"description": "Stop before a call would take the run's tokens past this; 0: none.",
                             "commands": ("run", "resume"), "cli": "--max-tokens", "min": 0}
    )
    cache: bool = field(
        default=True, metadata={"description": "Serve identical model requests from the persistent response cache.",
                                "commands": ("run", "batch")}
    )
    cache_path: str = field(
        default="", metadata={"description": "SQLite file of the response cache; '' = the user's cache folder.",
                              "commands": ("run",)}
    )
    review: bool = field(
        default=False,
        metadata={"description": "Pause after planning for a human review of plan, files and config (interrupt).",
                  "commands": ("run",)},
    )
    stop_after: str = field(
        default="", metadata={"description": "'planning' or 'analysis': end the run after that stage.",
                              "commands": ("run",)}
    )
    checklist: bool = field(
        default=True,
        metadata={"description": "Extract the paper's requirements checklist after the plan (quotes checked against "
                  "the paper) and trace each item to the code.",
                  "commands": ("run", "batch")},
    )
    checklist_parts: int = field(
        default=-1,
        metadata={"description": "Extra checklist calls over the paper's sections the planner's budget left out "
                  "(-1: none for the embedded model, 8 otherwise; 0: none).", "commands": ("run",), "min": -1},
    )
    checklist_sendback: int = field(
        default=-1,
        metadata={"description": "Files sent back to their coder for missing checklist items, most missing first "
                  "(-1: 2 for the embedded model, every file otherwise; 0: none).", "commands": ("run",), "min": -1},
    )
    verify: bool = field(
        default=True,
        metadata={"description": "Check the repository after coding: static checks, then imports and a smoke run "
                  "in a sandbox.",
                  "commands": ("run", "batch")},
    )
    repair_rounds: int = field(
        default=3, metadata={"description": "Rounds of the debugger agent on blocking findings (0: report only).",
                             "commands": ("run",), "min": 0}
    )
    repair_form: str = field(
        default="auto",
        metadata={"description": "How the debugger answers: 'edits' (SEARCH/REPLACE; the whole file after failed "
                  "blocks), 'whole' (the file rewritten whole, for files under 200 lines) or 'auto' (whole for the "
                  "embedded model, edits otherwise).",
                  "commands": ("run",), "choices": ("auto", "edits", "whole"),
                  "help": "How the debugger answers: auto, edits or whole."},
    )
    install: bool = field(
        default=True,
        metadata={"description": "Run the generated code in its runtime: a venv with requirements.txt installed, "
                  "cached per requirement set (off: a bare interpreter, missing packages reported).",
                  "commands": ("run", "batch")},
    )
    smoke_seconds: float = field(default=180.0, metadata={"description": "Wall-clock limit of the smoke run."})
    judge_model: str = field(
        default="", metadata={"description": "Model spec of the evaluation judge and rubric grader ('' = model)."}
    )
    judge_samples: int = field(default=8, metadata={"description": "Judge verdicts averaged per repository."})
    judge_temperature: float = field(
        default=0.7, metadata={"description": "Sampling temperature of the judge's samples (each has its own seed)."}
    )
    judge_window: int = field(
        default=0,
        metadata={"description": "Tokens of paper + code a judge may read; 0 picks one per model (12k embedded, "
                  "100k hosted)."},
    )
    prices_path: str = field(
        default="", metadata={"description": "YAML price table merged over the shipped one ('' = only the shipped).",
                              "commands": ("run",), "cli": "--prices"}
    )
    speculative: str = field(
        default="off",
        metadata={"description": "Draft-free speculative decoding of the embedded model (llama.cpp n-gram lookup "
                  "over the prompt and the text so far): off, ngram_simple, ngram_map_k or ngram_mod.",
                  "commands": ("run", "batch", "resume"), "choices": SPECULATIVE,
                  "help": "Speculative decoding of the embedded model: off, ngram_simple, ngram_map_k, ngram_mod."},
    )
    request_log: str = field(
        default="",
        metadata={"description": "Append each model request (messages, settings) and its answer to this JSONL "
                  "file, to replay them later (benchmarks/speculative.py); '' = none.",
                  "commands": ("run", "resume")},
    )

    @property
    def is_local(self) -> bool:
        """Whether the run's main model is the embedded one."""
        return self.model == LOCAL_MODEL

    def repairs_whole(self) -> bool:
        """Whether the debugger is asked for whole files rather than SEARCH/REPLACE edits (``repair_form``)."""
        form = self.repair_form.strip().lower() or "auto"
        if form not in ("auto", "edits", "whole"):
            raise ValueError(f"repair_form: {self.repair_form!r} is not one of auto, edits, whole")
        return form == "whole" or (form == "auto" and self.for_stage("coding").is_local)

    def stage_spec(self, stage: str) -> str:
        """The model spec of ``stage`` (planning, analysis, coding), falling back to ``model``."""
        return (getattr(self, f"{stage}_model", "") or "").strip() or self.model

    def for_stage(self, stage: str) -> RunContext:
        """These settings with ``model`` (and ``base_url``, for 'NAME@URL') set to the stage's model."""
        spec = self.stage_spec(stage)
        if spec == self.model:
            return self
        name, _, url = spec.partition("@") if "@http" in spec else (spec, "", "")
        return replace(self, model=name, base_url=url or ("" if name == LOCAL_MODEL else self.base_url))

    def effective_judge_window(self) -> int:
        """Tokens of paper and code a judge call may hold (the embedded model prefills ~25 tok/s here)."""
        if self.judge_window > 0:
            return self.judge_window
        return 12000 if self.for_stage("judge").is_local else 100000

    def uses_local(self) -> bool:
        """Whether any stage runs on the embedded model."""
        return any(self.for_stage(s).is_local for s in STAGES)

    def effective_paper_budget(self) -> int:
        """Token budget for the paper text as the agents see it."""
        if self.paper_token_budget > 0:
            return self.paper_token_budget
        # The embedded model reads ~30-50 tok/s on 2 cores: keep the paper short there.
        return 6000 if self.uses_local() else 24000

    def effective_digest_budget(self) -> int:
        """Token budget for the paper digest: what the agents after the planner see of the paper.

        The planner reads the paper within the paper budget and writes a plan of it; every later call carries the
        digest and the plan instead, so each of the many analyst and coder calls sends a third of the paper.
        """
        paper = self.effective_paper_budget()
        if self.digest_token_budget > 0:
            return min(self.digest_token_budget, paper)
        return min(paper, max(1500, paper // 3))

    def max_tokens(self, kind: str) -> int:
        """Output-token limit for ``kind`` (plan, design, config, analysis, code).

        The embedded model writes about 5 tokens/s on 2 cores, so its limits are tighter.
        """
        set_value = getattr(self, f"max_tokens_{'design' if kind == 'config' else kind}")
        if set_value > 0:
            return set_value
        local = {"plan": 1200, "design": 1500, "config": 800, "analysis": 550, "code": 2000}
        hosted = {"plan": 3000, "design": 4000, "config": 3000, "analysis": 2000, "code": 6000}
        return (local if self.for_stage(KIND_STAGE[kind]).is_local else hosted)[kind]

    def effective_checklist_parts(self) -> tuple[int, int]:
        """Extra checklist calls over unread sections, and the tokens of paper each reads."""
        local = self.for_stage("planning").is_local
        # embedded: none by default (measured on the Transformer: 250 s, every quote not in the paper)
        most = self.checklist_parts if self.checklist_parts >= 0 else 0 if local else 8
        return most, 1800 if local else 6000

    def effective_checklist_sendback(self) -> int:
        """Most files sent back for missing checklist items (each is a whole-file rewrite)."""
        if self.checklist_sendback >= 0:
            return self.checklist_sendback
        return 2 if self.for_stage("coding").is_local else 1000

    def effective_max_files(self) -> int:
        """Most code files in the plan (the embedded model writes about 5 tokens/s: keep it small)."""
        if self.max_files > 0:
            return self.max_files
        return 6 if self.for_stage("coding").is_local else 16

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
