"""What installing aistats-ocr-mock costs a pytest run, measured in fresh environments (bench/venvs.py):

- **a run that never uses the fixture**: the same one-test file, in a fresh ``pytest`` process, in an
  environment with pytest and httpx alone (the app under test has an HTTP client; httpx brings anyio, whose
  pytest plugin every such project pays for) and in one with the built wheel and pytest (its core
  dependencies: httpx among them). The difference of the wall times is what the package adds;
- **the fixture's session start**: a file of identical tests that each script an answer and make one call
  (in-process, and over the loopback socket); the first test's time less the median of the others: the
  imports, the mock and, over the socket, its server. Timed inside pytest (a conftest's hooks).

Runs are interleaved (baseline, installed, baseline...) so that the machine's other work hits both alike; the
tables give the fastest run, the least disturbed, and the median, of the CPU time (user + system) and of the wall
time. On a machine shared with other work the wall time grows with the load and the CPU time much less: the
verdicts use the CPU time, which is the wall time of an otherwise idle machine for these single-threaded phases.

    python -m bench.pytest_overhead [--runs 15] [--write BENCHMARKS.md]

``make bench`` runs it too and rewrites its section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .venvs import BASELINE, ROOT, build_wheel, fresh_venv, wheelhouse

BEGIN = "<!-- bench:pytest:begin (written by make bench and bench/pytest_overhead.py; edits inside are lost) -->"
END = "<!-- bench:pytest:end -->"
TARGET_RUN_MS = 100.0
TARGET_START_MS = 300.0

PLAIN = '''
def test_arithmetic():
    assert 1 + 1 == 2
'''

FIXTURE = '''
import pytest

BODY = {{"model": "mistral/ocr-3", "image": "https://example.com/invoice.png"}}


@pytest.mark.parametrize("n", range({tests}))
def test_one_call(ocr_gateway, n):
    ocr_gateway.add(model="mistral/ocr-3", text="Total: $42.00")
    with ocr_gateway.httpx_client(in_process={in_process}) as client:
        assert client.post("/ocr", json=BODY).json()["text"] == "Total: $42.00"
'''

TIMING_CONFTEST = '''
import json
import os
import time

import pytest

_items = []
_cpu = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start, cpu = time.perf_counter(), time.process_time()
    try:
        return (yield)
    finally:
        _items.append(time.perf_counter() - start)
        _cpu.append(time.process_time() - cpu)


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["BENCH_TIMES"], "w") as fh:
        json.dump({"items": _items, "cpu": _cpu, "exitstatus": int(exitstatus)}, fh)
'''


@dataclass
class Overhead:
    """The figures, in milliseconds, one entry a run."""

    baseline: list[tuple[float, float]] = field(default_factory=list)  # (CPU, wall)
    installed: list[tuple[float, float]] = field(default_factory=list)
    start: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # mode -> (CPU, wall)
    per_test_ms: dict[str, list[float]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    def adds(self, column: int, pick: Callable[[list[float]], float]) -> float:
        """What the package adds to a run: installed less baseline, of the fastest (or median) runs."""
        return pick([run[column] for run in self.installed]) - pick([run[column] for run in self.baseline])


def _env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}


def _pytest_run_ms(python: Path, workdir: Path, test_file: str) -> tuple[float, float]:
    """(CPU, wall) milliseconds of one ``pytest`` process."""
    start = time.perf_counter()
    process = subprocess.Popen([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file], cwd=workdir,
                               env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"pytest failed in {python} (exit {process.returncode})")
    return (usage.ru_utime + usage.ru_stime) * 1000, wall


def _fixture_run(python: Path, workdir: Path, in_process: bool, tests: int) -> tuple[float, float, float]:
    """(session start CPU, session start wall, per test wall) of one run, in ms."""
    name = f"test_fixture_{'in_process' if in_process else 'socket'}.py"
    (workdir / name).write_text(FIXTURE.format(tests=tests, in_process=in_process))
    times = workdir / "times.json"
    result = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", name], cwd=workdir,
                            env={**_env(), "BENCH_TIMES": str(times)}, capture_output=True, text=True, timeout=300)
    recorded = json.loads(times.read_text())
    if result.returncode != 0 or recorded["exitstatus"] != 0:
        raise SystemExit(f"the fixture run failed:\n{result.stdout}\n{result.stderr}")
    wall = [seconds * 1000 for seconds in recorded["items"]]
    cpu = [seconds * 1000 for seconds in recorded["cpu"]]
    per_test_wall, per_test_cpu = statistics.median(wall[1:]), statistics.median(cpu[1:])
    return cpu[0] - per_test_cpu, wall[0] - per_test_wall, per_test_wall


def _version(python: Path, package: str) -> str:
    probe = subprocess.run([str(python), "-c", f"from importlib.metadata import version; print(version({package!r}))"],
                           capture_output=True, text=True, timeout=60)
    return probe.stdout.strip() or "?"


def measure(runs: int, fixture_runs: int, tests: int = 20) -> Overhead:
    with tempfile.TemporaryDirectory(prefix="ocr-mock-pytest-bench-") as tmp:
        root = Path(tmp)
        wheel = build_wheel(root / "dist")
        house = wheelhouse(wheel)
        baseline = fresh_venv(root / "baseline", house, *BASELINE)
        installed = fresh_venv(root / "installed", house, str(wheel), "pytest")
        plain = root / "plain"
        plain.mkdir()
        (plain / "test_plain.py").write_text(PLAIN)
        fixture = root / "fixture"
        fixture.mkdir()
        (fixture / "conftest.py").write_text(TIMING_CONFTEST)
        result = Overhead(versions={name: _version(installed, name) for name in ("pytest", "httpx", "anyio")})
        for python in (baseline, installed):  # once each, unmeasured: bytecode compiled, files in the page cache
            _pytest_run_ms(python, plain, "test_plain.py")
        _fixture_run(installed, fixture, True, 2)
        for _ in range(runs):
            result.baseline.append(_pytest_run_ms(baseline, plain, "test_plain.py"))
            result.installed.append(_pytest_run_ms(installed, plain, "test_plain.py"))
        for _ in range(fixture_runs):
            for mode, in_process in (("in-process", True), ("socket", False)):
                start_cpu, start_wall, per_test = _fixture_run(installed, fixture, in_process, tests)
                result.start.setdefault(mode, []).append((start_cpu, start_wall))
                result.per_test_ms.setdefault(mode, []).append(per_test)
        return result


def _verdict(value: float, target: float) -> str:
    return "met" if value < target else "**not met**"


def _cells(runs: list[tuple[float, float]]) -> str:
    cpu, wall = [run[0] for run in runs], [run[1] for run in runs]
    return f"{min(cpu):.0f} | {statistics.median(cpu):.0f} | {min(wall):.0f} | {statistics.median(wall):.0f}"


def markdown(result: Overhead, elapsed_s: float) -> str:
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    adds = f"{result.adds(0, min):+.0f} | {result.adds(0, statistics.median):+.0f} | {result.adds(1, min):+.0f} | "
    adds += f"{result.adds(1, statistics.median):+.0f}"
    runs = len(next(iter(result.start.values())))
    lines = [
        f"_Generated by `python -m bench.pytest_overhead` in {elapsed_s:.0f} s; Python {platform.python_version()}, "
        f"pytest {result.versions['pytest']}, httpx {result.versions['httpx']}, anyio {result.versions['anyio']}; "
        f"{os.cpu_count()} CPUs, load average {load} at the end._",
        "",
        f"A pytest run that never uses the fixture ({len(result.baseline)} runs each, interleaved; "
        "`python -m pytest` on a one-test file, the whole process):",
        "",
        "| environment | CPU, fastest (ms) | CPU, median | wall, fastest | wall, median |",
        "|---|---:|---:|---:|---:|",
        f"| pytest + httpx | {_cells(result.baseline)} |",
        f"| aistats-ocr-mock (core install) + pytest | {_cells(result.installed)} |",
        f"| **what the package adds** | {adds} |",
        "",
        "The fixture's session start: the first test less the median of the others (importing the mock, building "
        f"it and, over the socket, starting its server), {runs} runs of 20 tests:",
        "",
        "| mode | CPU, fastest (ms) | CPU, median | wall, fastest | wall, median | per test, wall median |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for mode, starts in result.start.items():
        lines.append(f"| {mode} | {_cells(starts)} | {statistics.median(result.per_test_ms[mode]):.2f} |")
    run_adds = result.adds(0, min)
    in_process = min(run[0] for run in result.start["in-process"])
    socket = min(run[0] for run in result.start["socket"])
    lines += [
        "",
        "| target (issue 12) | measured (CPU, fastest run) | |",
        "|---|---|---|",
        f"| installing adds under {TARGET_RUN_MS:.0f} ms to a run without the fixture | {run_adds:+.0f} ms | "
        f"{_verdict(run_adds, TARGET_RUN_MS)} |",
        f"| the fixture's session start under {TARGET_START_MS:.0f} ms | {in_process:.0f} ms in-process, "
        f"{socket:.0f} ms over the socket | {_verdict(in_process, TARGET_START_MS)} in-process, "
        f"{_verdict(socket, TARGET_START_MS)} over the socket |",
    ]
    return "\n".join(lines) + "\n"


def write(path: Path, generated: str) -> None:
    """Replace this benchmark's section of ``path`` (or append one)."""
    from .report import replace_block

    replace_block(path, BEGIN, END, generated)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="runs of each environment [15]")
    parser.add_argument("--fixture-runs", type=int, default=7, help="runs of each fixture mode [7]")
    parser.add_argument("--write", type=Path, help="rewrite this file's section (BENCHMARKS.md)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = measure(args.runs, args.fixture_runs)
    text = markdown(result, time.perf_counter() - started)
    print(text)
    if args.write:
        write(args.write, text)
        print(f"[bench] written to {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["ROOT", "Overhead", "markdown", "measure"]
