"""The bearer key: ``Authorization: Bearer aistats_v1_sk_<kid>_<secret>``, prefix case-sensitive; a release's
``KeyRules`` add the later formats (``phaseo_``, management keys, OAuth JWTs)."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mockserver.gateway.errors import GatewayError
from mockserver.gateway.oauth import oauth_refusal
from mockserver.gateway.validation import js_trim

KEY_FORMAT = re.compile(r"^aistats_v1_sk_([A-Za-z0-9]{6,64})_(.+)$", re.DOTALL)
ANY_KEY_FORMAT = re.compile(r"^(?:aistats|phaseo)_v1_sk_([A-Za-z0-9]{6,64})_(.+)$", re.DOTALL)
BEARER = "Bearer "
HTTP_WHITESPACE = " \t\r\n"


def split_key(key: str) -> tuple[str, str]:
    """(kid, secret) of a well-formed key; ValueError otherwise (without the secret in the message)."""
    match = ANY_KEY_FORMAT.match(key)
    if match is None:
        raise ValueError(f"not a gateway key ([aistats|phaseo]_v1_sk_<kid>_<secret>): {redact(key)}")
    return match.group(1), match.group(2)


def parse_bearer(authorization: str | None) -> tuple[str, str]:
    """(kid, secret) from the header, or the gateway's 401 for a missing header or a malformed key (memoised for
    the usual header lengths: a test suite sends a handful of keys thousands of times)."""
    if authorization is not None and len(authorization) <= MEMO_LENGTH:
        return _parse_bearer_memo(authorization)
    return _parse_bearer(authorization)


def _parse_bearer(authorization: str | None) -> tuple[str, str]:
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


_parse_bearer_memo = functools.lru_cache(maxsize=1024)(_parse_bearer)
MEMO_LENGTH = 512  # longer headers are read each time: the memo holds at most 1,024 short strings


def redact(key: str) -> str:
    """A key shown in a message: its kid only, never the secret."""
    match = ANY_KEY_FORMAT.match(key)
    return f"{key.split('_', 1)[0]}_v1_sk_{match.group(1)}_***" if match else "***"


KEY_KINDS = ("sk", "mk")


@dataclass(frozen=True)
class KeyRules:
    """A release's key formats (``keys`` in its release.yaml)."""

    namespaces: tuple[str, ...] = ("aistats",)
    management_key_reason: str | None = None  # None: a *_mk_* key is just malformed
    oauth_jwt_reason: str | None = None  # None: a JWT is just malformed
    legacy_namespace: str | None = None
    legacy_retired_at: datetime | None = None

    @classmethod
    def from_settings(cls, keys: Mapping[str, Any]) -> KeyRules:
        retired = keys.get("legacy_retired_at")
        return cls(
            namespaces=tuple(keys["namespaces"]),
            management_key_reason=keys.get("management_key_reason"),
            oauth_jwt_reason=keys.get("oauth_jwt_reason"),
            legacy_namespace=keys.get("legacy_namespace"),
            legacy_retired_at=datetime.fromisoformat(retired.replace("Z", "+00:00")) if retired else None,
        )

    def canonical(self, authorization: str | None, now: datetime) -> str | None:
        """The header with a key of this release's formats respelled ``aistats_v1_sk_<kid>_<secret>``, the one
        spelling the keyring (``parse_bearer``) reads; the release's own 401s raised here.

        The gateway looks a key up by its kid only (before/auth.ts 406-411), so once a key parses its namespace
        no longer matters. The checks run in the gateway's order (before/auth.ts 377-399): JWT, format, retired
        legacy prefix, management key, kid. Anything else is passed on unchanged, for the keyring to refuse
        (a missing header, a malformed key) as every release does."""
        if authorization is None:
            return None
        read = _read_key_memo if len(authorization) <= MEMO_LENGTH else _read_key
        respelled, legacy, management = read(self, authorization)
        if legacy and self.legacy_retired_at is not None and now >= self.legacy_retired_at:
            raise GatewayError("unauthorised", "legacy_key_prefix_retired")
        if management:
            raise GatewayError("unauthorised", str(self.management_key_reason))
        return respelled


def _read_key(rules: KeyRules, authorization: str) -> tuple[str, bool, bool]:
    """``KeyRules.canonical`` but for its checks that depend on the time or raise after the format's: the header
    respelled (or as given), whether the key is of the legacy namespace, whether it is a management key. Memoised:
    a test suite sends a handful of keys thousands of times (a refused JWT raises, and is not remembered)."""
    stripped = authorization.strip(HTTP_WHITESPACE)
    if not stripped.startswith(BEARER):
        return authorization, False, False
    token = js_trim(stripped[len(BEARER) :])
    if rules.oauth_jwt_reason is not None and _looks_like_jwt(token, rules.namespaces) and _gateway_oauth_jwt(token):
        raise GatewayError("unauthorised", rules.oauth_jwt_reason)
    parts = token.split("_")
    kinds = KEY_KINDS if rules.management_key_reason else ("sk",)
    if len(parts) < 5 or parts[0] not in rules.namespaces or parts[1] != "v1" or parts[2] not in kinds:
        return authorization, False, False
    kid, secret = parts[3], "_".join(parts[4:])
    if not kid or not secret:
        return authorization, False, False
    return f"{BEARER}aistats_v1_sk_{kid}_{secret}", parts[0] == rules.legacy_namespace, parts[2] == "mk"


_read_key_memo = functools.lru_cache(maxsize=1024)(_read_key)


def _looks_like_jwt(token: str, namespaces: tuple[str, ...]) -> bool:
    """Three dot-separated parts and no key prefix (before/auth.ts 928-930)."""
    return len(token.split(".")) == 3 and not any(token.startswith(f"{ns}_") for ns in namespaces)


def _gateway_oauth_jwt(token: str) -> bool:
    """A payload (base64url JSON) with string user_id, workspace_id and client_id (before/auth.ts 932-954);
    the signature is not checked at this point."""
    middle = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(middle + "=" * (-len(middle) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(claims, dict) and all(isinstance(claims.get(k), str) for k in ("user_id", "workspace_id",
                                                                                      "client_id"))
