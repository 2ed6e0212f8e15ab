"""Where the time of ``POST /v1/ocr`` goes: py-spy samples the mock under wrk load, by component.

Each sample's stack is put in the first category any of its frames matches, in the order below, so
a sample inside jsonschema counts as validation and one inside a socket write as the HTTP server.
"""

from __future__ import annotations

import subprocess
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .load import run_wrk
from .processes import Running

# Every mockserver module a request passes through, but cli.py: ``serve`` is the root of every stack.
_PIPELINE = tuple(
    f"(mockserver/{module}.py"
    for module in (
        "web/app",
        "web/lean",
        "gateway/pipeline",
        "gateway/auth",
        "gateway/catalog",
        "gateway/routing",
        "gateway/pricing",
        "gateway/upstream",
        "gateway/images",
        "gateway/ids",
        "gateway/errors",
    )
)
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("the log line", ("logging/__init__.py", "mockserver/web/logline.py")),
    # before the handler: the lean path sends from its own frame, and a socket write is the server's work
    (
        "HTTP server: parsing, socket reads and writes (uvicorn, httptools)",
        ("RequestResponseCycle.send", "HttpToolsProtocol."),
    ),
    (
        "body validation (openapi-core's validator, jsonschema)",
        ("mockserver/gateway/validation.py", "mockserver/gateway/body_schema.py", "mockserver/gateway/body_check.py"),
    ),
    (
        "reading and parsing the body",
        ("mockserver/gateway/reading.py", "mockserver/gateway/parsing.py", "mockserver/web/request_body.py",
         "read (mockserver/web/lean.py"),
    ),
    ("encoding the answer and its headers", ("mockserver/web/http.py",)),
    ("the state: journal entries, key accounts, script counts (any store)", ("mockserver/state/",)),
    ("script matching and the provider's answer", ("mockserver/scripting/",)),
    ("the handler and gateway pipeline (auth, catalog, routing, pricing, success body)", _PIPELINE),
    ("Starlette: middleware, routing, Request and Response", ("starlette/",)),
)
OTHER = "event loop and the rest"


@dataclass(frozen=True)
class Profile:
    samples: int
    shares: list[tuple[str, float]]  # category, fraction of samples
    top_frames: list[tuple[str, float]]  # leaf frames with the most samples


def _category(frames: list[str]) -> str:
    for name, needles in CATEGORIES:
        if any(needle in frame for frame in frames for needle in needles):
            return name
    return OTHER


def summarise(raw: str) -> Profile:
    """py-spy's raw (collapsed stacks) output -> shares per category and the hottest leaf frames."""
    by_category: Counter[str] = Counter()
    by_leaf: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        by_category[_category(frames)] += count
        by_leaf[frames[-1]] += count
    names = [name for name, _ in CATEGORIES] + [OTHER]
    shares = [(name, by_category[name] / total) for name in names if total and by_category[name]]
    top = [(frame, count / total) for frame, count in by_leaf.most_common(8)] if total else []
    return Profile(total, shares, top)


def profile_under_load(
    py_spy: str, wrk: str, server: Running, body: bytes, auth: str, seconds: float, out: Path
) -> Profile:
    """py-spy record on the server while wrk loads it (both bounded by ``seconds``)."""
    load = threading.Thread(
        target=run_wrk, args=(wrk, server.url, body, auth), kwargs={"seconds": seconds + 1}, daemon=True
    )
    load.start()
    command = [
        py_spy,
        "record",
        "--pid",
        str(server.process.pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        "250",
        "--format",
        "raw",
        "--output",
        str(out),
    ]
    subprocess.run(command, capture_output=True, timeout=seconds + 60, check=True)
    load.join(timeout=seconds + 60)
    return summarise(out.read_text())
