"""``make bench``: every server on loopback under the same load, then the other measurements; the
table is printed and written into BENCHMARKS.md.

    python -m bench.run [--seconds 6] [--rounds 2] [--quick] [--no-prism] [--output BENCHMARKS.md]

Rounds run the servers in turn and keep each one's best run, so that a burst of other work on the
machine spoils one round, not the comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

from .bodies import AUTH, ERROR, SUCCESS
from .coldstart import cold_start
from .contract_speed import contract_speed
from .load import LoadResult, run_wrk
from .memory import large_image_memory
from .processes import ServerSpec, running, tree_cpu_seconds
from .profile import profile_under_load
from .report import BARE, MOCK, PRISM, Results, markdown, write
from .tools import ensure_prism, ensure_redis_server, ensure_wrk, py_spy
from .validation_micro import validation_timings

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
UVICORN = (
    str(BIN / "python"),
    "-m",
    "uvicorn",
    "--host",
    "127.0.0.1",
    "--port",
    "{port}",
    "--no-access-log",
    "--lifespan",
    "off",
    "--no-proxy-headers",
    "--log-level",
    "warning",
)


MOCK_SQLITE = MOCK + " --log-level warning --state-file (SQLite state, 1 process)"
MOCK_WORKERS = MOCK + " --log-level warning --workers 2 (SQLite state)"
MOCK_REDIS = MOCK + " --log-level warning --state redis:// (Redis state, 1 process)"


@contextlib.contextmanager
def running_redis(binary: str, logs: Path) -> Iterator[str]:
    """A redis-server on a free loopback port for the run, in memory only; its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (logs / "redis.log").open("ab") as out:
        process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                    "--appendonly", "no", "--dir", str(logs)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start (see {logs / 'redis.log'})") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def plugin_costs(tests: int, repeats: int) -> dict[str, float]:
    """The fastest run's per-test cost of each variant of bench/plugin_overhead.py, and the socket mode's
    session start (the first test's time less the per-test cost)."""
    from .plugin_overhead import measure

    runs = measure(tests, repeats)
    costs = {name: min(run["per_test_ms"] for run in variant) for name, variant in runs.items()}
    costs["start"] = min(run["first_ms"] - run["per_test_ms"] for run in runs["socket"])
    return costs


def server_specs(prism: Path | None, redis_url: str | None) -> list[ServerSpec]:
    """The mock as users run it, and the peers; the Starlette peers get the mock's uvicorn settings."""
    # 2026-07: the measurements (20 MB images among them) were made for the July gateway, which had no 16 MiB limit
    mock_quiet = (str(BIN / "ocr-mock"), "serve", "--port", "{port}", "--log-level", "warning", "--gateway-release",
                  "2026-07")
    specs = [
        ServerSpec(MOCK, (str(BIN / "ocr-mock"), "serve", "--port", "{port}", "--gateway-release", "2026-07")),
        ServerSpec(MOCK + " --log-level warning", mock_quiet),
        # The shared state's own cost: one process, scripts/keys/journal in SQLite instead of memory.
        ServerSpec(MOCK_SQLITE, (*mock_quiet, "--state-file", "{scratch}/state.sqlite3")),
        ServerSpec(MOCK_WORKERS, (*mock_quiet, "--workers", "2")),
        # Replicas on many machines: the state in a local Redis (one round trip or more per store operation).
        *([ServerSpec(MOCK_REDIS, (*mock_quiet, "--state", redis_url, "--state-namespace", "bench"))]
          if redis_url else []),
        ServerSpec(BARE, (*UVICORN, "bench.bare_server:app"), cwd=ROOT),
        ServerSpec("Starlette + openapi-core validate_request", (*UVICORN, "bench.openapi_core_server:app"), cwd=ROOT),
    ]
    if prism is not None:
        command = (str(prism), "mock", "--host", "127.0.0.1", "--port", "{port}", str(ROOT / "openapi.yaml"))
        specs.append(ServerSpec(PRISM, command, ocr_path="/ocr"))
    return specs


def _machine(wrk: str | None) -> list[tuple[str, str]]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split("\n")[0] if wrk else "—"
    packages = ", ".join(f"{name} {version(name)}" for name in ("uvicorn", "starlette", "openapi-core", "orjson"))
    return [
        ("CPU", f"{cpu}, {os.cpu_count()} cores"),
        ("memory", memory),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("stack", packages + " (uvicorn with httptools and uvloop)"),
        ("load generator", wrk_version or "wrk"),
        ("load average before", " ".join(Path("/proc/loadavg").read_text().split()[:3])),
    ]


