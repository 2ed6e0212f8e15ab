"""State in Redis, shared by mock replicas on any number of machines (``--state redis://host:port/db``).

Every key starts with the namespace in braces (``{ns}:...``): two mocks with different fixture sets share
one Redis without seeing each other's state, and all of one mock's keys hash to one cluster slot. Each
operation that must count once across replicas is one Lua script (Redis runs a script atomically): a
claim of a scripted answer, a charge of a key, a journal append with its id. The rest are ``MULTI``
transactions. The client never retries a command by itself: a retried claim or charge could count twice.
A Redis that cannot be reached, or refuses a command, raises ``StoreUnavailable``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, replace
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit

import orjson

from mockserver.state.coverage import CoverageKey
from mockserver.state.journal import Entry
from mockserver.state.keys import KeyAccount
from mockserver.state.stores import ScriptsView, State, StoredScript, StoreUnavailable

try:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry
except ImportError:  # pragma: no cover - the message is the point
    redis = None  # type: ignore[assignment]

CONNECT_TIMEOUT_S = 1.0
COMMAND_TIMEOUT_S = 2.0
RETRY_AFTER_S = 0.25  # after a failure, commands fail at once for this long (see _Link)

P = ParamSpec("P")
R = TypeVar("R")


class _Link:
    """What the parts of one Redis state share: whether the last command failed, when to try again, and what
    to do when the next command may succeed (``Mock`` fills a Redis that came back empty from the files).

    While the store is down, commands fail at once until ``RETRY_AFTER_S`` has passed since the last failure:
    a Redis that does not answer at all (a host gone, packets dropped) would otherwise hold every request
    of this process for the connect timeout, the health check included.
    """

    def __init__(self) -> None:
        self.down = False
        self.reason = ""
        self.retry_at = 0.0
        self.on_rejoin: Callable[[], None] = lambda: None

    def failed(self, reason: str) -> None:
        self.down, self.reason, self.retry_at = True, reason, time.monotonic() + RETRY_AFTER_S


class _Part:
    """One kind of state in one namespace: its client and key names."""

    def __init__(self, client: redis.Redis, namespace: str, description: str, link: _Link) -> None:
        self._redis: Any = client  # redis-py's own annotations are unions of sync and async results
        self._prefix = "{" + namespace + "}:"
        self.description = description
        self._link = link

    def key(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)


S = TypeVar("S", bound=_Part)


def _guarded(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Any Redis error (unreachable, timed out, refused) is the store being unavailable."""

    @functools.wraps(method)
    def guarded(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        link = self._link
        if link.down and time.monotonic() < link.retry_at:
            raise StoreUnavailable(self.description, link.reason)
        try:
            if link.down:
                link.down = False
                link.on_rejoin()
            return method(self, *args, **kwargs)
        except redis.RedisError as exc:
            link.failed(f"{type(exc).__name__}: {exc}")
            raise StoreUnavailable(self.description, link.reason) from None

    return guarded


CLAIM = """
local calls = redis.call('HGET', KEYS[1], ARGV[1])
if not calls then return -1 end
calls = tonumber(calls)
if ARGV[2] ~= '' and calls >= tonumber(ARGV[2]) then return -1 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return calls
"""

ADD_SCRIPT = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], 0)
redis.call('INCR', KEYS[5])
return 1
"""

REMOVE_SCRIPT = """
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('INCR', KEYS[4])
return 1
"""


class RedisScripts(_Part):
    def __init__(self, client: redis.Redis, namespace: str, description: str, link: _Link) -> None:
        super().__init__(client, namespace, description, link)
        self._defs = self.key("scripts", "defs")  # id -> {"source", "spec"}
        self._order = self.key("scripts", "order")  # sorted set: id by position
        self._positions = self.key("scripts", "positions")  # the last position given
        self._calls = self.key("scripts", "calls")  # id -> calls; a script exists while it has a field here
        self._version = self.key("scripts", "version")  # bumped on every change to the list
        self._ids = self.key("scripts", "ids")  # the last script-N number
        self._claim = self._redis.register_script(CLAIM)
        self._add = self._redis.register_script(ADD_SCRIPT)
        self._remove = self._redis.register_script(REMOVE_SCRIPT)

    @_guarded
    def view(self, known_version: int) -> ScriptsView:
        with self._redis.pipeline(transaction=False) as pipe:  # one round trip; a stale count only costs a retry
            version, calls = pipe.get(self._version).hgetall(self._calls).execute()
        if int(version or 0) == known_version:
            return ScriptsView(known_version, None, _counts(calls))
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(self._version).zrange(self._order, 0, -1).hgetall(self._defs).hgetall(self._calls)
            version, order, defs, calls = pipe.execute()
        scripts = [_stored_script(script_id.decode(), defs[script_id]) for script_id in order if script_id in defs]
        return ScriptsView(int(version or 0), scripts, _counts(calls))

    @_guarded
    def replace(self, scripts: Sequence[StoredScript], calls: Mapping[str, int] | None = None) -> None:
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._defs, self._order, self._calls)
            if scripts:
                pipe.hset(self._defs, mapping={s.id: _dump_script(s) for s in scripts})
                pipe.zadd(self._order, {s.id: position for position, s in enumerate(scripts, 1)})
                pipe.hset(self._calls, mapping={s.id: (calls or {}).get(s.id, 0) for s in scripts})
            pipe.set(self._positions, len(scripts))
            pipe.incr(self._version)
            pipe.execute()

    @_guarded
    def new_id(self) -> int:
        return int(self._redis.incr(self._ids))

    @_guarded
    def add(self, script: StoredScript) -> bool:
        keys = [self._defs, self._order, self._positions, self._calls, self._version]
        return bool(self._add(keys=keys, args=[script.id, _dump_script(script)]))

    @_guarded
    def remove(self, script_id: str) -> bool:
        keys = [self._defs, self._order, self._calls, self._version]
        return bool(self._remove(keys=keys, args=[script_id]))

    def clear(self) -> None:
        self.replace([])

    @_guarded
    def claim(self, script_id: str, limit: int | None) -> int | None:
        position = int(self._claim(keys=[self._calls], args=[script_id, "" if limit is None else limit]))
        return None if position < 0 else position


def _dump_script(script: StoredScript) -> bytes:
    return orjson.dumps({"source": script.source, "spec": script.spec})


def _stored_script(script_id: str, blob: bytes) -> StoredScript:
    stored = orjson.loads(blob)
    return StoredScript(script_id, stored["source"], stored["spec"])


def _counts(calls: dict[bytes, bytes]) -> dict[str, int]:
    return {script_id.decode(): int(count) for script_id, count in calls.items()}


PUT_KEY = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), ARGV[1])
end
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], unpack(ARGV, 2))
return 1
"""

