"""``make soak``: many concurrent clients against ``ocr-mock serve`` on the loopback, then a verdict.

    python -m reliability.soak [--seconds 60] [--clients 64] [--journal-limit 5000]

Each client loops until the time is up over a mix of successes, gateway errors, scripted provider
failures, its own scripted sequence (which it checks answer by answer) and a script shared by all
with ``times: 500`` (served exactly 500 times in all). Afterwards: no transport error, every answer
the expected one, the journal holds each request once (kept entries plus the ones dropped by the
bound add up to what was sent, ids contiguous, no request twice), and the server's RSS after the
warm-up (the journal full) stays flat. Stops by itself; exits 1 if anything is off.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.server import serve

KEY = "aistats_v1_sk_soak0001_s3cret"
AUTH = {"Authorization": f"Bearer {KEY}"}
SHARED_TIMES = 500
RSS_GROWTH_ALLOWED = 0.10  # after warm-up
FIXTURES = {"scripts": [
    {"id": "slow", "model": "mistral/ocr-4", "match": {"language": "slow"}, "text": "slow", "delay_ms": 25},
    {"id": "provider-down", "model": "mistral/ocr-3", "match": {"language": "down"}, "upstream": {"status": 503}},
    {"id": "shared", "model": "mistral/ocr-3", "match": {"language": "shared"}, "text": "shared",
     "times": SHARED_TIMES},
]}

# kind -> (request, expected status)
MIX: list[tuple[str, dict[str, Any], int]] = [
    ("success", {"json": {"model": "mistral/ocr-3", "image": "https://example.com/a.png"}}, 200),
    ("slow", {"json": {"model": "mistral/ocr-4", "image": "aGk=", "language": "slow"}}, 200),
    ("invalid-json", {"content": b'{"model": "mistral/ocr-3", '}, 400),
    ("validation", {"json": {"model": 3}}, 400),
    ("unknown-model", {"json": {"model": "acme/none", "image": "x"}}, 400),
    ("provider-down", {"json": {"model": "mistral/ocr-3", "image": "x", "language": "down"}}, 502),
    ("shared-times", {"json": {"model": "mistral/ocr-3", "image": "x", "language": "shared"}}, 200),
]
SEQUENCE = [(200, "one"), (200, "two"), (502, None), (200, "after")]  # then "after" for ever


@dataclass
class Tally:
    sent: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    transport_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    shared_served: int = 0
    sequences_ok: int = 0
    soak_ids: set[str] = field(default_factory=set)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _client(number: int, url: str, deadline: float, tally: Tally) -> None:
    """One client on its own keep-alive connection (a shared httpx pool costs more than the requests)."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        await _conversation(number, http, deadline, tally)


async def _conversation(number: int, http: httpx.AsyncClient, deadline: float, tally: Tally) -> None:
    name = f"c{number}"
    sequence_spec = {"id": f"seq-{name}", "model": "mistral/ocr-4", "match": {"headers": {"x-soak-client": name}},
                     "sequence": [{"text": "one"}, {"text": "two"}, {"upstream": {"status": 429}}],
                     "then": {"text": "after"}}
    created = await http.post("/_mock/scripts", json=sequence_spec)
    assert created.status_code == 201, created.text
    sequence_calls = 0
    sequence_ok = True
    for turn in itertools.count():
        if time.monotonic() >= deadline:
            break
        soak_id = f"{name}-{turn}"
        headers = {**AUTH, "x-soak-id": soak_id}
        request: dict[str, Any]
        expected: int | None
        if turn % 8 == 7:
            kind, request, expected = "sequence", {"json": {"model": "mistral/ocr-4", "image": "x"}}, None
            headers["x-soak-client"] = name
        elif turn % 16 == 3:
            kind, request, expected = "unauthorised", MIX[0][1], 401
            headers["Authorization"] = "bearer nope"
        else:
            kind, request, expected = MIX[(turn + number) % len(MIX)]
        tally.sent += 1
        tally.by_kind[kind] += 1
        tally.soak_ids.add(soak_id)
        try:
            response = await http.post("/v1/ocr", headers=headers, **request)
        except httpx.HTTPError as exc:
            tally.transport_errors.append(f"{soak_id} {kind}: {exc!r}")
            continue
        if kind == "sequence":
            want_status, want_text = SEQUENCE[min(sequence_calls, len(SEQUENCE) - 1)]
            sequence_calls += 1
            got_text = response.json().get("text") if response.status_code == 200 else None
            if (response.status_code, got_text) != (want_status, want_text):
                sequence_ok = False
                tally.unexpected.append(f"{soak_id} sequence step {sequence_calls}: {response.status_code} {got_text}")
            continue
        if kind == "shared-times":
            text = response.json().get("text")
            tally.shared_served += text == "shared"
        if response.status_code != expected:
            tally.unexpected.append(f"{soak_id} {kind}: {response.status_code} {response.text[:200]}")
    if sequence_ok and sequence_calls >= len(SEQUENCE):
        tally.sequences_ok += 1


