"""Peak memory of ``ocr-mock serve`` for one request carrying a 20 MB base64 image.

The server's RSS is read before the request and its peak (VmHWM, reset just before) after it; the
answer must be a 200 whose ``doc_size_bytes`` is the decoded image's size.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .bodies import AUTH, SUCCESS, large_image_body
from .processes import ServerSpec, post, reset_peak_rss, rss_bytes, running


@dataclass(frozen=True)
class MemoryResult:
    body_bytes: int
    growth_bytes: int
    answered: bool

    @property
    def ratio(self) -> float:
        return self.growth_bytes / self.body_bytes


def large_image_memory(spec: ServerSpec, log_dir: Path, base64_chars: int = 20_000_000) -> MemoryResult:
    body, decoded = large_image_body(base64_chars)
    with running(spec, log_dir, SUCCESS, AUTH) as server:
        pid = server.process.pid
        before = rss_bytes(pid)
        reset_peak_rss(pid)
        status, answer = post(server.url, body, AUTH, timeout=120)
        peak = rss_bytes(pid, "VmHWM")
    usage = json.loads(answer).get("upstream_response", {}).get("usage", {}) if status == 200 else {}
    return MemoryResult(len(body), peak - before, status == 200 and usage.get("doc_size_bytes") == decoded)
