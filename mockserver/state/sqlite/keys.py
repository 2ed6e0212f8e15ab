"""The keyring over the shared database: a key's usage and balance are charged once, seen by all workers.

The base ``Keyring`` keeps its checks; before each one the account is read from the database, and a
charge reads, applies and writes the account inside one ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

import orjson

from mockserver.gateway.auth import parse_bearer
from mockserver.gateway.errors import GatewayError
from mockserver.state.keys import KeyAccount, Keyring
from mockserver.state.sqlite.database import SharedDatabase

UPSERT = "INSERT INTO keys (kid, account) VALUES (?, ?) ON CONFLICT(kid) DO UPDATE SET account = excluded.account"


class SharedKeyring(Keyring):
    def __init__(self, database: SharedDatabase, *, closed: bool = False) -> None:
        self._db = database
        super().__init__(closed=closed)

    def put(self, records: Iterable[Mapping[str, Any]]) -> None:
        accounts = [KeyAccount.from_record(record) for record in records]
        with self._db.transaction() as db:
            db.executemany(UPSERT, [(account.kid, _dump(account)) for account in accounts])

    def replace(self, records: Iterable[Mapping[str, Any]]) -> None:
        accounts = [KeyAccount.from_record(record) for record in records]
        with self._db.transaction() as db:
            db.execute("DELETE FROM keys")
            db.executemany(UPSERT, [(account.kid, _dump(account)) for account in accounts])

    def accounts(self) -> list[dict[str, Any]]:
        with self._db.read() as db:
            rows = db.execute("SELECT account FROM keys ORDER BY position").fetchall()
        accounts = [_load(row[0]) for row in rows]
        with self._lock:
            self._accounts = {account.kid: account for account in accounts}
        return super().accounts()

    def authenticate(self, authorization: str | None) -> str:
        try:
            kid, _ = parse_bearer(authorization)
        except GatewayError:
            return super().authenticate(authorization)  # raises the same refusal
        self._refresh(kid)
        return super().authenticate(authorization)

    def check_limits(self, kid: str) -> None:
        self._refresh(kid)
        super().check_limits(kid)

    def check_wallet(self, kid: str) -> None:
        self._refresh(kid)
        super().check_wallet(kid)

    def charge(self, kid: str, nanos: int) -> None:
        self._refresh(kid)
        if kid not in self._accounts:
            return  # an unlisted key has nothing to charge: no write lock, no commit
        with self._db.transaction() as db:
            self._refresh(kid)
            super().charge(kid, nanos)
            account = self._accounts.get(kid)
            if account is not None:
                db.execute("UPDATE keys SET account = ? WHERE kid = ?", (_dump(account), kid))

    def _refresh(self, kid: str) -> None:
        """This worker's copy of one account, as the database has it now."""
        with self._db.read() as db:
            row = db.execute("SELECT account FROM keys WHERE kid = ?", (kid,)).fetchone()
        with self._lock:
            if row is None:
                self._accounts.pop(kid, None)
            else:
                self._accounts[kid] = _load(row[0])


def _dump(account: KeyAccount) -> bytes:
    return orjson.dumps(asdict(account))


def _load(blob: bytes) -> KeyAccount:
    fields = orjson.loads(blob)
    for name in ("used", "spent_in"):
        fields[name] = {window: (period, count) for window, (period, count) in fields.get(name, {}).items()}
    return KeyAccount(**fields)
