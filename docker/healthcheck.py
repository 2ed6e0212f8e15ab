"""Container health probe: GET /_mock/health on the local mock, exit 0 only on 200 {"status": "ok"}.

Stdlib only (slim images have no curl). Used by the Dockerfile's HEALTHCHECK and docker-compose.yml.
Environment: OCR_MOCK_PORT (default 8080), OCR_MOCK_HEALTH_URL (overrides the whole URL),
OCR_MOCK_ADMIN_TOKEN (sent as a bearer token when set, for servers whose admin API requires one).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request


def main() -> int:
    port = os.environ.get("OCR_MOCK_PORT", "8080")
    url = os.environ.get("OCR_MOCK_HEALTH_URL", f"http://127.0.0.1:{port}/_mock/health")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    token = os.environ.get("OCR_MOCK_ADMIN_TOKEN")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            body = json.loads(response.read() or b"{}")
    except Exception as exc:  # any failure is "unhealthy"; say why in `docker inspect`
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    if not isinstance(body, dict) or body.get("status") != "ok":
        print(f"unhealthy: {url} answered {body!r}", file=sys.stderr)
        return 1
    print(f"healthy: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
