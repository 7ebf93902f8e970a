"""Speculative decoding on a run's real calls: replay its logged requests under each llama.cpp setting.

Usage (from the repository root)::

    python benchmarks/speculative.py REQUESTS.jsonl [--settings off,ngram_simple,ngram_map_k,ngram_mod]
        [--nodes analyst,coder] [--per-group N] [--json out.json] [--md out.md] [--base-url URL]

``REQUESTS.jsonl`` is a run's request log (``papercoder run --request-log FILE``; ``benchmarks/executability.py``
writes one per paper). The requests of ``--nodes`` are grouped by node and by first answer or re-ask (a re-ask
repeats most of the answer it sends back, so lookup may accept more there); up to ``--per-group`` of each group
are replayed, in the run's order, with the run's messages and sampling settings. For each setting, one embedded
llama.cpp server is started (one at a time: two slow each other down), every selected request is sent, and the
server is stopped. Reported per setting and group, from llama.cpp's own timings: output tokens, decode tok/s,
drafted and accepted tokens, and how many answers are identical to the first setting's (temperature 0, same
seed). ``--base-url`` replays against a running OpenAI-compatible server instead (one setting, as it is).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from papercoder.context import SPECULATIVE  # noqa: E402
from papercoder.llm.requestlog import read_requests  # noqa: E402

SAMPLING = ("max_tokens", "temperature", "seed")


def select(requests: list[dict[str, Any]], nodes: list[str], per_group: int) -> list[dict[str, Any]]:
    """Up to ``per_group`` requests of each (node, first answer | re-ask) group, in the run's order."""
    taken: dict[tuple[str, str], int] = defaultdict(int)
    out = []
    for r in requests:
        if r.get("node") not in nodes or r.get("cache_hit"):
            continue
        key = (r["node"], group_kind(r))
        if taken[key] < per_group:
            taken[key] += 1
            out.append(r)
    return out


def group_kind(request: dict[str, Any]) -> str:
    """'first' for a first answer, 're-ask' for a request that sends an answer back."""
    return "re-ask" if (request.get("attempt") or 0) > 0 else "first"


def body_of(request: dict[str, Any]) -> dict[str, Any]:
    """The chat-completions body the run sent for ``request``."""
    settings = request.get("settings") or {}
    body: dict[str, Any] = {"model": "local", "messages": request["messages"],
                            **{k: settings[k] for k in SAMPLING if k in settings},
                            **(settings.get("extra_body") or {})}
    if settings.get("mode") == "json_schema" and settings.get("schema"):
        body["response_format"] = {"type": "json_schema",
                                   "json_schema": {"name": "answer", "schema": settings["schema"]}}
    return body


