"""The bearer key: ``Authorization: Bearer aistats_v1_sk_<kid>_<secret>``, prefix case-sensitive."""

from __future__ import annotations

import re

from mockserver.gateway.errors import GatewayError
from mockserver.gateway.oauth import oauth_refusal
from mockserver.gateway.validation import js_trim

KEY_FORMAT = re.compile(r"^aistats_v1_sk_([A-Za-z0-9]{6,64})_(.+)$", re.DOTALL)
BEARER = "Bearer "
HTTP_WHITESPACE = " \t\r\n"


def split_key(key: str) -> tuple[str, str]:
    """(kid, secret) of a well-formed key; ValueError otherwise (without the secret in the message)."""
    match = KEY_FORMAT.match(key)
    if match is None:
        raise ValueError(f"not a gateway key (aistats_v1_sk_<kid>_<secret>): {redact(key)}")
    return match.group(1), match.group(2)


def parse_bearer(authorization: str | None) -> tuple[str, str]:
    """(kid, secret) from the header, or the gateway's 401 for a missing header or a malformed key.

    The value is first trimmed of surrounding white space, as the gateway's runtime (Fetch ``Headers``)
    normalizes every header value: ``"Bearer "`` is a missing bearer, not an empty key."""
    if authorization is not None:
        authorization = authorization.strip(HTTP_WHITESPACE)
    if authorization is None or not authorization.startswith(BEARER):
        raise GatewayError("unauthorised", "missing_or_invalid_authorization_header")
    token = js_trim(authorization[len(BEARER) :])  # auth.ts L260-267: JavaScript's trim; empty is no bearer
    if not token:
        raise GatewayError("unauthorised", "missing_or_invalid_authorization_header")
    refusal = oauth_refusal(token)
    if refusal is not None:
        raise GatewayError("unauthorised", refusal)
    match = KEY_FORMAT.match(token)
    if match is None:
        raise GatewayError("unauthorised", "invalid_key_format")
    return match.group(1), match.group(2)


def redact(key: str) -> str:
    """A key shown in a message: its kid only, never the secret."""
    match = KEY_FORMAT.match(key)
    return f"aistats_v1_sk_{match.group(1)}_***" if match else "***"