def _load_rounds(args: argparse.Namespace, wrk: str, specs: list[ServerSpec], results: Results, logs: Path) -> None:
    for round_number in range(1, args.rounds + 1):
        for spec in specs:
            print(f"[load] round {round_number}/{args.rounds}: {spec.name}", flush=True)
            with running(spec, logs, SUCCESS, AUTH) as server:
                for kind, body in (("success", SUCCESS), ("error", ERROR)):
                    expect_2xx = kind == "success" or spec.name == BARE  # the bare endpoint validates nothing
                    run_wrk(wrk, server.url, body, AUTH, seconds=args.warmup, expect_2xx=expect_2xx)
                    cpu_before = tree_cpu_seconds(server.process.pid)
                    result = run_wrk(wrk, server.url, body, AUTH, seconds=args.seconds, expect_2xx=expect_2xx)
                    cpu = (tree_cpu_seconds(server.process.pid) - cpu_before) / max(result.requests, 1) * 1e6
                    result = replace(result, cpu_us_per_request=cpu)
                    print(
                        f"    {kind}: {result.requests_per_second:,.0f} req/s, p50 {result.p50_ms:.2f} ms, "
                        f"p99 {result.p99_ms:.2f} ms, {cpu:.0f} µs CPU each {result.errors}",
                        flush=True,
                    )
                    best: LoadResult | None = results.load.get((spec.name, kind))
                    if best is None or result.requests_per_second > best.requests_per_second:
                        results.load[(spec.name, kind)] = result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0, help="measured seconds per load run")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds before each load run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--no-prism", action="store_true")
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s runs: to check the harness")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--no-contract", dest="contract", action="store_false", help="skip the suite's speed")
    parser.add_argument("--no-plugin", dest="plugin", action="store_false", help="skip the plugin's overhead")
    parser.add_argument("--servers", nargs="+", metavar="TEXT",
                        help="load-test only the servers whose name contains one of these (e.g. 'warning')")
    parser.add_argument("--load-only", action="store_true", help="only the load table (no cold start, memory...)")
    parser.add_argument("--paired-rounds", type=int, default=5,
                        help="rounds of the hot path's paired measurement (bench/paired.py); 0 skips it")
    parser.add_argument("--baseline", metavar="REF", help="the paired measurement also runs the mock at this revision")
    parser.add_argument("--no-install", dest="install", action="store_false",
                        help="skip what installing the package costs a pytest run (bench/pytest_overhead.py)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup, args.rounds, args.cold_runs = 2.0, 1.0, 1, 2
    started = time.perf_counter()
    results = Results()
    logs = Path(tempfile.mkdtemp(prefix="ocr-mock-bench-"))
    print(f"[bench] server logs in {logs}", flush=True)

    wrk, why = ensure_wrk()
    if wrk is None:
        results.skipped.append(f"all load runs: {why}")
    prism: Path | None = None
    if args.no_prism:
        results.skipped.append("Prism: --no-prism")
    else:
        prism, why = ensure_prism()
        if prism is None:
            results.skipped.append(f"Prism: {why}")
    results.machine = _machine(wrk)
    redis_server, why = ensure_redis_server()
    with contextlib.ExitStack() as stack:
        redis_url = None
        if redis_server is None:
            results.skipped.append(f"Redis state: {why}")
        else:
            redis_url = stack.enter_context(running_redis(redis_server, logs))
        return _measure(args, results, wrk, prism, redis_url, logs, started)


def _measure(args: argparse.Namespace, results: Results, wrk: str | None, prism: Path | None, redis_url: str | None,
             logs: Path, started: float) -> int:
    specs = server_specs(prism, redis_url)
    if args.servers:
        specs = [spec for spec in specs if any(text in spec.name for text in args.servers)]
    results.settings = (
        f"wrk, 1 thread, 32 connections, one {len(SUCCESS):,}-byte POST (success) or {len(ERROR):,}-byte POST "
        f"(error: `model` is a number), {args.warmup:g} s warm-up then {args.seconds:g} s measured per run, "
        f"best of {args.rounds} round(s). Error requests get 400 from the mock and the validating peers, "
        "Prism answers them 4xx too; the bare endpoint validates nothing and answers 200. "
        "The Starlette peers run on uvicorn with the mock's settings (httptools, uvloop, no access log, "
        "no proxy headers); the mock runs with its defaults, which log one line per request, and "
        "with `--log-level warning`: in memory, with its state in SQLite in one process (`--state-file`: "
        "the shared state's own cost), as `--workers 2` over that SQLite state, and with its state in a "
        "local redis-server (`--state redis://`, one process). Server CPU µs/req is "
        "the CPU time (user + system) of the server process and its workers over the measured run divided "
        "by the answers: it moves much less than req/s when other work shares the machine."
    )
    if wrk is not None and args.paired_rounds > 0:
        _hot_path(args, wrk, prism, logs)
    if wrk is not None:
        _load_rounds(args, wrk, specs, results, logs)
    if args.load_only:
        return _finish(args, results, started)

    print("[cold start]", flush=True)
    for spec in specs:
        if spec.name in (MOCK, MOCK_WORKERS, BARE, PRISM):
            runs = args.cold_runs if spec.name != PRISM else min(args.cold_runs, 3)
            results.cold.append(cold_start(spec, logs, runs))
            print(f"    {spec.name}: median {results.cold[-1].median:.2f} s", flush=True)

    print("[validation microbenchmark]", flush=True)
    results.validation = validation_timings()

    print("[memory: 20 MB image]", flush=True)
    results.memory = large_image_memory(specs[0], logs)

    spy = py_spy()
    if wrk is not None and spy is not None:
        print("[profile]", flush=True)
        for kind, body in (("success", SUCCESS), ("error", ERROR)):
            with running(specs[0], logs, SUCCESS, AUTH) as server:
                try:
                    profile = profile_under_load(spy, wrk, server, body, AUTH, 5, logs / f"profile-{kind}.txt")
                except (subprocess.SubprocessError, OSError) as exc:
                    results.skipped.append(f"profile: py-spy failed ({exc})")
                    break
                results.profiles[kind] = profile
    elif spy is None:
        results.skipped.append("profile: py-spy not installed (make bench installs it)")

    if args.contract:
        print("[contract suite speed]", flush=True)
        results.contract = contract_speed()
        print(f"    {results.contract.cases} cases in {results.contract.seconds:.1f} s", flush=True)
    if args.plugin:
        print("[pytest plugin overhead]", flush=True)
        results.plugin = plugin_costs(tests=150 if not args.quick else 40, repeats=3 if not args.quick else 1)
        print(f"    {results.plugin}", flush=True)

    if args.install:
        from . import pytest_overhead

        print("[pytest: what installing the package costs]", flush=True)
        started_install = time.perf_counter()
        install = pytest_overhead.measure(runs=15 if not args.quick else 3, fixture_runs=7 if not args.quick else 1)
        pytest_overhead.write(args.output, pytest_overhead.markdown(install, time.perf_counter() - started_install))

    return _finish(args, results, started)


def _hot_path(args: argparse.Namespace, wrk: str, prism: Path | None, logs: Path) -> None:
    """The paired measurement of the hot path (issue 16's targets): printed, and written to its own block."""
    from . import cold_cache, paired
    from .hot_path_report import write_hot_path

    print(f"[hot path: mock and bare Starlette in {args.paired_rounds} paired rounds]", flush=True)
    with contextlib.ExitStack() as stack:
        baseline = (args.baseline, stack.enter_context(paired.checked_out(args.baseline))) if args.baseline else None
        result = paired.measure(paired.specs((), prism, baseline), rounds=1 if args.quick else args.paired_rounds,
                                seconds=args.seconds, warmup=args.warmup, wrk=wrk, logs=logs)
    print("\n".join(paired.summary(result)), flush=True)
    write_hot_path(args.output, result, args.baseline)
    print("[hot path: a request's CPU in-process, caches warm and evicted (bench/cold_cache.py)]", flush=True)
    cold_cache.run(1000 if args.quick else 4000, [0, 4, 16], args.output)


def _finish(args: argparse.Namespace, results: Results, started: float) -> int:
    results.machine.append(("load average after", " ".join(Path("/proc/loadavg").read_text().split()[:3])))
    results.elapsed_s = time.perf_counter() - started
    text = markdown(results)
    print()
    print(text)
    write(args.output, text)
    print(f"[bench] written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