CHARGE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[1])
if redis.call('HEXISTS', KEYS[1], 'balance') == 1 then redis.call('HINCRBY', KEYS[1], 'balance', ARGV[2]) end
for i = 3, #ARGV do
  if string.sub(ARGV[i], 1, 6) == 'spent:' then redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[1])
  else redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
end
return 1
"""

STATIC = ("kid", "secret", "name", "revoked", "expired", "soft_blocked", "wallet_missing", "limits", "spend_limits")


class RedisKeys(_Part):
    """One hash per account: its unchanging part as JSON, ``balance`` and ``spent`` in nanos, and two counters
    per window and period, requests (``used:daily:2026-07-01``) and nanos (``spent:daily:2026-07-01``), so a
    charge is a handful of ``HINCRBY``."""

    def __init__(self, client: redis.Redis, namespace: str, description: str, link: _Link) -> None:
        super().__init__(client, namespace, description, link)
        self._index = self.key("keys")  # sorted set: kid by position
        self._positions = self.key("keys", "positions")
        self._put = self._redis.register_script(PUT_KEY)
        self._charge = self._redis.register_script(CHARGE)

    def _account_key(self, kid: str) -> str:
        return self.key("key", kid)

    @_guarded
    def get(self, kid: str) -> KeyAccount | None:
        fields = self._redis.hgetall(self._account_key(kid))
        return _load_account(fields) if fields else None

    @_guarded
    def all(self) -> list[KeyAccount]:
        kids = [kid.decode() for kid in self._redis.zrange(self._index, 0, -1)]
        with self._redis.pipeline(transaction=True) as pipe:
            for kid in kids:
                pipe.hgetall(self._account_key(kid))
            rows = pipe.execute() if kids else []
        return [_load_account(fields) for fields in rows if fields]

    @_guarded
    def put(self, accounts: Sequence[KeyAccount]) -> None:
        with self._redis.pipeline(transaction=True) as pipe:
            self._queue_puts(pipe, accounts)
            pipe.execute()

    @_guarded
    def replace(self, accounts: Sequence[KeyAccount]) -> None:
        def swap(pipe: Any) -> None:
            old = [kid.decode() for kid in pipe.zrange(self._index, 0, -1)]
            pipe.multi()
            pipe.delete(self._index, self._positions, *(self._account_key(kid) for kid in old))
            self._queue_puts(pipe, accounts)

        self._redis.transaction(swap, self._index)

    def _queue_puts(self, pipe: Any, accounts: Sequence[KeyAccount]) -> None:
        for account in accounts:
            self._put(keys=[self._index, self._positions, self._account_key(account.kid)],
                      args=[account.kid, *_account_fields(account)], client=pipe)

    @_guarded
    def charge(self, kid: str, nanos: int, periods: Mapping[str, str]) -> None:
        counters = [f"{kind}:{window}:{period}" for window, period in periods.items() for kind in ("used", "spent")]
        self._charge(keys=[self._account_key(kid)], args=[nanos, -nanos, *counters])


def _account_fields(account: KeyAccount) -> list[Any]:
    record = asdict(account)
    fields: list[Any] = ["static", orjson.dumps({name: record[name] for name in STATIC}),
                         "spent", account.spent_nanos]
    if account.balance_nanos is not None:
        fields += ["balance", account.balance_nanos]
    for kind, counters in (("used", account.used), ("spent", account.spent_in)):
        for window, (period, count) in counters.items():
            fields += [f"{kind}:{window}:{period}", count]
    return fields


def _load_account(fields: dict[bytes, bytes]) -> KeyAccount:
    account = KeyAccount(**orjson.loads(fields[b"static"]))
    account.spent_nanos = int(fields.get(b"spent", 0))
    balance = fields.get(b"balance")
    account.balance_nanos = int(balance) if balance is not None else None
    for name, count in fields.items():
        if name.startswith((b"used:", b"spent:")):
            kind, window, period = name.decode().split(":", 2)
            counters = account.used if kind == "used" else account.spent_in
            if period >= counters.get(window, ("", 0))[0]:  # periods sort as they follow each other
                counters[window] = (period, int(count))
    return account


APPEND = """
local id = redis.call('INCR', KEYS[2])
local length = redis.call('RPUSH', KEYS[1], id .. ' ' .. ARGV[1])
local limit = tonumber(ARGV[2])
if length > limit then
  redis.call('LTRIM', KEYS[1], length - limit, -1)
  redis.call('INCRBY', KEYS[3], length - limit)
