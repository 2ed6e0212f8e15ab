"""The ``image`` field: a URL, a data URL, or bare base64 (sent on as a JPEG data URL)."""

from __future__ import annotations

import base64
import binascii
import re

_URL = re.compile(r"^https?://", re.IGNORECASE)
_WHITESPACE = re.compile(rb"\s+")


def image_as_sent(image: str) -> str:
    """The image as the gateway forwards it upstream."""
    if _URL.match(image) or image.startswith("data:"):
        return image
    return f"data:image/jpeg;base64,{image}"


def image_bytes(image: str) -> bytes | None:
    """The decoded bytes of an inline image; None for a URL or undecodable data."""
    sent = image_as_sent(image)
    if not sent.startswith("data:"):
        return None
    header, _, payload = sent.partition(",")
    data = payload.encode("utf-8", errors="replace")
    if header.endswith(";base64"):
        try:
            return base64.b64decode(_WHITESPACE.sub(b"", data), validate=False)
        except (binascii.Error, ValueError):
            return None
    return data
