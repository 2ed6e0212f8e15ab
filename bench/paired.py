"""The hot path's figures, measured side by side: the mock against bare Starlette (and Prism), in paired,
alternating rounds.

Bare Starlette runs twice. As uvicorn serves it by default, it writes an access line per request, as the mock
writes its log line at its default level: that is the issue's baseline (about 100 µs of server CPU a request,
the developers' guide's figure). With its access log off it costs about 60 µs, a stricter peer, reported beside.

Every server runs for the whole measurement. Each round loads every server in turn, the order reversed
every other round, so that a burst of other work on this shared machine lands on neighbours of one pair
rather than on one server. A round's ratio is the mock's req/s over its peer's in that round; the
figure is the median of the rounds' ratios. Server CPU per answer is read from /proc around each run,
so it moves much less than req/s when the machine is busy.

    python -m bench.paired [--rounds 5] [--seconds 4] [--no-prism] [--baseline REF] [--write BENCHMARKS.md]

``--baseline REF`` adds the mock as it was at a git revision (checked out in a temporary worktree, run on this
venv's packages) to the same rounds, so that "before" and "after" are measured side by side too. After the
load, each mock's journal is full (10,000 entries); the time of the first ``GET /_mock/requests`` is reported.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import orjson

from .bodies import AUTH, ERROR, SUCCESS
from .load import LoadResult, run_wrk
from .processes import Running, ServerSpec, rss_bytes, start, stop, tree_cpu_seconds, wait_until_ok
from .tools import ensure_prism, ensure_wrk

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MOCK = "mock"
BARE = "bare Starlette"
LOGGED_BARE = "bare Starlette + access log"
BARES = (LOGGED_BARE, BARE)
PRISM = "Prism"
KINDS = ("success", "error")
JOURNAL_FILL_SECONDS = 6  # of successes before the journal is read: 10,000 and more at 2,000 req/s


def _uvicorn(app: str, *, access_log: bool = False) -> tuple[str, ...]:
    """uvicorn with the mock's settings; ``access_log`` keeps uvicorn's default logging: a line per request."""
    log_flags = () if access_log else ("--no-access-log", "--log-level", "warning")
    return (str(BIN / "python"), "-m", "uvicorn", "--host", "127.0.0.1", "--port", "{port}", *log_flags,
            "--lifespan", "off", "--no-proxy-headers", app)


def baseline_name(ref: str) -> str:
    return f"mock at {ref}"


def specs(mock_args: Sequence[str], prism: Path | None, baseline: tuple[str, Path] | None = None) -> list[ServerSpec]:
    """The mock as users start it (default log level: the log line is written), and its peers."""
    found = [ServerSpec(MOCK, (str(BIN / "ocr-mock"), "serve", "--port", "{port}", *mock_args)),
             ServerSpec(LOGGED_BARE, _uvicorn("bench.bare_server:app", access_log=True), cwd=ROOT),
             ServerSpec(BARE, _uvicorn("bench.bare_server:app"), cwd=ROOT)]
    if baseline is not None:  # `python -c` puts the worktree (the cwd) first on sys.path: its mockserver is imported
        ref, tree = baseline
        launcher = "import sys; from mockserver.cli import main; sys.argv[0] = 'ocr-mock'; main()"
        found.append(ServerSpec(baseline_name(ref), (str(BIN / "python"), "-c", launcher, "serve", "--port", "{port}",
                                                     *mock_args), cwd=tree))
    if prism is not None:
        found.append(ServerSpec(PRISM, (str(prism), "mock", "--host", "127.0.0.1", "--port", "{port}",
                                        str(ROOT / "openapi.yaml")), ocr_path="/ocr"))
    return found


@dataclass
class Series:
    """Every run of one server and kind, in round order."""

    runs: list[LoadResult] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return float(statistics.median(float(getattr(run, attribute)) for run in self.runs))


@dataclass
class Measurement:
    series: dict[tuple[str, str], Series]
    rss_after: dict[str, int]
    rounds: int
    journal_read_s: dict[str, tuple[float, int]] = field(default_factory=dict)  # server -> (seconds, entries)

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
    expect_2xx = kind == "success" or server.spec.name in BARES  # the bare endpoint validates nothing
    if warmup:
        run_wrk(wrk, server.url, body, AUTH, seconds=warmup, expect_2xx=expect_2xx)
    before = tree_cpu_seconds(server.process.pid)
    result = run_wrk(wrk, server.url, body, AUTH, seconds=seconds, expect_2xx=expect_2xx)
    cpu = (tree_cpu_seconds(server.process.pid) - before) / max(result.requests, 1) * 1e6
    if not result.statuses_ok:  # the mock must answer right; a peer's miss is reported, as run.py does
        message = f"{server.spec.name} answered {kind} requests with another status class under load {result.errors}"
        if server.spec.name in (MOCK, *BARES) or server.spec.name.startswith("mock at "):
            raise RuntimeError(message)
        print(f"  note: {message}", flush=True)
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
        journal = {server.spec.name: _first_journal_read(server, wrk) for server in running
                   if server.spec.name == MOCK or server.spec.name.startswith("mock at ")}
    return Measurement(series, rss, rounds, journal)


def _first_journal_read(server: Running, wrk: str) -> tuple[float, int]:
    """The first ``GET /_mock/requests`` once the journal is full of successes (the dearest entries to list: each
    works out its nearest scripts when read; the rounds end on errors): seconds, and entries listed."""
    run_wrk(wrk, server.url, SUCCESS, AUTH, seconds=JOURNAL_FILL_SECONDS, expect_2xx=True)
    url = server.url.replace("/v1/ocr", "/_mock/requests")
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        body = response.read()
    seconds = time.perf_counter() - started
    return seconds, len(orjson.loads(body)["requests"])


def summary(result: Measurement) -> list[str]:
    """The issue's targets, measured."""
    lines = []
    for kind in KINDS:
        for bare_peer in BARES:
            ratios = result.ratios(MOCK, bare_peer, kind)
            lines.append(f"{kind}: mock ÷ {bare_peer} req/s = {result.ratio(MOCK, bare_peer, kind):.2f}x "
                         f"(median of {len(ratios)} paired rounds; range {min(ratios):.2f}-{max(ratios):.2f})")
        if (PRISM, kind) in result.series:
            lines.append(f"{kind}: mock ÷ Prism req/s = {result.ratio(MOCK, PRISM, kind):.2f}x")
        mock = result.series[(MOCK, kind)]
        bare_cpu = ", ".join(f"{name} {result.series[(name, kind)].median('cpu_us_per_request'):.0f} µs"
                             for name in BARES)
        lines.append(f"{kind}: mock p99 {mock.median('p99_ms'):.2f} ms, p50 {mock.median('p50_ms'):.2f} ms "
                     f"(median of rounds); server CPU {mock.median('cpu_us_per_request'):.0f} µs/answer "
                     f"({bare_cpu})")
    lines.append("RSS after the load: " + ", ".join(f"{name} {rss / 2**20:.1f} MiB"
                                                   for name, rss in result.rss_after.items()))
    lines += [f"first GET /_mock/requests after the load, {name}: {seconds:.2f} s ({entries:,} entries)"
              for name, (seconds, entries) in result.journal_read_s.items()]
    return lines


@contextlib.contextmanager
def checked_out(ref: str) -> Iterator[Path]:
    """A temporary git worktree of ``ref`` (removed afterwards)."""
    tree = Path(tempfile.mkdtemp(prefix="ocr-mock-baseline-")) / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), ref], check=True,
                   capture_output=True)
    try:
        yield tree
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of load before each measured run")
    parser.add_argument("--no-prism", dest="prism", action="store_false")
    parser.add_argument("--args", default="", help="extra arguments for `ocr-mock serve`")
    parser.add_argument("--baseline", metavar="REF", help="also run the mock at this git revision")
    parser.add_argument("--write", type=Path, metavar="MARKDOWN", help="write the table into this file's block")
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
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="ocr-mock-paired-"))
        baseline = (args.baseline, stack.enter_context(checked_out(args.baseline))) if args.baseline else None
        print(f"server logs in {scratch}", flush=True)
        result = measure(specs(shlex.split(args.args), prism, baseline), rounds=args.rounds, seconds=args.seconds,
                         warmup=args.warmup, wrk=wrk, logs=Path(scratch))
    print("\n".join(summary(result)))
    if args.write:
        from .hot_path_report import write_hot_path

        write_hot_path(args.write, result, args.baseline)
        print(f"written to {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