def send(base_url: str, body: dict[str, Any], timeout: float = 7200) -> dict[str, Any]:
    """One request; its answer, llama.cpp's timings (where the server gives them) and the wall seconds."""
    req = urllib.request.Request(f"{base_url.rstrip('/')}/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(req, timeout=timeout) as r:
        answer = json.loads(r.read())
    seconds = time.monotonic() - started
    usage, timings = answer.get("usage") or {}, answer.get("timings") or {}
    output = timings.get("predicted_n", usage.get("completion_tokens", 0))
    return {"text": answer["choices"][0]["message"].get("content") or "", "seconds": round(seconds, 2),
            "prompt_tokens": timings.get("prompt_n", usage.get("prompt_tokens", 0)), "output_tokens": output,
            "decode_seconds": round((timings["predicted_ms"] / 1000) if "predicted_ms" in timings else seconds, 3),
            "drafted": timings.get("draft_n", 0), "accepted": timings.get("draft_n_accepted", 0)}


def replay(base_url: str, chosen: list[dict[str, Any]], setting: str) -> list[dict[str, Any]]:
    """Every chosen request sent to ``base_url``; one row each."""
    rows = []
    for n, r in enumerate(chosen, 1):
        got = send(base_url, body_of(r))
        rows.append({"setting": setting, "node": r["node"], "kind": group_kind(r), "file": r.get("file"), **got})
        print(f"{setting:>12} {n}/{len(chosen)} {r['node']}/{group_kind(r)} {r.get('file') or ''}: "
              f"{got['output_tokens']} tokens, {got['decode_seconds']} s decode, {got['accepted']}/{got['drafted']} "
              "accepted", file=sys.stderr, flush=True)
    return rows


def on_embedded(chosen: list[dict[str, Any]], setting: str) -> list[dict[str, Any]]:
    """Replay on a fresh embedded server with ``setting``, stopped afterwards."""
    from papercoder.context import RunContext
    from papercoder.llm.embedded import EmbeddedServer, ensure_model

    server = EmbeddedServer(ensure_model(), n_ctx=RunContext().n_ctx, speculative=setting)  # a run's window
    try:
        return replay(server.base_url, chosen, setting)
    finally:
        server.stop()


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per setting and group: calls, output tokens, decode tok/s, acceptance, answers identical to the first
    setting's, and the decode speed relative to it."""
    base = rows[0]["setting"] if rows else ""
    first = {(r["node"], r["kind"], i): r["text"] for i, r in enumerate(x for x in rows if x["setting"] == base)}
    groups: dict[tuple[str, str, str], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    index: dict[str, int] = defaultdict(int)
    for r in rows:
        groups[(r["setting"], r["node"], r["kind"])].append((index[r["setting"]], r))
        index[r["setting"]] += 1
    out = []
    for (setting, node, kind), items in groups.items():
        tokens = sum(r["output_tokens"] for _, r in items)
        seconds = sum(r["decode_seconds"] for _, r in items)
        drafted, accepted = sum(r["drafted"] for _, r in items), sum(r["accepted"] for _, r in items)
        same = sum(first.get((node, kind, i)) == r["text"] for i, r in items)
        out.append({"setting": setting, "node": node, "kind": kind, "calls": len(items), "output_tokens": tokens,
                    "decode_tok_s": round(tokens / seconds, 2) if seconds else None, "drafted": drafted,
                    "accepted": accepted, "acceptance": round(accepted / drafted, 3) if drafted else None,
                    "identical": same})
    speed = {(s["node"], s["kind"]): s["decode_tok_s"] for s in out if s["setting"] == base}
    for s in out:
        ref = speed.get((s["node"], s["kind"]))
        s["speedup"] = round(s["decode_tok_s"] / ref, 2) if ref and s["decode_tok_s"] else None
    return out


def table(groups: list[dict[str, Any]]) -> str:
    """The Markdown table of :func:`summary`."""
    cols = ["setting", "node", "kind", "calls", "output_tokens", "decode_tok_s", "speedup", "drafted", "accepted",
            "acceptance", "identical"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(g[c]) for c in cols) + " |" for g in groups]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requests", type=Path)
    parser.add_argument("--settings", default=",".join(SPECULATIVE))
    parser.add_argument("--nodes", default="analyst,coder")
    parser.add_argument("--per-group", type=int, default=3)
    parser.add_argument("--base-url", default="")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--md", type=Path)
    args = parser.parse_args()
    settings = [s.strip() for s in args.settings.split(",") if s.strip()]
    if bad := [s for s in settings if s not in SPECULATIVE]:
        sys.exit(f"speculative benchmark: --settings {bad[0]!r} is not one of {', '.join(SPECULATIVE)}")
    try:
        chosen = select(read_requests(args.requests), args.nodes.split(","), args.per_group)
    except (OSError, ValueError) as exc:
        sys.exit(f"speculative benchmark: cannot read the request log {args.requests}: {exc}")
    if not chosen:
        sys.exit(f"speculative benchmark: no {args.nodes} requests in {args.requests}")
    rows: list[dict[str, Any]] = []
    failed = ""
    for setting in ["server"] if args.base_url else settings:
        try:
            rows += replay(args.base_url, chosen, setting) if args.base_url else on_embedded(chosen, setting)
        except (OSError, RuntimeError) as exc:  # no server, a refused request, a model that will not load
            failed = f"speculative benchmark: setting {setting!r} failed: {type(exc).__name__}: {exc}"
            break
    groups = summary(rows)  # the settings replayed in full are reported even when a later one failed
    print(table(groups))
    if args.json:
        args.json.write_text(json.dumps({"groups": groups, "calls": rows}, indent=2))
    if args.md:
        args.md.write_text(table(groups) + "\n")
    if failed:
        sys.exit(failed)


if __name__ == "__main__":
    main()