end
return id
"""


class RedisJournal(_Part):
    """A list of ``"<id> <entry JSON>"``, its id counter and the count of dropped entries."""

    lazy = False  # entries are written as JSON at once, for the other replicas

    def __init__(self, client: redis.Redis, namespace: str, description: str, link: _Link, limit: int) -> None:
        super().__init__(client, namespace, description, link)
        self.limit = limit
        self._list = self.key("journal")
        self._ids = self.key("journal", "ids")
        self._dropped = self.key("journal", "dropped")
        self._append = self._redis.register_script(APPEND)

    @_guarded
    def append(self, entry: Entry) -> Entry:
        entry_id = int(self._append(keys=[self._list, self._ids, self._dropped], args=[entry.dumps(), self.limit]))
        return replace(entry, id=entry_id)

    @_guarded
    def entries(self, model: str | None = None, status: int | None = None) -> list[Entry]:
        entries = []
        for item in self._redis.lrange(self._list, 0, -1):
            entry_id, blob = item.split(b" ", 1)
            entry = Entry.loads(int(entry_id), blob)
            if (model is None or entry.model == model) and (status is None or entry.status == status):
                entries.append(entry)
        return entries

    @_guarded
    def count(self) -> int:
        return int(self._redis.llen(self._list))

    @_guarded
    def dropped(self) -> int:
        return int(self._redis.get(self._dropped) or 0)

    @_guarded
    def clear(self) -> None:
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._list).set(self._dropped, 0).execute()


class RedisCoverage(_Part):
    """One hash of counters, its field the outcome key as JSON: one ``HINCRBY`` per outcome, in one
    pipeline per request (no read before the write, so replicas never lose an increment)."""

    def __init__(self, client: redis.Redis, namespace: str, description: str, link: _Link) -> None:
        super().__init__(client, namespace, description, link)
        self._counts = self.key("coverage")

    @_guarded
    def add(self, keys: Iterable[CoverageKey]) -> None:
        with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hincrby(self._counts, orjson.dumps(list(key)), 1)
            pipe.execute()

    @_guarded
    def counts(self) -> dict[CoverageKey, int]:
        return {CoverageKey(*orjson.loads(field)): int(count)
                for field, count in self._redis.hgetall(self._counts).items()}

    @_guarded
    def clear(self) -> None:
        self._redis.delete(self._counts)


class RedisConnection(_Part):
    def on_rejoin(self, callback: Callable[[], None]) -> None:
        self._link.on_rejoin = callback
    @_guarded
    def ping(self) -> None:
        self._redis.ping()

    @_guarded
    def first_attach(self) -> bool:
        return bool(self._redis.set(self.key("seeded"), 1, nx=True))

    @_guarded
    def wipe(self) -> None:
        """Every key of this namespace (other namespaces are left alone)."""
        names = list(self._redis.scan_iter(match=self._prefix.replace("{", "\\{").replace("}", "\\}") + "*"))
        if names:
            self._redis.delete(*names)

    def close(self) -> None:
        self._redis.close()


def open_redis(url: str, namespace: str, journal_limit: int) -> State:
    if redis is None:
        raise ValueError("--state redis:// needs the redis client: pip install 'aistats-ocr-mock[redis]'")
    client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=COMMAND_TIMEOUT_S,
                                  retry=Retry(NoBackoff(), 0))
    description = f"{_without_password(url)} namespace {namespace}"
    link = _Link()
    return State(
        RedisConnection(client, namespace, description, link),
        RedisScripts(client, namespace, description, link),
        RedisKeys(client, namespace, description, link),
        RedisJournal(client, namespace, description, link, journal_limit),
        RedisCoverage(client, namespace, description, link),
    )


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))
