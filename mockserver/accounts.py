"""Per-key account state: request limits (check 5), the wallet (check 7) and charging a success.

The default, ``UnlimitedAccounts``, never refuses: every well-formed key has no limits and enough
credit, as a fresh real account with credit would.
"""

from __future__ import annotations

from typing import Protocol

from .auth import Caller


class Accounts(Protocol):
    def check_limits(self, caller: Caller) -> None:
        """Raise ``key_limit_exceeded`` when a request limit is spent."""

    def check_wallet(self, caller: Caller) -> None:
        """Raise ``insufficient_funds`` when the wallet is below $1.00."""

    def charge(self, caller: Caller, nanos: int) -> None:
        """Record a successful request and its cost."""


class UnlimitedAccounts:
    def check_limits(self, caller: Caller) -> None:
        return None

    def check_wallet(self, caller: Caller) -> None:
        return None

    def charge(self, caller: Caller, nanos: int) -> None:
        return None
