"""What the pytest plugin costs a test suite: per test, in each mode, against the same test written with respx;
and once per session.

Each variant is a generated test file of N identical tests; each test scripts one OCR answer, makes one call
with a fresh httpx client and checks the text (the plugin's variants also pay strict mode's check):

- ``empty``: a test that does nothing (pytest's own cost per test, for scale);
- ``respx``: ``respx_mock`` routes POST /v1/ocr to a canned JSON body;
- ``in-process``: ``ocr_gateway`` with ``httpx_client(in_process=True)``: the gateway's real pipeline, no socket;
- ``socket``: ``ocr_gateway`` with ``httpx_client()``: over the loopback uvicorn server.

Every variant runs in a fresh ``pytest`` process, ``--repeats`` times, interleaved; the table gives the
fastest run (the least disturbed by other load on the machine) and the median. Per-test cost = (run loop time - the
first test) / (N - 1); session start = the first test's time - the per-test cost (imports, the mock, the
server). Also timed alone, in fresh interpreters: importing the mock, building it, starting its server.

    .venv/bin/python bench/plugin_overhead.py [--tests 300] [--repeats 5]

Prints a Markdown table (docs/plugin-benchmarks.md holds the last published numbers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

CONFTEST = '''
import json
import os
import time

import pytest

_times = {"items": []}


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        _times["loop_s"] = time.perf_counter() - start


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        _times["items"].append(time.perf_counter() - start)


def pytest_sessionfinish(session, exitstatus):
    _times["exitstatus"] = int(exitstatus)
    with open(os.environ["BENCH_TIMES"], "w") as fh:
        json.dump(_times, fh)
'''

INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"

HEADER = '''
import httpx
import pytest

BODY = {"model": "mistral/ocr-3", "image": "https://example.com/invoice.png"}
TLS = httpx.create_ssl_context()  # shared: httpx builds a new one per client otherwise (~30 ms)
'''

VARIANTS = {
    "empty": '''
@pytest.mark.parametrize("n", range(N))
def test_nothing(n):
    pass
''',
    "respx": '''
@pytest.mark.parametrize("n", range(N))
def test_respx(respx_mock, n):
    respx_mock.post("https://api.phaseo.app/v1/ocr").mock(
        return_value=httpx.Response(200, json={"object": "ocr", "text": "Total: $42.00"}))
    with httpx.Client(base_url="https://api.phaseo.app/v1", verify=TLS,
                      headers={"Authorization": "Bearer aistats_v1_sk_bench1_secret"}) as client:
        assert client.post("/ocr", json=BODY).json()["text"] == "Total: $42.00"
''',
    "in-process": '''
@pytest.mark.parametrize("n", range(N))
def test_in_process(ocr_gateway, n):
    ocr_gateway.add(model="mistral/ocr-3", text="Total: $42.00")
    with ocr_gateway.httpx_client(in_process=True) as client:
        assert client.post("/ocr", json=BODY).json()["text"] == "Total: $42.00"
''',
    "socket": '''
@pytest.mark.parametrize("n", range(N))
def test_socket(ocr_gateway, n):
    ocr_gateway.add(model="mistral/ocr-3", text="Total: $42.00")
    with ocr_gateway.httpx_client() as client:
        assert client.post("/ocr", json=BODY).json()["text"] == "Total: $42.00"
''',
}

STARTUP = '''
import json, time
t0 = time.perf_counter()
from mockserver.pytest_plugin.hosting import HostPool
from mockserver.settings import Settings
t1 = time.perf_counter()
pool = HostPool()
host = pool.shared(Settings())
t2 = time.perf_counter()
host.url
t3 = time.perf_counter()
pool.close()
print(json.dumps({"import_ms": (t1 - t0) * 1000, "mock_ms": (t2 - t1) * 1000, "server_ms": (t3 - t2) * 1000}))
'''


def run_variant(name: str, tests: int, workdir: Path) -> dict[str, float]:
    source = textwrap.dedent(HEADER) + textwrap.dedent(VARIANTS[name]).replace("range(N)", f"range({tests})")
    test_file = workdir / f"test_{name.replace('-', '_')}.py"
    test_file.write_text(source)
    times_file = workdir / "times.json"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=workdir, env={**os.environ, "BENCH_TIMES": str(times_file)}, capture_output=True, text=True,
    )
    test_file.unlink()
    times = json.loads(times_file.read_text())
    if result.returncode != 0 or times["exitstatus"] != 0:
        raise SystemExit(f"{name} failed:\n{result.stdout}\n{result.stderr}")
    items: list[float] = times["items"]
    per_test = (times["loop_s"] - items[0]) / (len(items) - 1)
    return {"per_test_ms": per_test * 1000, "first_ms": items[0] * 1000}


def startup() -> dict[str, float]:
    result = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True, check=True)
    parsed: dict[str, float] = json.loads(result.stdout)
    return parsed


def measure(tests: int, repeats: int) -> dict[str, list[dict[str, float]]]:
    """Per variant, one timing per run (interleaved, so drifting machine load hits every variant alike)."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="plugin-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "pytest.ini").write_text(INI)
        (workdir / "conftest.py").write_text(CONFTEST)
        for _ in range(repeats):
            for name in VARIANTS:
                runs[name].append(run_variant(name, tests, workdir))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tests", type=int, default=300, help="tests per run [300]")
    parser.add_argument("--repeats", type=int, default=5, help="runs per variant [5]")
    args = parser.parse_args()

    runs = measure(args.tests, args.repeats)
    starts = [startup() for _ in range(args.repeats)]

    def stat(name: str, key: str, pick: Callable[[list[float]], float]) -> float:
        return pick([run[key] for run in runs[name]])

    respx = stat("respx", "per_test_ms", min)
    print(f"{args.tests} tests a run, {args.repeats} runs a variant; Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs; min (the least disturbed run) and median\n")
    print("| variant | per test, min (ms) | median (ms) | min vs respx | session start, min (ms) | median (ms) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in VARIANTS:
        per_test = stat(name, "per_test_ms", min)
        starts_of = [run["first_ms"] - run["per_test_ms"] for run in runs[name]]
        print(f"| {name} | {per_test:.2f} | {stat(name, 'per_test_ms', statistics.median):.2f} | "
              f"{per_test / respx:.2f}x | {min(starts_of):.0f} | {statistics.median(starts_of):.0f} |")
    print("\n| session start, alone (ms) | median | min |\n|---|---:|---:|")
    for key, label in (("import_ms", "import the mock and the plugin's hosting"), ("mock_ms", "build the mock"),
                       ("server_ms", "start the loopback server")):
        values = [start[key] for start in starts]
        print(f"| {label} | {statistics.median(values):.0f} | {min(values):.0f} |")


if __name__ == "__main__":
    main()
