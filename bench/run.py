"""``make bench``: every server on loopback under the same load, then the other measurements; the
table is printed and written into BENCHMARKS.md.

    python -m bench.run [--seconds 6] [--rounds 2] [--quick] [--no-prism] [--output BENCHMARKS.md]

Rounds run the servers in turn and keep each one's best run, so that a burst of other work on the
machine spoils one round, not the comparison.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
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
from .tools import ensure_prism, ensure_wrk, py_spy
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


def plugin_costs(tests: int, repeats: int) -> dict[str, float]:
    """The fastest run's per-test cost of each variant of bench/plugin_overhead.py, and the socket mode's
    session start (the first test's time less the per-test cost)."""
    from .plugin_overhead import measure

    runs = measure(tests, repeats)
    costs = {name: min(run["per_test_ms"] for run in variant) for name, variant in runs.items()}
    costs["start"] = min(run["first_ms"] - run["per_test_ms"] for run in runs["socket"])
    return costs


def server_specs(prism: Path | None) -> list[ServerSpec]:
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
    specs = server_specs(prism)
    results.settings = (
        f"wrk, 1 thread, 32 connections, one {len(SUCCESS):,}-byte POST (success) or {len(ERROR):,}-byte POST "
        f"(error: `model` is a number), {args.warmup:g} s warm-up then {args.seconds:g} s measured per run, "
        f"best of {args.rounds} round(s). Error requests get 400 from the mock and the validating peers, "
        "Prism answers them 4xx too; the bare endpoint validates nothing and answers 200. "
        "The Starlette peers run on uvicorn with the mock's settings (httptools, uvloop, no access log, "
        "no proxy headers); the mock runs with its defaults, which log one line per request, and "
        "with `--log-level warning`: in memory, with its state in SQLite in one process (`--state-file`: "
        "the shared state's own cost), and as `--workers 2` over that SQLite state. Server CPU µs/req is "
        "the CPU time (user + system) of the server process and its workers over the measured run divided "
        "by the answers: it moves much less than req/s when other work shares the machine."
    )
    if wrk is not None:
        _load_rounds(args, wrk, specs, results, logs)

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
