"""Resilience and cache benchmark: a full run under injected faults, and a re-run from the response cache.

Usage (from the repository root)::

    python benchmarks/faults.py [PAPER] [--rate 0.3] [--seed 1] [--json out.json]

The model is the test-suite's OpenAI-compatible server (``tests/fake_openai.py``) answering from the
test-suite's script, reached over real HTTP through ``ChatOpenAI``: the paper is read for real, the answers
are scripted, so the artifacts of two runs can be compared byte for byte. Three runs of PAPER (default: the
semantic-self-consistency paper from ../shared):

1. clean, no cache;
2. with ``--rate`` of requests failing transiently (429 with Retry-After, 500, dropped connections,
   malformed bodies), no cache: calls, retries, and the diff of every artifact against run 1;
3. twice with the response cache on: the second run's model calls (expected 0) and its wall time against
   the first's.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from papercoder import build_graph  # noqa: E402
from papercoder.context import RunContext  # noqa: E402
from papercoder.llm import retry  # noqa: E402
from papercoder.workspace import run_files  # noqa: E402
from tests.conftest import Script  # noqa: E402
from tests.fake_openai import FakeOpenAI, random_faults  # noqa: E402


def _run(paper: Path, ctx: RunContext) -> float:
    started = time.perf_counter()
    build_graph().compile().invoke({"paper": str(paper)}, context=ctx)
    return time.perf_counter() - started


def _totals(out: Path) -> dict[str, Any]:
    return json.loads((out / "run.json").read_text())["totals"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paper", nargs="?",
                        default=str(ROOT.parent / "shared/papers/semantic-self-consistency/paper.pdf"))
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    paper = Path(args.paper)
    retry.BASE_SECONDS = 0.05  # the fake server asks for 0.05 s in Retry-After; keep the benchmark short
    work = Path(tempfile.mkdtemp(prefix="papercoder-faults-"))
    report: dict[str, Any] = {"paper": str(paper), "rate": args.rate}

    with FakeOpenAI(Script()) as clean:
        report["clean_seconds"] = round(_run(paper, RunContext(model="m", base_url=clean.base_url, cache=False,
                                                                out_dir=str(work / "clean"))), 2)
        clean_files = run_files(work / "clean", mask=clean.base_url)
        report["clean_calls"] = clean.requests
    kinds = ("429", "500", "drop", "malformed")
    with FakeOpenAI(Script(), fault=random_faults(args.rate, args.seed, kinds)) as faulty:
        report["fault_seconds"] = round(_run(paper, RunContext(model="m", base_url=faulty.base_url, cache=False,
                                                                max_retries=10, out_dir=str(work / "faulty"))), 2)
        faulty_files = run_files(work / "faulty", mask=faulty.base_url)
        report["fault_requests"] = faulty.requests
        report["fault_injected"] = dict(faulty.faults)
        report["fault_failed_share"] = round(sum(faulty.faults.values()) / faulty.requests, 3)
        report["fault_calls_answered"] = faulty.answered
        report["fault_retries_in_run_json"] = _totals(work / "faulty")["retries"]
    changed = sorted(k for k in clean_files.keys() | faulty_files.keys() if clean_files.get(k) != faulty_files.get(k))
    report["artifact_files"] = len(clean_files)
    report["artifact_files_differing"] = changed

    cache = work / "responses.sqlite"
    with FakeOpenAI(Script()) as server:
        first = _run(paper, RunContext(model="m", base_url=server.base_url, cache_path=str(cache),
                                       out_dir=str(work / "cached-1")))
        made = server.requests
        second = _run(paper, RunContext(model="m", base_url=server.base_url, cache_path=str(cache),
                                        out_dir=str(work / "cached-2")))
        report["cache_first_calls"] = made
        report["cache_second_calls"] = server.requests - made
        report["cache_second_hits"] = _totals(work / "cached-2")["cache_hits"]
        report["cache_first_seconds"] = round(first, 2)
        report["cache_second_seconds"] = round(second, 2)
    report["work_dir"] = str(work)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
