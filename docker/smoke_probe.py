"""HTTP half of `make docker-smoke`: probe a running mock container from the host.

    python3 docker/smoke_probe.py http://127.0.0.1:18080

Checks GET / (the gateway's JSON welcome), one POST /v1/ocr (200 with text), and GET /_mock/health:
401 without the admin token (the container listens on 0.0.0.0), 200 with it (OCR_MOCK_ADMIN_TOKEN).
Prints one line per check; exits 1 on the first failure. Stdlib only.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from typing import Any

KEY = "aistats_v1_sk_smoke01_devsecret"
TINY_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, raw.decode(errors="replace")


def fail(message: str) -> int:
    print(f"FAIL {message}", file=sys.stderr)
    return 1


def main(base: str, wait_s: float = 30.0) -> int:
    base = base.rstrip("/")
    deadline = time.monotonic() + wait_s
    while True:  # the server needs a moment after `docker run`
        try:
            status, body = call("GET", f"{base}/")
            break
        except OSError as exc:
            if time.monotonic() > deadline:
                return fail(f"GET / never answered within {wait_s:.0f}s: {exc}")
            time.sleep(0.5)
    if status != 200 or not isinstance(body, dict) or "message" not in body:
        return fail(f"GET / -> {status} {body!r}")
    print(f"ok   GET / -> 200 {body['message'][:60]!r}")

    status, body = call(
        "POST", f"{base}/v1/ocr", {"model": "mistral/ocr-3", "image": TINY_PNG}, {"Authorization": f"Bearer {KEY}"}
    )
    if status != 200 or not isinstance(body, dict) or not body.get("text"):
        return fail(f"POST /v1/ocr -> {status} {body!r}")
    print(f"ok   POST /v1/ocr -> 200 model={body.get('model')} text={body['text'].splitlines()[0]!r}")

    status, body = call("GET", f"{base}/_mock/health")
    if status != 401:
        return fail(f"GET /_mock/health without the admin token -> {status}, expected 401")
    print("ok   GET /_mock/health without the admin token -> 401")
    token = os.environ.get("OCR_MOCK_ADMIN_TOKEN", "")
    status, body = call("GET", f"{base}/_mock/health", headers={"Authorization": f"Bearer {token}"})
    if status != 200 or not isinstance(body, dict) or body.get("status") != "ok":
        return fail(f"GET /_mock/health with the admin token -> {status} {body!r}")
    print(f"ok   GET /_mock/health -> 200 status=ok, {body.get('scripts')} scripts from {body.get('fixture_files')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18080"))
