"""The executability benchmark's model speeds: the prefill and decode rates that explain a run's call times."""

from __future__ import annotations

from tests.conftest import load_benchmark


def _bench():
    return load_benchmark("executability")


def _call(processed: int, cached: int, out: int, prefill: float, decode: float, **kw) -> dict:
    return {"input_tokens": processed + cached, "cached_input_tokens": cached, "output_tokens": out,
            "seconds": processed / prefill + out / decode, **kw}


def test_the_speeds_that_explain_the_calls_are_recovered():
    bench = _bench()
    calls = [_call(5168, 0, 468, 11.0, 2.3), _call(221, 5635, 661, 11.0, 2.3), _call(1800, 4000, 1200, 11.0, 2.3),
             {"input_tokens": 9000, "cached_input_tokens": 0, "output_tokens": 900, "seconds": 0.01,
              "cache_hit": True}]  # an answer from the response cache says nothing of the model's speed
    assert bench.model_speed({"calls": calls}) == {"prefill_tok_s": 11.0, "decode_tok_s": 2.3}
    fast = [_call(4000, 100, 300, 40.0, 8.0), _call(300, 4000, 900, 40.0, 8.0)]
    assert bench.model_speed({"calls": fast}) == {"prefill_tok_s": 40.0, "decode_tok_s": 8.0}


def test_no_calls_or_one_kind_of_call_gives_no_speed():
    bench = _bench()
    assert bench.model_speed({}) == {"prefill_tok_s": None, "decode_tok_s": None}
    same = [_call(100, 0, 10, 40.0, 8.0), _call(200, 0, 20, 40.0, 8.0)]  # proportional: the two cannot be told apart
    assert bench.model_speed({"calls": same}) == {"prefill_tok_s": None, "decode_tok_s": None}
