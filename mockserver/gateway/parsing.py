"""Reading the request body the way the gateway does (check 2).

The body is parsed as JSON whatever the Content-Type, except form content types, which are parsed
as forms. The bytes are decoded as UTF-8 with invalid sequences replaced and a leading BOM dropped,
as the gateway's runtime (``Request.json()``) does; anything that is not then a JSON text is
``invalid_json``. NaN and Infinity are not JSON.

Whatever path parses the body, the result holds only what the rest of the mock can encode again:
integers beyond 64 bits become floats (JavaScript's numbers; orjson does the same), numbers beyond
the largest double become the largest double (Infinity cannot be encoded again), and a lone
surrogate escape (``"\\ud800"``) becomes U+FFFD, as a UTF-8 encoder writes it. Nesting is limited
to orjson's 1,024 levels.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from mockserver.gateway.behaviour import behaviour
from mockserver.gateway.errors import GatewayError
from mockserver.gateway.validation import JS_WHITESPACE as JS_WHITESPACE_CHARS


class InvalidJson(GatewayError):
    def __init__(self) -> None:
        super().__init__("invalid_json")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _js_number(literal: str) -> float:
    """A number literal as a double; past the largest double (JavaScript's Infinity), the largest double.

    JSON cannot carry Infinity onwards (the validator re-encodes the body; orjson writes it as null, which
    would be "received null"): the largest double is still a number, as Infinity is to the gateway."""
    value = float(literal)
    return value if math.isfinite(value) else math.copysign(sys.float_info.max, value)


def _js_integer(digits: str) -> int | float:
    """An integer literal: an int where orjson reads one too (64 bits), a double beyond, as JavaScript does.
    (Either way the schema sees a number; the bound keeps both parsers' results equal.)"""
    if len(digits) <= 21:
        value = int(digits)
        if -(2**63) <= value < 2**64:
            return value
    return _js_number(digits)


def parse_json(raw: bytes | bytearray) -> Any:
    """The parsed body. A ``bytearray`` of ``LARGE_BODY`` bytes or more is emptied on the way (see below)."""
    if isinstance(raw, bytearray) and len(raw) >= LARGE_BODY:
        return _parse_large(raw)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    # Slow path for what orjson refuses but the gateway accepts: invalid UTF-8 (replaced), a BOM,
    # then lone surrogate escapes and numbers beyond a double (1e999).
    text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return _parse_lenient(text)


def _parse_lenient(text: str) -> Any:
    """The standard library's parser, reading numbers as JavaScript does; lone surrogates replaced."""
    try:
        parsed = json.loads(text, parse_constant=_reject_constant, parse_int=_js_integer, parse_float=_js_number)
    except (ValueError, RecursionError):
        raise InvalidJson() from None
    return without_lone_surrogates(parsed)


def _well_formed(text: str) -> str:
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def without_lone_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings and keys replaced by U+FFFD (iteratively: the
    body may be nested almost as deep as the recursion limit, and this runs deep in the app's stack)."""
    root: list[Any] = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, str):
            container[key] = _well_formed(item)
        elif isinstance(item, list):
            stack.extend((item, index) for index in range(len(item)))
        elif isinstance(item, dict):
            fixed = {_well_formed(name): member for name, member in item.items()}
            container[key] = fixed
            stack.extend((fixed, name) for name in fixed)
    return root[0]


# orjson holds the raw bytes, its own copy of them and the result at once: three times a large image
# at the peak. A large body is decoded and its buffer released first, then parsed by the standard
# library (twice the body at the peak). Both accept the same texts (orjson, tried second, goes deeper
# in nesting) and read numbers alike (beyond 64 bits, a double, as JavaScript does).
LARGE_BODY = 1 << 20


def _parse_large(buffer: bytearray) -> Any:
    try:
        text, valid_utf8 = buffer.decode("utf-8"), True
    except UnicodeDecodeError:
        text, valid_utf8 = buffer.decode("utf-8", errors="replace"), False
    buffer.clear()
    try:
        return _parse_lenient(text.removeprefix("\ufeff"))
    except InvalidJson:
        if not valid_utf8:
            raise
    try:
        return orjson.loads(text)  # nesting deeper than the standard library's recursion limit
    except orjson.JSONDecodeError:
        raise InvalidJson() from None


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def form_kind(content_type: str | None) -> str | None:
    """The form type the gateway reads the body as: a substring of the lowercased Content-Type
    (before/guards.ts L320-332; multipart first); None for a JSON body."""
    lowered = (content_type or "").lower()
    return next((kind for kind in behaviour()["forms"]["content_types"] if kind in lowered), None)


def is_form(content_type: str | None) -> bool:
    return form_kind(content_type) is not None


class FormFile(dict[str, Any]):
    """A multipart part with a file name. The gateway keeps it as a ``File``, which its schema reports as
    ``received File``; here it is ``{"name": <file name>}`` (what the journal shows) that says so."""

    js_type = "File"


_INDEXED_KEY = re.compile(r"^(.*)\[(\d+)\]$", re.DOTALL)


def _form_key(key: str) -> tuple[str, bool]:
    """normalizeFormKey (before/guards.ts L132-141): ``key[]`` and ``key[N]`` force an array."""
    if key.endswith("[]"):
        return key[:-2], True
    indexed = _INDEXED_KEY.match(key)
    return (indexed.group(1), True) if indexed else (key, False)


def _form_value(key: str, value: Any, json_fields: Iterable[str]) -> Any:
    """maybeParseJsonFormValue (before/guards.ts L184-193): JSON-valued fields parsed when they look it."""
    if not isinstance(value, str) or key not in json_fields:
        return value
    trimmed = value.strip(JS_WHITESPACE_CHARS)
    if not trimmed.startswith(("{", "[")):
        return value
    try:
        return parse_json(trimmed.encode("utf-8", "surrogatepass"))
    except InvalidJson:
        return value


def form_object(pairs: Iterable[tuple[str, Any]], rules: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """appendFormField (before/guards.ts L195-228): the first value of a key is kept as is; a repeat
    turns it into an array (array values spread into it); ``key[]`` always gives an array."""
    output: dict[str, Any] = {}
    rules = rules or behaviour()["forms"]  # a release's form rules (``forms``), else the base ones
    force = rules["force_array_fields"]
    for raw_key, raw_value in pairs:
        key, array = _form_key(raw_key)
        array = array or key in force
        value = _form_value(key, raw_value, rules["json_fields"])
        if not array and key not in output:
            output[key] = value
            continue
        current = output.get(key)
        if array and key not in output:
            output[key] = list(value) if isinstance(value, list) else [value]
        elif isinstance(current, list):
            current.extend(value) if isinstance(value, list) else current.append(value)
        else:
            output[key] = [current, value]
    return output


def parse_urlencoded(raw: bytes | bytearray, rules: Mapping[str, Any] | None = None) -> dict[str, Any]:
    text = raw.decode("utf-8", errors="replace")
    return form_object(parse_qsl(text, keep_blank_values=True), rules)
