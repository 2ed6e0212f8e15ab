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


def parse_json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    # Slow path for what orjson refuses but the gateway accepts: invalid UTF-8 (replaced),
    # a BOM, lone surrogates, integers beyond 64 bits.
    text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise InvalidJson() from None


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_form(content_type: str | None) -> bool:
    return media_type(content_type) in FORM_TYPES


def parse_urlencoded(raw: bytes) -> dict[str, Any]:
    text = raw.decode("utf-8", errors="replace")
    return dict(parse_qsl(text, keep_blank_values=True))