@dataclass(frozen=True)
class Sample:
    at: float  # seconds since the start
    rss_mb: float
    sent: int  # requests sent so far


async def _sample_rss(pid: int, deadline: float, tally: Tally, samples: list[Sample]) -> None:
    started = time.monotonic()
    while time.monotonic() < deadline:
        samples.append(Sample(time.monotonic() - started, _rss_mb(pid), tally.sent))
        await asyncio.sleep(1.0)
    samples.append(Sample(time.monotonic() - started, _rss_mb(pid), tally.sent))


def warmed_up(samples: list[Sample], journal_limit: int) -> Sample:
    """The first sample past the warm-up: a third of the run, and the journal full (it then stops growing;
    if it never fills, a third of the run)."""
    third = [sample for sample in samples if sample.at >= samples[-1].at / 3]
    return next((sample for sample in third if sample.sent >= journal_limit), third[0])


async def _drive(url: str, pid: int, seconds: float, clients: int) -> tuple[Tally, list[Sample]]:
    tally = Tally()
    samples: list[Sample] = []
    deadline = time.monotonic() + seconds
    await asyncio.gather(_sample_rss(pid, deadline, tally, samples),
                         *(_client(number, url, deadline, tally) for number in range(clients)))
    return tally, samples


def _journal_problems(url: str, tally: Tally) -> tuple[dict[str, int], list[str]]:
    journal = httpx.get(f"{url}/_mock/requests", timeout=60).json()
    entries, dropped = journal["requests"], journal["dropped"]
    ids = [entry["id"] for entry in entries]
    soak_ids = [entry["headers"].get("x-soak-id") for entry in entries]
    problems = []
    if len(entries) + dropped != tally.sent:
        problems.append(f"journal kept {len(entries)} + dropped {dropped} != {tally.sent} sent")
    if ids != list(range(dropped + 1, dropped + 1 + len(entries))):
        problems.append("journal ids are not contiguous")
    if len(set(soak_ids)) != len(soak_ids):
        problems.append(f"{len(soak_ids) - len(set(soak_ids))} requests journaled twice")
    if not set(soak_ids) <= tally.soak_ids:
        problems.append("the journal holds requests nobody sent")
    return {"kept": len(entries), "dropped": dropped}, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--journal-limit", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "soak.yaml").write_text(yaml.safe_dump(FIXTURES))
        release = ("--gateway-release", "2026-07")  # the soak's answers are the July gateway's
        with serve("--fixtures", tmp, "--journal-limit", str(args.journal_limit), *release) as server:
            started = time.monotonic()
            tally, samples = asyncio.run(_drive(server.url, server.process.pid, args.seconds, args.clients))
            elapsed = time.monotonic() - started
            journal, problems = _journal_problems(server.url, tally)
            exit_code = server.stop(timeout=30)
    problems += tally.unexpected[:5] + tally.transport_errors[:5]
    if tally.unexpected or tally.transport_errors:
        problems.append(f"{len(tally.unexpected)} unexpected answers, {len(tally.transport_errors)} transport errors")
    if tally.shared_served != min(SHARED_TIMES, tally.by_kind["shared-times"]):
        problems.append(f"the times-{SHARED_TIMES} script answered {tally.shared_served} times")
    if tally.sequences_ok != args.clients:
        problems.append(f"sequences in order for {tally.sequences_ok}/{args.clients} clients")
    if exit_code != 0:
        problems.append(f"ocr-mock serve exited with {exit_code} on SIGTERM")
    warm, end = warmed_up(samples, args.journal_limit).rss_mb, samples[-1].rss_mb
    growth = (end - warm) / warm
    if growth > RSS_GROWTH_ALLOWED:
        problems.append(f"RSS grew {growth:.0%} after warm-up ({warm:.0f} -> {end:.0f} MB)")
    for problem in problems:
        print(f"  {problem}")
    verdict = "FAIL" if problems else "PASS"
    print(f"soak {verdict}: {args.clients} clients, {elapsed:.0f} s, {tally.sent} requests "
          f"({tally.sent / elapsed:.0f}/s), {len(tally.transport_errors)} transport errors, "
          f"{len(tally.unexpected)} unexpected answers; journal {journal['kept']} kept + {journal['dropped']} dropped "
          f"= {journal['kept'] + journal['dropped']} of {tally.sent} sent, none twice; times-{SHARED_TIMES} "
          f"script served {tally.shared_served}x; sequences in order {tally.sequences_ok}/{args.clients}; "
          f"RSS {samples[0].rss_mb:.0f} MB at start, {warm:.0f} MB after warm-up, {end:.0f} MB at end ({growth:+.1%}); "
          f"SIGTERM exit {exit_code}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
