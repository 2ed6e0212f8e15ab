"""The hot path's figures, measured side by side: the mock against bare Starlette (and Prism), in paired,
alternating rounds.

Every server runs for the whole measurement. Each round loads every server in turn, the order reversed
every other round, so that a burst of other work on this shared machine lands on neighbours of one pair
rather than on one server. A round's ratio is the mock's req/s over its peer's in that round; the
figure is the median of the rounds' ratios. Server CPU per answer is read from /proc around each run,
so it moves much less than req/s when the machine is busy.

    python -m bench.paired [--rounds 5] [--seconds 4] [--no-prism] [--args "--gateway-release 2026-07"]
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .bodies import AUTH, ERROR, SUCCESS
from .load import LoadResult, run_wrk
from .processes import Running, ServerSpec, rss_bytes, start, stop, tree_cpu_seconds, wait_until_ok
from .tools import ensure_prism, ensure_wrk

TIMES = "\u00d7"  # the multiplication sign of a ratio

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MOCK = "mock"
BARE = "bare Starlette"
PRISM = "Prism"
KINDS = ("success", "error")


def _uvicorn(app: str) -> tuple[str, ...]:
    return (str(BIN / "python"), "-m", "uvicorn", "--host", "127.0.0.1", "--port", "{port}", "--no-access-log",
            "--lifespan", "off", "--no-proxy-headers", "--log-level", "warning", app)


def specs(mock_args: Sequence[str], prism: Path | None) -> list[ServerSpec]:
    """The mock as users start it (default log level: the log line is written), and its peers."""
    found = [ServerSpec(MOCK, (str(BIN / "ocr-mock"), "serve", "--port", "{port}", *mock_args)),
             ServerSpec(BARE, _uvicorn("bench.bare_server:app"), cwd=ROOT)]
    if prism is not None:
        found.append(ServerSpec(PRISM, (str(prism), "mock", "--host", "127.0.0.1", "--port", "{port}",
                                        str(ROOT / "openapi.yaml")), ocr_path="/ocr"))
    return found


@dataclass
class Series:
    """Every run of one server and kind, in round order."""

    runs: list[LoadResult] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return float(statistics.median(getattr(run, attribute) for run in self.runs))


@dataclass
class Measurement:
    series: dict[tuple[str, str], Series]
    rss_after: dict[str, int]
    rounds: int

    def ratios(self, server: str, peer: str, kind: str) -> list[float]:
        ours, theirs = self.series[(server, kind)].runs, self.series[(peer, kind)].runs
        return [a.requests_per_second / b.requests_per_second for a, b in zip(ours, theirs, strict=True)]

    def ratio(self, server: str, peer: str, kind: str) -> float:
        return statistics.median(self.ratios(server, peer, kind))


@contextlib.contextmanager
def _servers(found: list[ServerSpec], logs: Path) -> Iterator[list[Running]]:
    running: list[Running] = []
    try:
        for spec in found:
            server = start(spec, logs)
            running.append(server)
            wait_until_ok(server, SUCCESS, AUTH, 60)
        yield running
    finally:
        for server in running:
            stop(server)


def _one_run(wrk: str, server: Running, kind: str, seconds: float, warmup: float) -> LoadResult:
    body = SUCCESS if kind == "success" else ERROR
    expect_2xx = kind == "success" or server.spec.name == BARE  # the bare endpoint validates nothing
    if warmup:
        run_wrk(wrk, server.url, body, AUTH, seconds=warmup, expect_2xx=expect_2xx)
    before = tree_cpu_seconds(server.process.pid)
    result = run_wrk(wrk, server.url, body, AUTH, seconds=seconds, expect_2xx=expect_2xx)
    cpu = (tree_cpu_seconds(server.process.pid) - before) / max(result.requests, 1) * 1e6
    if not result.statuses_ok:
        raise RuntimeError(f"{server.spec.name} answered a {kind} request wrongly under load: {result.errors}")
    return replace(result, cpu_us_per_request=cpu)


def measure(found: list[ServerSpec], *, rounds: int, seconds: float, warmup: float, wrk: str,
            logs: Path) -> Measurement:
    series = {(spec.name, kind): Series() for spec in found for kind in KINDS}
    with _servers(found, logs) as running:
        for server in running:  # warm every server once: imports, caches, the JIT of Prism's node
            for kind in KINDS:
                _one_run(wrk, server, kind, warmup * 2, 0)
        for number in range(rounds):
            order = running if number % 2 == 0 else running[::-1]
            for kind in KINDS:
                for server in order:
                    result = _one_run(wrk, server, kind, seconds, warmup)
                    series[(server.spec.name, kind)].runs.append(result)
                    print(f"  round {number + 1}/{rounds} {server.spec.name:15} {kind:7} "
                          f"{result.requests_per_second:8,.0f} req/s  p99 {result.p99_ms:6.2f} ms  "
                          f"{result.cpu_us_per_request:5.0f} µs CPU", flush=True)
        rss = {server.spec.name: rss_bytes(server.process.pid) for server in running}
    return Measurement(series, rss, rounds)


def summary(result: Measurement) -> list[str]:
    """The issue's targets, measured."""
    lines = []
    for kind in KINDS:
        ratios = result.ratios(MOCK, BARE, kind)
        lines.append(f"{kind}: mock ÷ bare Starlette req/s = {result.ratio(MOCK, BARE, kind):.2f}{TIMES} "
                     f"(median of {len(ratios)} paired rounds; range {min(ratios):.2f}-{max(ratios):.2f})")
        if (PRISM, kind) in result.series:
            lines.append(f"{kind}: mock ÷ Prism req/s = {result.ratio(MOCK, PRISM, kind):.2f}{TIMES}")
        mock = result.series[(MOCK, kind)]
        bare = result.series[(BARE, kind)]
        lines.append(f"{kind}: mock p99 {mock.median('p99_ms'):.2f} ms, p50 {mock.median('p50_ms'):.2f} ms "
                     f"(median of rounds); server CPU {mock.median('cpu_us_per_request'):.0f} µs/answer "
                     f"(bare {bare.median('cpu_us_per_request'):.0f} µs)")
    lines.append(f"RSS after the load: mock {result.rss_after[MOCK] / 2**20:.1f} MiB, "
                 f"bare {result.rss_after[BARE] / 2**20:.1f} MiB")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of load before each measured run")
    parser.add_argument("--no-prism", dest="prism", action="store_false")
    parser.add_argument("--args", default="", help="extra arguments for `ocr-mock serve`")
    args = parser.parse_args(argv)
    wrk, why = ensure_wrk()
    if wrk is None:
        print(f"cannot measure: {why}", file=sys.stderr)
        return 2
    prism = None
    if args.prism:
        prism, why = ensure_prism()
        if prism is None:
            print(f"Prism skipped: {why}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ocr-mock-paired-") as scratch:
        print(f"server logs in {scratch}", flush=True)
        result = measure(specs(shlex.split(args.args), prism), rounds=args.rounds, seconds=args.seconds,
                         warmup=args.warmup, wrk=wrk, logs=Path(scratch))
    print("\n".join(summary(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
