"""Reading the request body the way the gateway does (check 2).

The body is parsed as JSON whatever the Content-Type, except form content types, which are parsed
as forms. The bytes are decoded as UTF-8 with invalid sequences replaced and a leading BOM dropped,
as the gateway's runtime (``Request.json()``) does; anything that is not then a JSON text is
``invalid_json``. NaN and Infinity are not JSON.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import orjson

from .errors import GatewayError

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class InvalidJson(GatewayError):
    def __init__(self) -> None:
        super().__init__("invalid_json")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes | bytearray) -> Any:
    """The parsed body. A ``bytearray`` of ``LARGE_BODY`` bytes or more is emptied on the way (see below)."""
    if isinstance(raw, bytearray) and len(raw) >= LARGE_BODY:
        return _parse_large(raw)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    # Slow path for what orjson refuses but the gateway accepts: invalid UTF-8 (replaced),
    # a BOM, lone surrogates, integers beyond 64 bits.
    return _parse_lenient(raw.decode("utf-8", errors="replace"))


def _parse_lenient(text: str) -> Any:
    try:
        return json.loads(text.removeprefix("\ufeff"), parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise InvalidJson() from None


# orjson holds the raw bytes, its own copy of them and the result at once: three times a large image
# at the peak. A large body is decoded and its buffer released first, then parsed by the standard
# library (twice the body at the peak). Both accept the same texts (orjson, tried second, goes deeper
# in nesting); the one difference in the result is that integers beyond 64 bits stay ints where orjson
# gives floats, which no answer can show (no field of the schema is a number and none is echoed).
LARGE_BODY = 1 << 20


def _parse_large(buffer: bytearray) -> Any:
    try:
        text, valid_utf8 = buffer.decode("utf-8"), True
    except UnicodeDecodeError:
        text, valid_utf8 = buffer.decode("utf-8", errors="replace"), False
    buffer.clear()
    try:
        return _parse_lenient(text)
    except InvalidJson:
        if not valid_utf8:
            raise
    try:
        return orjson.loads(text)  # nesting deeper than the standard library's recursion limit
    except orjson.JSONDecodeError:
        raise InvalidJson() from None


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_form(content_type: str | None) -> bool:
    return media_type(content_type) in FORM_TYPES


def parse_urlencoded(raw: bytes) -> dict[str, Any]:
    text = raw.decode("utf-8", errors="replace")
    return dict(parse_qsl(text, keep_blank_values=True))
