"""Figures read from a run's record (run.json): re-asks and their causes, the model's speeds, work per stage.

Benchmarks report them, and anyone can read them off a finished run; they need no model.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any


def reasks(run: dict[str, Any]) -> dict[str, Any]:
    """Re-asks (a call asked again for an unusable answer) per call, and their causes by stage.

    A cause is the stage and the complaint's first clause (``coder: it imports a name that does not exist``);
    ``settled`` counts answers kept after the same complaint came back.
    """
    errors = run.get("errors", [])
    asked = [e for e in errors if e.get("kind") == "reask"]
    causes = Counter(f"{e.get('stage')}: {str(e.get('problem', '')).split(':')[0].strip()[:80]}" for e in asked)
    calls = len(run.get("calls", [])) or (run.get("totals") or {}).get("calls") or 0
    return {"reasks": len(asked), "reasks_per_call": round(len(asked) / calls, 2) if calls else None,
            "reask_causes": dict(causes.most_common()),
            "settled": sum(e.get("kind") == "same_complaint" for e in errors)}


def _processed(call: dict[str, Any]) -> int:
    """Prompt tokens the model processed (not served from its cache)."""
    return max(0, (call.get("input_tokens") or 0) - (call.get("cached_input_tokens") or 0))


def model_speed(run: dict[str, Any]) -> dict[str, float | None]:
    """The model's prefill and decode speeds (tokens/s) that best explain the calls' seconds.

    Least squares over the run's calls of ``seconds = processed / prefill + output / decode``. It tells whether a
    run's minutes compare with another's: the same commit runs 3-4x slower on a machine that decodes at 2.4
    tokens/s instead of 8. None where the calls cannot tell the two apart.
    """
    rows = [(_processed(c), c.get("output_tokens") or 0, c.get("seconds") or 0.0)
            for c in run.get("calls", []) if not c.get("cache_hit")]
    sxx = sum(x * x for x, _, _ in rows)
    syy = sum(y * y for _, y, _ in rows)
    sxy = sum(x * y for x, y, _ in rows)
    sxt = sum(x * t for x, _, t in rows)
    syt = sum(y * t for _, y, t in rows)
    det = sxx * syy - sxy * sxy
    if not rows or det <= 0:
        return {"prefill_tok_s": None, "decode_tok_s": None}
    per_in, per_out = (sxt * syy - syt * sxy) / det, (syt * sxx - sxt * sxy) / det
    return {"prefill_tok_s": round(1 / per_in, 1) if per_in > 0 else None,
            "decode_tok_s": round(1 / per_out, 1) if per_out > 0 else None}


def per_stage(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Calls, processed and output tokens, seconds and decode speed of each node, in the order nodes first ran.

    A node's decode speed is its output tokens over its seconds less the prefill time the run's prefill speed
    (:func:`model_speed`) gives its processed tokens.
    """
    prefill = model_speed(run)["prefill_tok_s"]
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {"calls": 0, "processed_tokens": 0, "output_tokens": 0,
                                                          "seconds": 0.0})
    for c in run.get("calls", []):
        if c.get("cache_hit"):
            continue
        row = out[str(c.get("node", "?"))]
        row["calls"] += 1
        row["processed_tokens"] += _processed(c)
        row["output_tokens"] += c.get("output_tokens") or 0
        row["seconds"] += c.get("seconds") or 0.0
    for row in out.values():
        decoding = row["seconds"] - (row["processed_tokens"] / prefill if prefill else 0.0)
        row["decode_tok_s"] = round(row["output_tokens"] / decoding, 1) if prefill and decoding > 0 else None
        row["seconds"] = round(row["seconds"], 1)
    return dict(out)
