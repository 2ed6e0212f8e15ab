"""Why a request costs more under load than in a loop: the CPU caches. In-process, one ``POST /v1/ocr`` after another,
every answer finds the code and data of the one before in the caches. Under load, uvicorn, the kernel's network
stack and the load generator run between two answers and evict them. This measures the CPU time an ASGI app takes
per request in-process, with the caches warm, and with some MiB of memory written between requests (the L2 of this
machine kind is 2 MiB a core, the L3 32 MiB shared). The mock's cost under load lies between its warm and cold figures;
an optimisation that saves instructions but touches as much memory moves the warm figure only.

    python -m bench.cold_cache [--requests 4000] [--evict 0,4,16] [--write BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from .bodies import AUTH, SUCCESS
from .report import replace_block

ROOT = Path(__file__).resolve().parent.parent
BEGIN = ("<!-- bench:cold-cache:begin (written by make bench and python -m bench.cold_cache --write; "
         "edits inside are lost) -->")
END = "<!-- bench:cold-cache:end -->"

App = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
               Awaitable[None]]


def _scope() -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8080"), (b"content-type", b"application/json"),
               (b"authorization", AUTH.encode()), (b"content-length", str(len(SUCCESS)).encode())]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": "/v1/ocr", "raw_path": b"/v1/ocr", "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 5), "server": ("127.0.0.1", 8080), "state": {}, "extensions": {}}


def mock_app() -> App:
    """The mock as ``ocr-mock serve`` runs it (the lean path, the log line at INFO into /dev/null)."""
    from mockserver.cli import _skip_unused_log_record_fields
    from mockserver.mock import Mock
    from mockserver.settings import Settings
    from mockserver.web.app import create_app
    from mockserver.web.logline import LINE_FORMAT

    logging.basicConfig(level=logging.INFO, format=LINE_FORMAT,
                        stream=open(os.devnull, "w"), force=True)  # noqa: SIM115 (lives as long as the process)
    _skip_unused_log_record_fields()
    app: App = create_app(mock=Mock(Settings(fixtures=ROOT / "fixtures")))
    return app


def bare_app() -> App:
    from .bare_server import app

    bare: App = app
    return bare


async def _per_request_cpu(app: App, requests: int, evict: bytearray | None) -> float:
    """The thread CPU time inside ``app`` per request, in µs (the eviction itself is not counted)."""
    scope = _scope()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": SUCCESS, "more_body": False}

    async def send(message: Any) -> None:
        return None

    spent = 0.0
    for _ in range(requests):
        if evict is not None:
            evict[::64] = bytes(len(evict) // 64)  # one write per cache line
        started = time.thread_time()
        await app(dict(scope), receive, send)
        spent += time.thread_time() - started
    return spent / requests * 1e6


def measure(app: App, requests: int, evict_mib: int, rounds: int = 3) -> float:
    evict = bytearray(evict_mib << 20) if evict_mib else None
    asyncio.run(_per_request_cpu(app, min(requests, 1000), evict))  # warm-up: imports, caches, the journal
    return statistics.median(asyncio.run(_per_request_cpu(app, requests, evict)) for _ in range(rounds))


def table(figures: dict[str, dict[int, float]], evictions: list[int]) -> str:
    heads = " | ".join("warm" if mib == 0 else f"{mib} MiB evicted" for mib in evictions)
    lines = [f"| app | {heads} |", "|---|" + "---:|" * len(evictions)]
    for name, row in figures.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[mib]:.0f} µs" for mib in evictions) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--evict", default="0,4,16", help="MiB written between requests, comma-separated (0: none)")
    parser.add_argument("--write", type=Path, help="write the table into this file's block")
    args = parser.parse_args()
    run(args.requests, [int(part) for part in args.evict.split(",")], args.write)


def run(requests: int, evictions: list[int], write: Path | None = None) -> None:
    """Measure both apps, print the table, and write it into ``write``'s block when given."""
    figures: dict[str, dict[int, float]] = {}
    for name, make in (("bare Starlette", bare_app), ("mock (lean path)", mock_app)):
        app = make()
        figures[name] = {}
        for mib in evictions:
            figures[name][mib] = measure(app, requests, mib)
            label = "warm" if mib == 0 else f"{mib} MiB evicted"
            print(f"{name:18s} {label:>16s}: {figures[name][mib]:6.1f} µs/request", flush=True)
    text = table(figures, evictions)
    print(text)
    if write is not None:
        note = (f"_Generated by `python -m bench.cold_cache` ({requests} requests, median of 3 runs; thread CPU "
                f"inside the app per `POST /v1/ocr` success, in-process): Python {platform.python_version()}, "
                f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}._\n\n")
        replace_block(write, BEGIN, END, note + text)
        print(f"written to {write}")


if __name__ == "__main__":
    main()
