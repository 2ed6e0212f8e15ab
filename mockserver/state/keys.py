"""Keys and their accounts: who may call (auth, check 1), their request limits (check 5), their
wallet (check 7), and what each success costs them.

A key not listed is accepted while the keyring is open (no ``--keys``/``--key`` given) and has no
limits and unlimited credit. Listed keys come from the keys file, the fixtures' ``keys`` sections and
the admin API, in one record format::

    {key, name, revoked, expired, soft_blocked, balance_usd, wallet: present|missing,
     limits: {daily, weekly, monthly}, spend_limits: {daily, weekly, monthly}}

``limits`` count requests, ``spend_limits`` are USD spent in the window (the gateway's context RPC
reports both as ``key_limit_exceeded``; before/guards.ts L93-130: the spend values in nanos).
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mockserver.gateway.auth import parse_bearer, split_key
from mockserver.gateway.errors import GatewayError

NANOS_PER_USD = 10**9
MINIMUM_BALANCE_NANOS = NANOS_PER_USD  # below $1.00 the gateway refuses the call
WINDOWS: dict[str, Callable[[datetime], str]] = {
    "daily": lambda now: now.strftime("%Y-%m-%d"),
    "weekly": lambda now: "{}-W{:02d}".format(*now.isocalendar()[:2]),
    "monthly": lambda now: now.strftime("%Y-%m"),
}
SOFT_BLOCKED = "This API key is currently soft-blocked and cannot send requests."


@dataclass
class KeyAccount:
    """One listed key: its secret, its state and what it has used."""

    kid: str
    secret: str
    name: str = ""
    revoked: bool = False
    expired: bool = False
    soft_blocked: bool = False
    balance_nanos: int | None = None  # None: unlimited credit
    wallet_missing: bool = False
    limits: dict[str, int] = field(default_factory=dict)
    spend_limits: dict[str, int] = field(default_factory=dict)  # window -> nanos
    used: dict[str, tuple[str, int]] = field(default_factory=dict)  # window -> (period, requests)
    spent_in: dict[str, tuple[str, int]] = field(default_factory=dict)  # window -> (period, nanos)
    spent_nanos: int = 0

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> KeyAccount:
        kid, secret = split_key(record["key"])
        balance = record.get("balance_usd")
        return cls(
            kid=kid,
            secret=secret,
            name=str(record.get("name", "")),
            revoked=bool(record.get("revoked", False)),
            expired=bool(record.get("expired", False)),
            soft_blocked=bool(record.get("soft_blocked", False)),
            balance_nanos=int(Decimal(str(balance)) * NANOS_PER_USD) if balance is not None else None,
            wallet_missing=record.get("wallet") == "missing",
            limits={window: int(value) for window, value in (record.get("limits") or {}).items()},
            spend_limits={
                window: int(Decimal(str(value)) * NANOS_PER_USD)
                for window, value in (record.get("spend_limits") or {}).items()
            },
        )

    def requests_in(self, window: str, now: datetime) -> int:
        period, count = self.used.get(window, ("", 0))
        return count if period == WINDOWS[window](now) else 0

    def nanos_in(self, window: str, now: datetime) -> int:
        period, nanos = self.spent_in.get(window, ("", 0))
        return nanos if period == WINDOWS[window](now) else 0

    def to_json(self, now: datetime) -> dict[str, Any]:
        balance = self.balance_nanos
        return {
            "key": f"aistats_v1_sk_{self.kid}_***",
            "name": self.name,
            "revoked": self.revoked,
            "expired": self.expired,
            "soft_blocked": self.soft_blocked,
            "wallet": "missing" if self.wallet_missing else "present",
            "balance_usd": float(Decimal(balance) / NANOS_PER_USD) if balance is not None else None,
            "spent_usd": float(Decimal(self.spent_nanos) / NANOS_PER_USD),
            "limits": dict(self.limits),
            "spend_limits": {
                window: float(Decimal(nanos) / NANOS_PER_USD) for window, nanos in self.spend_limits.items()
            },
            "requests": {window: self.requests_in(window, now) for window in WINDOWS},
        }


class Keyring:
    """Every listed key. Thread-safe: the pytest plugin changes it from the test's thread."""

    def __init__(self, records: Iterable[Mapping[str, Any]] = (), *, closed: bool = False,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.closed = closed
        self._clock = clock
        self._lock = threading.Lock()
        self._accounts: dict[str, KeyAccount] = {}
        self.put(records)

    def put(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Add or replace the accounts of these records (usage starts again)."""
        accounts = [KeyAccount.from_record(record) for record in records]
        with self._lock:
            for account in accounts:
                self._accounts[account.kid] = account

    def replace(self, records: Iterable[Mapping[str, Any]]) -> None:
        accounts = {account.kid: account for account in map(KeyAccount.from_record, records)}
        with self._lock:
            self._accounts = accounts

    def accounts(self) -> list[dict[str, Any]]:
        now = self._clock()
        with self._lock:
            return [account.to_json(now) for account in self._accounts.values()]

    # check 1
    def authenticate(self, authorization: str | None) -> str:
        """The kid of the calling key, or the gateway's 401."""
        kid, secret = parse_bearer(authorization)
        account = self._accounts.get(kid)
        if account is None:
            if self.closed:
                raise GatewayError("unauthorised", "key_not_found_or_revoked")
            return kid
        if account.revoked:
            raise GatewayError("unauthorised", "key_not_found_or_revoked")
        if account.expired:
            raise GatewayError("unauthorised", "key_expired")
        if not hmac.compare_digest(account.secret.encode(), secret.encode()):
            raise GatewayError("unauthorised", "invalid_secret")
        return kid

    # check 5
    def check_limits(self, kid: str) -> None:
        account = self._accounts.get(kid)
        if account is None:
            return
        if account.soft_blocked:
            raise GatewayError("key_limit_exceeded", SOFT_BLOCKED)
        now = self._clock()
        for window, limit in account.limits.items():
            used = account.requests_in(window, now)
            if used >= limit:
                raise GatewayError(
                    "key_limit_exceeded", f"This API key has reached its {window} request limit ({used}/{limit})."
                )
        for window, cap in account.spend_limits.items():
            spent = account.nanos_in(window, now)
            if spent >= cap:
                raise GatewayError(
                    "key_limit_exceeded", f"This API key has reached its {window} spend limit ({spent}/{cap})."
                )

    # check 7
    def check_wallet(self, kid: str) -> None:
        account = self._accounts.get(kid)
        if account is None:
            return
        if account.wallet_missing:
            raise GatewayError("insufficient_funds", "wallet_missing")
        if account.balance_nanos is not None and account.balance_nanos < MINIMUM_BALANCE_NANOS:
            raise GatewayError("insufficient_funds")

    def charge(self, kid: str, nanos: int) -> None:
        """A success: one more request in every window, and its cost off the balance."""
        now = self._clock()
        with self._lock:
            account = self._accounts.get(kid)
            if account is None:
                return
            for window, period_of in WINDOWS.items():
                account.used[window] = (period_of(now), account.requests_in(window, now) + 1)
                account.spent_in[window] = (period_of(now), account.nanos_in(window, now) + nanos)
            account.spent_nanos += nanos
            if account.balance_nanos is not None:
                account.balance_nanos -= nanos


def records_from_keys(inline: Iterable[str]) -> list[dict[str, Any]]:
    return [{"key": key} for key in inline if key]


