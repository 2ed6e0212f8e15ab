"""Cold start: from starting the process to its first 200 on POST /v1/ocr, several runs."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from .bodies import AUTH, SUCCESS
from .processes import ServerSpec, start, stop, wait_until_ok


@dataclass(frozen=True)
class ColdStart:
    name: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def worst(self) -> float:
        return max(self.seconds)


def cold_start(spec: ServerSpec, log_dir: Path, runs: int, timeout: float = 60.0) -> ColdStart:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        server = start(spec, log_dir)
        try:
            wait_until_ok(server, SUCCESS, AUTH, timeout)
            times.append(time.perf_counter() - began)
        finally:
            stop(server)
    return ColdStart(spec.name, times)
