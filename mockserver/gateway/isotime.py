"""Times as the gateway writes them: JavaScript's ``new Date(ms).toISOString()`` (UTC, milliseconds, ``Z``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache


def iso_ms(ms: int) -> str:
    """``new Date(ms).toISOString()``."""
    return _iso_second(ms // 1000) + f"{ms % 1000:03d}Z"


def iso_now() -> str:
    """The current time, as ``iso_ms`` writes it."""
    return iso_ms(time.time_ns() // 1_000_000)


@lru_cache(maxsize=4)
def _iso_second(second: int) -> str:
    """The part down to the second (the requests of one second share it)."""
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
