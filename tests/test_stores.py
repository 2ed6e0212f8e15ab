"""The store Protocols, specified once and checked on each implementation: memory, SQLite and Redis.
For the shared stores, two handles on one store stand in for two processes."""

from __future__ import annotations

import concurrent.futures
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.state.journal import Entry
from mockserver.state.keys import KeyAccount
from mockserver.state.opening import open_state
from mockserver.state.stores import State, StoredScript
from tests.redis_server import RedisServer
from tests.targets import STORES


@pytest.fixture(params=STORES)
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[State, State]]:
    """Two handles on one store (memory: the same one twice, since memory is one process's)."""
    if request.param == "memory":
        state = open_state("memory", namespace="", journal_limit=3)
        yield state, state
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        url = server.url
    namespace = f"stores-{uuid.uuid4().hex}"
    first = open_state(url, namespace=namespace, journal_limit=3)
    second = open_state(url, namespace=namespace, journal_limit=3)
    yield first, second
    first.connection.close()
    second.connection.close()


def entry(status: int = 200, model: str | None = "mistral/ocr-3") -> Entry:
    return Entry(id=0, time="2026-07-01T00:00:00.000Z", method="POST", path="/v1/ocr", status=status,
                 latency_ms=1.5, model=model, script=None, details=b'{"headers":{},"body":null}')


def test_only_the_first_handle_attaches_first(pair: tuple[State, State]) -> None:
    first, second = pair
    assert (first.connection.first_attach(), second.connection.first_attach()) == (True, False)
    first.connection.wipe()
    assert second.connection.first_attach() is True


def test_a_claim_counts_once_up_to_the_limit(pair: tuple[State, State]) -> None:
    first, second = pair
    first.scripts.replace([StoredScript("a", "files.yaml"), StoredScript("b", "runtime", {"model": "m"})])
    assert [first.scripts.claim("a", 2), second.scripts.claim("a", 2), first.scripts.claim("a", 2)] == [0, 1, None]
    assert [second.scripts.claim("b", None) for _ in range(3)] == [0, 1, 2]
    assert first.scripts.claim("gone", None) is None
    view = second.scripts.view(-1)
    assert view.calls == {"a": 2, "b": 3}
    assert view.scripts == [StoredScript("a", "files.yaml"), StoredScript("b", "runtime", {"model": "m"})]


def test_the_list_version_moves_with_every_change_and_only_then(pair: tuple[State, State]) -> None:
    first, second = pair
    first.scripts.replace([])
    version = second.scripts.view(-1).version
    second.scripts.claim("x", None)
    assert first.scripts.view(version).scripts is None  # unchanged: the cached copy stays right
    assert first.scripts.add(StoredScript("x", "runtime", {"model": "m"})) is True
    assert second.scripts.add(StoredScript("x", "runtime", {"model": "other"})) is False  # ids are unique
    moved = second.scripts.view(version)
    assert moved.version != version and moved.scripts == [StoredScript("x", "runtime", {"model": "m"})]
    assert first.scripts.remove("x") is True and second.scripts.remove("x") is False
    assert first.scripts.view(-1).scripts == []


def test_replace_keeps_the_counts_it_is_given(pair: tuple[State, State]) -> None:
    first, second = pair
    first.scripts.replace([StoredScript("kept", "runtime", {}), StoredScript("new", "f.yaml")], calls={"kept": 4})
    assert second.scripts.view(-1).calls == {"kept": 4, "new": 0}


def test_new_ids_are_never_handed_out_twice(pair: tuple[State, State]) -> None:
    first, second = pair
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda n: (first, second)[n % 2].scripts.new_id(), range(40)))
    assert len(set(ids)) == 40


def test_concurrent_claims_through_both_handles_count_each_call_once(pair: tuple[State, State]) -> None:
    first, second = pair
    first.scripts.replace([StoredScript("limited", "runtime", {})])
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        positions = list(pool.map(lambda n: (first, second)[n % 2].scripts.claim("limited", 25), range(60)))
    assert sorted(p for p in positions if p is not None) == list(range(25))


def test_a_charge_counts_once_per_call_and_only_for_a_listed_key(pair: tuple[State, State]) -> None:
    first, second = pair
    account = KeyAccount(kid="team01", secret="s", balance_nanos=10**12, limits={"daily": 5})
    first.keys.replace([account])
    periods = {"daily": "2026-07-01", "weekly": "2026-W27", "monthly": "2026-07"}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: (first, second)[n % 2].keys.charge("team01", 2_000_000, periods), range(30)))
    second.keys.charge("unlisted", 5, periods)
    charged = second.keys.get("team01")
    assert charged is not None
    assert (charged.spent_nanos, charged.balance_nanos) == (60_000_000, 10**12 - 60_000_000)
    assert charged.used == {"daily": ("2026-07-01", 30), "weekly": ("2026-W27", 30), "monthly": ("2026-07", 30)}
    assert charged.spent_in == {"daily": ("2026-07-01", 60_000_000), "weekly": ("2026-W27", 60_000_000),
                                "monthly": ("2026-07", 60_000_000)}
    assert second.keys.get("unlisted") is None and [a.kid for a in first.keys.all()] == ["team01"]
    first.keys.charge("team01", 1, {"daily": "2026-07-02"})
    moved_on = first.keys.get("team01")
    assert moved_on is not None
    assert (moved_on.used["daily"], moved_on.spent_in["daily"]) == (("2026-07-02", 1), ("2026-07-02", 1))


def test_put_adds_or_replaces_and_keeps_the_order(pair: tuple[State, State]) -> None:
    first, second = pair
    first.keys.replace([KeyAccount(kid="a", secret="1"), KeyAccount(kid="b", secret="2", balance_nanos=None)])
    second.keys.put([KeyAccount(kid="a", secret="changed", soft_blocked=True), KeyAccount(kid="c", secret="3")])
    accounts = first.keys.all()
    assert [(a.kid, a.secret, a.soft_blocked) for a in accounts] == [("a", "changed", True), ("b", "2", False),
                                                                   ("c", "3", False)]
    assert accounts[1].balance_nanos is None
    first.keys.replace([])
    assert second.keys.all() == []


def test_the_journal_gives_increasing_ids_keeps_its_limit_and_filters(pair: tuple[State, State]) -> None:
    first, second = pair
    ids = [(first, second)[n % 2].journal.append(entry(status=200 + n)).id for n in range(5)]
    assert ids == sorted(set(ids))
    kept = second.journal.entries()
    assert [e.id for e in kept] == ids[2:] and first.journal.dropped() == 2 and first.journal.count() == 3
    assert [e.status for e in first.journal.entries(status=203)] == [203]
    assert first.journal.entries(model="other") == []
    assert kept[0].encoded_details().document == entry().encoded_details().document and kept[0].latency_ms == 1.5
    second.journal.clear()
    assert (first.journal.entries(), first.journal.dropped()) == ([], 0)
    assert first.journal.append(entry()).id > ids[-1]  # ids keep increasing after a clear


def test_a_redis_namespace_sees_nothing_of_another(redis_server: RedisServer) -> None:
    one = open_state(redis_server.url, namespace="one", journal_limit=10)
    other = open_state(redis_server.url, namespace="other", journal_limit=10)
    one.scripts.replace([StoredScript("a", "f.yaml")])
    one.journal.append(entry())
    assert other.scripts.view(-1).scripts == [] and other.journal.entries() == []
    other.connection.wipe()
    assert one.scripts.view(-1).calls == {"a": 0}
