"""A client of the mock, as your own service would be: POST one OCR request and print the text.

Stdlib only. Environment: OCR_BASE_URL (default http://ocr-mock:8080, the compose service name),
OCR_API_KEY (a well-formed gateway key, aistats_v1_sk_<kid>_<secret>), OCR_MODEL (mistral/ocr-3).
Exits non-zero when the request fails, so `docker compose up --exit-code-from compose-client`
reports it.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request

# A 1x1 PNG, sent as a data URL; any image the mock's fixtures match on would do.
TINY_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def main() -> int:
    base_url = os.environ.get("OCR_BASE_URL", "http://ocr-mock:8080").rstrip("/")
    key = os.environ.get("OCR_API_KEY", "aistats_v1_sk_compose01_devsecret")
    model = os.environ.get("OCR_MODEL", "mistral/ocr-3")
    body = json.dumps({"model": model, "image": TINY_PNG}).encode()
    request = urllib.request.Request(
        f"{base_url}/v1/ocr",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as exc:
        print(f"POST {base_url}/v1/ocr -> {exc.code}: {exc.read().decode(errors='replace')}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"POST {base_url}/v1/ocr failed: {exc}", file=sys.stderr)
        return 1
    print(f"{answer.get('model')} via {answer.get('provider')} ({answer.get('id')}):")
    print(answer.get("text", ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
