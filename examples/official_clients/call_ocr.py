"""Call ``POST <base_url>/ocr`` through an official AI Stats Gateway Python client.

Run with an interpreter that has the client installed (the two cannot share an environment: both
ship a top-level module named ``gen``):

    python call_ocr.py --sdk ai-stats --base-url http://127.0.0.1:8080/v1 --api-key KEY \
        --model mistral/ocr-3 --image URL
    python call_ocr.py --sdk phaseo   --base-url http://127.0.0.1:8080/v1 --api-key KEY \
        --model mistral/ocr-3 --document '{"type": "document_url", "document_url": "https://x/a.pdf"}'

``--call`` picks the entry point: ``ops`` (the generated ``gen.operations.createOcr``), ``request``
(the client's ``request("POST", "/ocr", ...)``). Prints one JSON line: ``{"ok", "status", "body"}``.
Neither client sets a timeout, so this script sets a default socket timeout.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import urllib.error
from typing import Any


def make_client(sdk: str, base_url: str, api_key: str) -> Any:
    if sdk == "ai-stats":
        from ai_stats import AIStats  # Python 3.12+ only

        return AIStats(api_key=api_key, base_url=base_url)
    from phaseo import Phaseo

    return Phaseo(api_key=api_key, base_url=base_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sdk", required=True, choices=["ai-stats", "phaseo"])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--model", required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--image")
    source.add_argument("--document", help='a document as JSON (gateway release 2026-08), e.g. '
                                           '\'{"type": "document_url", "document_url": "https://x/a.pdf"}\'')
    parser.add_argument("--call", choices=["ops", "request"], default="ops")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    socket.setdefaulttimeout(args.timeout)

    from gen import operations  # shipped by both clients

    client = make_client(args.sdk, args.base_url, args.api_key)
    body = {"model": args.model, **({"image": args.image} if args.image else {"document": json.loads(args.document)})}
    try:
        if args.call == "request":
            result = client.request("POST", "/ocr", body=body)
        else:
            result = operations.createOcr(client.raw_client, body=body)
    except urllib.error.HTTPError as error:  # the clients raise urllib's error on any non-2xx
        print(json.dumps({"ok": False, "status": error.code, "body": json.loads(error.read() or b"null")}))
        return 1
    print(json.dumps({"ok": True, "status": 200, "body": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
