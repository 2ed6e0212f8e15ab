"""Bearer-key authentication, checked before the body is read.

Default policy: any well-formed ``aistats_v1_sk_<kid>_<secret>`` key is accepted. With a configured
key list, a key is looked up by its kid: unknown or revoked -> ``key_not_found_or_revoked``,
expired -> ``key_expired``, another secret -> ``invalid_secret``.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import GatewayError

KEY_FORMAT = re.compile(r"^aistats_v1_sk_([A-Za-z0-9]{6,64})_(.+)$", re.DOTALL)
BEARER = "Bearer "


@dataclass(frozen=True)
class KeyRecord:
    """A configured key and its state."""

    kid: str
    secret: str
    name: str = ""
    revoked: bool = False
    expired: bool = False

    @classmethod
    def parse(cls, key: str, **state: Any) -> KeyRecord:
        match = KEY_FORMAT.match(key)
        if match is None:
            raise ValueError(f"not a gateway key (aistats_v1_sk_<kid>_<secret>): {redact(key)}")
        return cls(kid=match.group(1), secret=match.group(2), **state)


@dataclass(frozen=True)
class Caller:
    """Who made a request: the kid of its key and, when configured, the key's record."""

    kid: str
    record: KeyRecord | None


def redact(key: str) -> str:
    """A key shown in a message: its kid only, never the secret."""
    match = KEY_FORMAT.match(key)
    return f"aistats_v1_sk_{match.group(1)}_***" if match else "***"


class KeyStore:
    """The keys the mock accepts. Empty means every well-formed key is accepted."""

    def __init__(self, records: Iterable[KeyRecord] = ()) -> None:
        self._by_kid = {record.kid: record for record in records}

    @property
    def open(self) -> bool:
        return not self._by_kid

    def authenticate(self, authorization: str | None) -> Caller:
        if authorization is None or not authorization.startswith(BEARER):
            raise GatewayError("unauthorised", "missing_or_invalid_authorization_header")
        match = KEY_FORMAT.match(authorization[len(BEARER) :].strip())
        if match is None:
            raise GatewayError("unauthorised", "invalid_key_format")
        kid, secret = match.group(1), match.group(2)
        if self.open:
            return Caller(kid=kid, record=None)
        record = self._by_kid.get(kid)
        if record is None or record.revoked:
            raise GatewayError("unauthorised", "key_not_found_or_revoked")
        if record.expired:
            raise GatewayError("unauthorised", "key_expired")
        if not hmac.compare_digest(record.secret.encode(), secret.encode()):
            raise GatewayError("unauthorised", "invalid_secret")
        return Caller(kid=kid, record=record)


def load_keys(path: Path | None, inline: Iterable[str] = ()) -> KeyStore:
    """Keys from a YAML file (``keys: [{key, name, revoked, expired}]``) and from plain key strings."""
    records = [KeyRecord.parse(key) for key in inline if key]
    if path is not None:
        with path.open(encoding="utf-8") as fh:
            document = yaml.safe_load(fh) or {}
        entries = document.get("keys", []) if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise ValueError(f"{path}: expected a mapping with a 'keys' list")
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
                raise ValueError(f"{path}: keys[{index}] needs a 'key' string")
            state = {name: entry[name] for name in ("name", "revoked", "expired") if name in entry}
            try:
                records.append(KeyRecord.parse(entry["key"], **state))
            except ValueError as exc:
                raise ValueError(f"{path}: keys[{index}]: {exc}") from None
    return KeyStore(records)
