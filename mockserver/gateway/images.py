"""The ``image`` field: a URL, a data URL, or bare base64 (sent on as a JPEG data URL)."""

from __future__ import annotations

import binascii
import hashlib
import re
import string
from collections.abc import Mapping
from typing import Any

from mockserver.gateway.validation import js_trim

_URL = re.compile(r"^https?://")  # case-sensitive, as the gateway checks (mistral/endpoints/ocr.ts L12-18)
_BARE_BASE64_PREFIX = "data:image/jpeg;base64,"
_SLICE = 1 << 16
_NOT_BASE64 = bytes(set(range(256)) - set((string.ascii_letters + string.digits + "+/").encode()))
_NOT_BASE64_OR_PAD = bytes(set(_NOT_BASE64) - {ord("=")})


def data_url_payload(image: str) -> tuple[str, int] | None:
    """The one data-URL parser: (the header before the comma, where the payload starts), or None when
    ``image`` is not a data URL. A data URL without a comma has an empty payload."""
    if not image.startswith("data:"):
        return None
    comma = image.find(",")
    return (image[:comma], comma + 1) if comma >= 0 else (image, len(image))


def is_base64_header(header: str) -> bool:
    return header.endswith(";base64")


def image_as_sent(image: str) -> str:
    """The image as the gateway forwards it to the provider (providers/mistral/endpoints/ocr.ts L12-18):
    trimmed (JavaScript's trim), then kept if it starts with ``http://``, ``https://`` or ``data:``
    (case-sensitive), else sent as a JPEG data URL."""
    image = js_trim(image)
    if _URL.match(image) or image.startswith("data:"):
        return image
    return _BARE_BASE64_PREFIX + image


def image_of(body: Mapping[str, Any]) -> str | None:
    """The image a request sends the provider: its ``image`` field as sent, when a non-empty string."""
    raw = body.get("image")
    return image_as_sent(raw) if isinstance(raw, str) and raw else None


def image_bytes(image: str) -> bytes | None:
    """The decoded bytes of an inline image; None for a URL or undecodable data.

    Lenient base64 as the gateway's runtime decodes it: characters outside the alphabet (whitespace
    included) are skipped. An ASCII payload is decoded in place, without the copies that slicing,
    encoding or stripping whitespace would make of a large image.
    """
    if _URL.match(image):
        return None
    parsed = data_url_payload(image)
    if parsed is None:
        payload = image
    else:
        header, start = parsed
        payload = image[start:]
        if not is_base64_header(header):
            return payload.encode("utf-8", errors="replace")
    data: str | bytes = payload if payload.isascii() else payload.encode("utf-8", errors="replace")
    try:
        return binascii.a2b_base64(data, strict_mode=False)
    except (binascii.Error, ValueError):
        return None


def decoded_size(image: str) -> int | None:
    """``len(image_bytes(image))`` for well-formed base64, counted a slice at a time: a large image is
    never copied or decoded whole just to report its size."""
    if _URL.match(image):
        return None
    start = 0
    parsed = data_url_payload(image)
    if parsed is not None:
        header, start = parsed
        if not is_base64_header(header):
            return sum(len(image[i : i + _SLICE].encode("utf-8", "replace")) for i in range(start, len(image), _SLICE))
    if len(image) - start <= _SLICE:
        symbols = len(image[start:].encode("ascii", "ignore").translate(None, _NOT_BASE64))
    else:
        symbols = sum(
            len(image[i : i + _SLICE].encode("ascii", "ignore").translate(None, _NOT_BASE64))
            for i in range(start, len(image), _SLICE)
        )
    return symbols * 3 // 4


def comparable_size(image: str) -> int | None:
    """``decoded_size`` where it is the length of the bytes ``image_digest`` hashes: base64 with padding only at
    its end (padding earlier decodes otherwise); None for a URL or such a payload. Two images of different
    sizes have different digests, so a script's image is told apart without hashing the request's."""
    parsed = data_url_payload(image)
    payload = image if parsed is None else image[parsed[1] :]
    if "=" in payload.rstrip("="):
        return None
    return decoded_size(image)


_HEAD = 16  # enough leading bytes to sniff the media type


def image_digest(image: str) -> tuple[str, bytes] | None:
    """(SHA-256 hex, first bytes) of ``image_bytes(image)``, without holding the decoded image or a copy
    of the payload: clean base64 is decoded a slice at a time. Anything unusual (non-ASCII, padding
    before the end) takes the plain path, so the result is always that of ``image_bytes``."""
    if _URL.match(image):
        return None
    start = 0
    parsed = data_url_payload(image)
    if parsed is not None:
        header, start = parsed
        if not is_base64_header(header):
            return _digest_of(image_bytes(image))
    digest = hashlib.sha256()
    head = b""
    carry = b""
    for index in range(start, len(image), _SLICE):
        piece = image[index : index + _SLICE]
        if not piece.isascii():
            return _digest_of(image_bytes(image))
        symbols = carry + piece.encode("ascii").translate(None, _NOT_BASE64_OR_PAD)
        if b"=" in symbols.rstrip(b"="):  # padding in the middle: leave it to the plain path
            return _digest_of(image_bytes(image))
        whole = len(symbols.rstrip(b"=")) // 4 * 4
        carry = symbols[whole:]
        if whole:
            chunk = binascii.a2b_base64(symbols[:whole])
            digest.update(chunk)
            if len(head) < _HEAD:
                head = (head + chunk)[:_HEAD]
    if carry.rstrip(b"="):
        return _digest_of(image_bytes(image))  # a last partial group: the plain decoder's rules decide
    return digest.hexdigest(), head


def _digest_of(data: bytes | None) -> tuple[str, bytes] | None:
    return None if data is None else (hashlib.sha256(data).hexdigest(), data[:_HEAD])
