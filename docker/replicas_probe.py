"""The check of `make docker-smoke` on docker-compose.replicas.yml: through the load balancer, a script
added once answers exactly its `times` across the replicas, and the journal lists each request once.

    python3 docker/replicas_probe.py http://127.0.0.1:18081

Each request opens its own connection, so the balancer spreads them over the replicas. Prints one line per
check; exits 1 on the first failure. Stdlib only. OCR_MOCK_ADMIN_TOKEN is sent to the admin API.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any

KEY = "aistats_v1_sk_replica01_devsecret"
IMAGE = "https://files.example.com/replicas/probe.png"
MODEL = "mistral/ocr-3"
TIMES = 6
REQUESTS = 15


def call(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def check(ok: bool, line: str) -> None:
    if not ok:
        print(f"FAIL {line}", file=sys.stderr)
        raise SystemExit(1)
    print(f"ok   {line}")


def main(base: str) -> None:
    admin = os.environ.get("OCR_MOCK_ADMIN_TOKEN")
    status, health = call("GET", f"{base}/_mock/health", token=admin)
    check(status == 200 and health["state"]["status"] == "up", f"GET /_mock/health -> {status} {health}")
    status, _ = call("POST", f"{base}/_mock/reset", token=admin)
    check(status == 200, f"POST /_mock/reset -> {status}")
    script = {"id": "replicas-probe", "model": MODEL, "match": {"image": {"url": IMAGE}}, "times": TIMES,
              "text": "scripted once per unit"}
    status, _ = call("POST", f"{base}/_mock/scripts", script, token=admin)
    check(status == 201, f"POST /_mock/scripts -> {status}")
    texts = []
    for _ in range(REQUESTS):
        status, body = call("POST", f"{base}/v1/ocr", {"model": MODEL, "image": IMAGE}, token=KEY)
        check(status == 200, f"POST /v1/ocr -> {status}")
        texts.append(body["text"])
    scripted = texts.count("scripted once per unit")
    check(scripted == TIMES, f"the script answered {scripted} of {REQUESTS} calls (times: {TIMES})")
    status, journal = call("GET", f"{base}/_mock/requests?model={MODEL}", token=admin)
    ids = [entry["id"] for entry in journal["requests"]]
    check(len(ids) == REQUESTS and ids == sorted(set(ids)), f"the journal lists {len(ids)} requests, ids {ids}")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
