"""The requests every server is loaded with: about 2 KB of JSON, one the mock answers 200, one it rejects."""

from __future__ import annotations

import base64
import json
import random

AUTH = "Bearer aistats_v1_sk_bench01_s3cret"
MODEL = "mistral/ocr-3"
TARGET_SIZE = 2048


def _image(size: int) -> str:
    """Base64 of deterministic bytes, as long as ``size`` characters."""
    raw = random.Random(6).randbytes(size * 3 // 4 + 3)
    return base64.b64encode(raw).decode()[: size - size % 4]


def _padded(fields: dict[str, object]) -> bytes:
    """``fields`` with an ``image`` that brings the JSON to about ``TARGET_SIZE`` bytes."""
    empty = len(json.dumps({**fields, "image": ""}))
    return json.dumps({**fields, "image": _image(TARGET_SIZE - empty)}).encode()


SUCCESS = _padded({"model": MODEL})
# A schema error the mock reports with details (model is a number): its costliest error path.
ERROR = _padded({"model": 1234})


def large_image_body(base64_chars: int = 20_000_000) -> tuple[bytes, int]:
    """A request whose bare-base64 image has ``base64_chars`` characters, and the decoded size."""
    decoded = base64_chars // 4 * 3
    image = base64.b64encode(random.Random(20).randbytes(decoded))
    head = json.dumps({"model": MODEL, "debug": {"return_upstream_response": True}})[:-1].encode()
    return head + b', "image": "' + image + b'"}', decoded
