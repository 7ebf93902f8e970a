"""Figures read from a run record: the model's speeds that explain its call times, and the work per stage."""

from __future__ import annotations

from papercoder import runstats


def _call(processed: int, cached: int, out: int, prefill: float, decode: float, **kw) -> dict:
    return {"input_tokens": processed + cached, "cached_input_tokens": cached, "output_tokens": out,
            "seconds": processed / prefill + out / decode, **kw}


def test_the_speeds_that_explain_the_calls_are_recovered():
    calls = [_call(5168, 0, 468, 11.0, 2.3), _call(221, 5635, 661, 11.0, 2.3), _call(1800, 4000, 1200, 11.0, 2.3),
             {"input_tokens": 9000, "cached_input_tokens": 0, "output_tokens": 900, "seconds": 0.01,
              "cache_hit": True}]  # an answer from the response cache says nothing of the model's speed
    assert runstats.model_speed({"calls": calls}) == {"prefill_tok_s": 11.0, "decode_tok_s": 2.3}
    fast = [_call(4000, 100, 300, 40.0, 8.0), _call(300, 4000, 900, 40.0, 8.0)]
    assert runstats.model_speed({"calls": fast}) == {"prefill_tok_s": 40.0, "decode_tok_s": 8.0}


def test_no_calls_or_one_kind_of_call_gives_no_speed():
    assert runstats.model_speed({}) == {"prefill_tok_s": None, "decode_tok_s": None}
    same = [_call(100, 0, 10, 40.0, 8.0), _call(200, 0, 20, 40.0, 8.0)]  # proportional: the two cannot be told apart
    assert runstats.model_speed({"calls": same}) == {"prefill_tok_s": None, "decode_tok_s": None}


def test_each_stage_has_its_calls_tokens_and_decode_speed():
    calls = [_call(5168, 0, 468, 11.0, 2.3, node="planner"), _call(221, 5635, 661, 11.0, 2.3, node="checklist_writer"),
             _call(1800, 4000, 1200, 11.0, 2.3, node="coder"), _call(900, 4000, 300, 11.0, 2.3, node="coder")]
    stages = runstats.per_stage({"calls": calls})
    assert list(stages) == ["planner", "checklist_writer", "coder"]
    assert {k: v for k, v in stages["coder"].items() if k != "seconds"} == {
        "calls": 2, "processed_tokens": 2700, "output_tokens": 1500, "decode_tok_s": 2.3}
    assert runstats.per_stage({}) == {}
