"""Load with wrk: a fixed POST, 32 connections, bounded in time and in request count; parsed results."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Each wrk thread stops after this many responses, whatever the duration: every run is bounded twice.
MAX_REQUESTS_PER_THREAD = 200_000

_SCRIPT = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = {auth}
local seen = 0
function response(status, headers, body)
  seen = seen + 1
  if seen >= {limit} then wrk.thread:stop() end
end
"""

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    statuses_ok: bool  # every answer had the expected class (2xx, or 4xx for error requests)
    errors: str  # wrk's socket errors / non-2xx count, for the record
    cpu_us_per_request: float | None = None  # the server's own CPU time per answer (robust to other load)


def run_wrk(
    wrk: str,
    url: str,
    body: bytes,
    auth: str,
    *,
    seconds: float,
    connections: int = 32,
    threads: int = 1,
    expect_2xx: bool = True,
) -> LoadResult:
    """One bounded wrk run (``seconds``, and at most MAX_REQUESTS_PER_THREAD answers a thread)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(_SCRIPT.format(body=json.dumps(body.decode()), auth=json.dumps(auth), limit=MAX_REQUESTS_PER_THREAD))
        script = Path(fh.name)
    try:
        command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script), url]
        output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    finally:
        script.unlink()
    return parse(output, expect_2xx=expect_2xx)


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse(output: str, *, expect_2xx: bool = True) -> LoadResult:
    """wrk's text report -> numbers."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    non_2xx_match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    non_2xx = int(non_2xx_match.group(1)) if non_2xx_match else 0
    socket_errors = re.search(r"Socket errors:.*", output)
    ok = non_2xx == 0 if expect_2xx else non_2xx == total
    notes = [f"non-2xx {non_2xx}" if non_2xx else "", socket_errors.group(0) if socket_errors else ""]
    return LoadResult(rps, p50, p99, total, ok and socket_errors is None, ", ".join(filter(None, notes)))
