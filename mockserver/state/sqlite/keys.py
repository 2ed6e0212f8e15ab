"""Key accounts in the shared SQLite file: one row per account (its JSON); a charge reads, applies and
writes the account inside one ``BEGIN IMMEDIATE`` transaction, so it counts once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict

import orjson

from mockserver.state.keys import KeyAccount
from mockserver.state.sqlite.database import SharedDatabase

UPSERT = "INSERT INTO keys (kid, account) VALUES (?, ?) ON CONFLICT(kid) DO UPDATE SET account = excluded.account"


class SqliteKeys:
    def __init__(self, database: SharedDatabase) -> None:
        self._db = database

    def get(self, kid: str) -> KeyAccount | None:
        with self._db.read() as db:
            row = db.execute("SELECT account FROM keys WHERE kid = ?", (kid,)).fetchone()
        return load_account(row[0]) if row else None

    def all(self) -> list[KeyAccount]:
        with self._db.read() as db:
            rows = db.execute("SELECT account FROM keys ORDER BY position").fetchall()
        return [load_account(row[0]) for row in rows]

    def put(self, accounts: Sequence[KeyAccount]) -> None:
        with self._db.transaction() as db:
            db.executemany(UPSERT, [(account.kid, dump_account(account)) for account in accounts])

    def replace(self, accounts: Sequence[KeyAccount]) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM keys")
            db.executemany(UPSERT, [(account.kid, dump_account(account)) for account in accounts])

    def charge(self, kid: str, nanos: int, periods: Mapping[str, str]) -> None:
        if self.get(kid) is None:
            return  # an unlisted key has nothing to charge: no write lock, no commit
        with self._db.transaction() as db:
            row = db.execute("SELECT account FROM keys WHERE kid = ?", (kid,)).fetchone()
            if row is None:
                return
            account = load_account(row[0])
            account.charge(nanos, periods)
            db.execute("UPDATE keys SET account = ? WHERE kid = ?", (dump_account(account), kid))


def dump_account(account: KeyAccount) -> bytes:
    return orjson.dumps(asdict(account))


def load_account(blob: bytes) -> KeyAccount:
    fields = orjson.loads(blob)
    for name in ("used", "spent_in"):
        fields[name] = {window: (period, count) for window, (period, count) in fields.get(name, {}).items()}
    return KeyAccount(**fields)
