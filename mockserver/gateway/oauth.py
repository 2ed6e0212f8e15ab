"""Bearer tokens shaped like a JWT take the gateway's OAuth path (pipeline/before/auth.ts L342-356,
L622-824; lib/oauth/jwt.ts L44-65, L188-237).

A token of exactly three dot-separated parts that does not start with ``aistats_`` is a JWT. Unless
its payload decodes to an object with string ``user_id``, ``workspace_id`` and ``client_id``, it is
``invalid_key_format`` as any malformed key. Otherwise the gateway validates it against its own and
then Supabase's JWKS, and the 401 description is the validator's message. The mock holds neither
key set (production data), so every such token is refused: "Public key not found in JWKS" for a
header with a ``kid``.
"""

from __future__ import annotations

import binascii
import json
import math
import re
from typing import Any

from mockserver.gateway.behaviour import behaviour

_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/]")
_ASCII_WHITESPACE = "\t\n\f\r "


class _Undecodable(Exception):
    pass


def _atob_json(part: str) -> Any:
    """``JSON.parse(atob(part with - and _ mapped))``: WHATWG forgiving base64, bytes as Latin-1."""
    text = part.replace("-", "+").replace("_", "/")
    text = "".join(ch for ch in text if ch not in _ASCII_WHITESPACE)
    if len(text) % 4 == 0:
        text = text[:-2] if text.endswith("==") else text[:-1] if text.endswith("=") else text
    if len(text) % 4 == 1 or _NOT_BASE64.search(text):
        raise _Undecodable()
    try:
        decoded = binascii.a2b_base64(text + "=" * (-len(text) % 4)).decode("latin-1")
        return json.loads(decoded, parse_constant=_reject)
    except (ValueError, RecursionError):
        raise _Undecodable() from None


def _reject(name: str) -> Any:
    raise ValueError(name)


def _js_falsy(value: Any) -> bool:
    if value is None or value is False or value == "":
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and (value == 0 or math.isnan(value))


def oauth_refusal(token: str) -> str | None:
    """The 401 description for a JWT-shaped token; None when the token is not JWT-shaped."""
    parts = token.split(".")
    if len(parts) != 3 or token.startswith("aistats_"):
        return None
    try:
        payload = _atob_json(parts[1])
    except _Undecodable:
        payload = None
    claims = ("user_id", "workspace_id", "client_id")
    if not isinstance(payload, dict) or not all(isinstance(payload.get(claim), str) for claim in claims):
        return "invalid_key_format"
    reasons = behaviour()["oauth"]
    try:
        header = _atob_json(parts[0])
    except _Undecodable:
        return str(reasons["invalid_format"])
    if header is None:  # header.kid on null throws: the catch-all reason
        return str(reasons["unexpected"])
    kid = header.get("kid") if isinstance(header, dict) else None
    if _js_falsy(kid):
        return str(reasons["missing_kid"])
    return str(reasons["unknown_kid"])
