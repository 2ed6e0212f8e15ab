"""Which store holds the state: ``--state memory | sqlite:///path | redis://host:port/db``."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from mockserver.state.memory import open_memory
from mockserver.state.stores import State

MEMORY = "memory"
SCHEMES = ("memory", "sqlite:///", "redis://", "rediss://", "unix://")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (``sqlite:////abs/path`` and ``sqlite:///rel/path`` both work)."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def check_state_url(url: str) -> str:
    if url == MEMORY or any(url.startswith(scheme) and len(url) > len(scheme) for scheme in SCHEMES[1:]):
        return url
    raise ValueError(f"--state {url!r}: expected memory, sqlite:///PATH or redis://HOST:PORT/DB")


def default_namespace(fixtures: Path | None) -> str:
    """Mocks over one Redis with different fixture directories keep apart: the directory's name and a
    digest of its absolute path (the same path in every replica's image gives the same namespace)."""
    if fixtures is None:
        return "ocr-mock:no-fixtures"
    resolved = str(fixtures.resolve())
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", fixtures.resolve().name) or "fixtures"
    return f"ocr-mock:{name}-{hashlib.sha256(resolved.encode()).hexdigest()[:10]}"


def open_state(url: str, *, namespace: str, journal_limit: int) -> State:
    """The stores at ``url`` (not yet filled: see ``Mock``)."""
    check_state_url(url)
    if url == MEMORY:
        return open_memory(journal_limit)
    path = sqlite_path(url)
    if path is not None:
        from mockserver.state.sqlite import open_sqlite  # only shared state pays for these imports

        return open_sqlite(path, journal_limit)
    from mockserver.state.redis_store import open_redis

    return open_redis(url, namespace, journal_limit)
