"""Helpers for the proxy's tests: a target on a loopback socket, and a proxy in front of it."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from contract_tests.safety import Target
from mockserver.proxy.app import Proxy, create_proxy_app
from mockserver.proxy.config import ProxyConfig
from mockserver.proxy.recording import Recorder
from tests.contract.contract_helpers import serving
from tests.helpers import KEY, TINY_PNG_B64

FIXTURE_IMAGES = Path(__file__).resolve().parents[2] / "fixtures" / "images"
INVOICE = base64.b64encode((FIXTURE_IMAGES / "invoice.png").read_bytes()).decode()
RECEIPT = base64.b64encode((FIXTURE_IMAGES / "receipt.jpg").read_bytes()).decode()
TINY = TINY_PNG_B64
IDS_AND_TIMINGS = ("requestId", "id", "generation_id")


@contextmanager
def proxying(target_url: str, recorder: Recorder | None = None, **options: Any) -> Iterator[tuple[httpx.Client, Proxy]]:
    """A proxy in front of ``target_url`` on its own loopback socket; a client with a well-formed key."""
    config = ProxyConfig(target=Target.from_option(target_url), **options)
    app = create_proxy_app(config, recorder)
    with serving(app) as base_url, httpx.Client(base_url=base_url.removesuffix("/v1"), trust_env=False,
                                                 headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as client:
        yield client, app.state.proxy


def ocr(client: httpx.Client, model: str = "mistral/ocr-3", image: str = TINY, **fields: Any) -> httpx.Response:
    return client.post("/v1/ocr", json={"model": model, "image": image, **fields})


def comparable(body: Any) -> Any:
    """A body without what differs on every answer: ids and timings."""
    if not isinstance(body, dict):
        return body
    out = {key: value for key, value in body.items() if key not in IDS_AND_TIMINGS}
    if isinstance(out.get("meta"), dict):
        # timings, and throughput_tps, which is null when the provider call took under half a millisecond
        out["meta"] = {key: value for key, value in out["meta"].items()
                       if not key.endswith("_ms") and key != "throughput_tps"}
    return out


def deviations(client: httpx.Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/_mock/deviations").json()["deviations"]
    return found


@contextmanager
def proxy_process(*args: str, env: dict[str, str] | None = None, log: Path | None = None) -> Iterator[str]:
    """``ocr-mock proxy ARGS`` as a real process on a free port, its output into ``log``; yields its root URL."""
    import os
    import subprocess
    import time

    from tests.contract.contract_helpers import free_port
    from tests.server import OCR_MOCK

    port = free_port()
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
    out = log.open("w") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen([str(OCR_MOCK), "proxy", "--port", str(port), *args], stdout=out,
                               stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/_mock/health", timeout=1, trust_env=False)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ocr-mock proxy did not start ({process.poll()})") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        if log is not None and hasattr(out, "close"):
            out.close()
