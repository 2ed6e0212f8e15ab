"""The admin operations of one mock, in the admin API's JSON shapes: the HTTP admin API (``web/admin.py``),
the pytest plugin's in-process backend and the ``ocr-mock state`` commands all call these, so each
operation is written once.

Refusals raise ``FixtureError`` (a script or key state with problems, each with its field) or
``ValueError`` (a request of the wrong shape); an unreachable store raises ``StoreUnavailable``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from mockserver.scripting.loader import FixtureError, parse_document, structural_problems
from mockserver.state.stores import StoreUnavailable

if TYPE_CHECKING:
    from mockserver.mock import Mock

Json = dict[str, Any]


class AdminService:
    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        self._started = time.monotonic()

    def health(self) -> tuple[bool, Json]:
        """Whether the mock can serve (its store answers), and the details."""
        mock = self.mock
        state: Json = {"store": mock.state.connection.description, "status": "up"}
        body: Json = {
            "status": "ok",
            "gateway_release": mock.release.name,
            "uptime_s": round(time.monotonic() - self._started, 3),
            "fixtures": str(mock.settings.fixtures) if mock.settings.fixtures else None,
            "fixture_files": mock.engine.fixtures.files,
            "reload_error": mock.reload_error,
            "state": state,
        }
        try:
            mock.state.connection.ping()
            body["scripts"] = len(mock.engine.scripts())
            body["journal"] = {"entries": mock.journal.count(), "dropped": mock.journal.dropped,
                               "limit": mock.journal.limit}
        except StoreUnavailable as exc:
            body["status"] = "store_down"
            state.update(status="down", error=str(exc))
            return False, body
        return True, body

    def reset(self, *, keep_coverage: bool = False) -> None:
        """Scripts, journal and key accounts back to the files (and the outcome counts to zero unless kept), for
        every process sharing the store."""
        self.mock.reset(keep_coverage=keep_coverage)

    def coverage(self) -> Json:
        """The ``/_mock/coverage`` document: each outcome and how often it was met since the last reset."""
        document: Json = self.mock.coverage.document()
        return document

    def scripts(self) -> list[Json]:
        return [script.to_json() for script in self.mock.engine.scripts()]

    def add_scripts(self, body: Any) -> list[Json]:
        """One script object, or ``{"scripts": [...]}``."""
        specs = body["scripts"] if isinstance(body, dict) and "scripts" in body else [body]
        if not isinstance(specs, list):
            raise ValueError('expected a script object or {"scripts": [...]}')
        return [self.mock.engine.add(spec).to_json() for spec in specs]

    def remove_script(self, script_id: str) -> bool:
        return self.mock.engine.remove(script_id)

    def clear_scripts(self) -> None:
        self.mock.engine.clear()

    def requests(self, model: str | None = None, status: int | None = None) -> Json:
        listing: Json = orjson.loads(self.requests_encoded(model, status))
        return listing

    def requests_encoded(self, model: str | None = None, status: int | None = None) -> bytes:
        """The journal's listing as JSON: each entry's JSON spliced in (``Entry.listed``), not built as objects."""
        journal = self.mock.journal
        entries = journal.entries(model=model, status=status)
        listed = [orjson.Fragment(entry.listed()) for entry in entries]
        return orjson.dumps({"requests": listed, "dropped": journal.dropped, "limit": journal.limit})

    def clear_requests(self) -> None:
        self.mock.journal.clear()

    def keys(self) -> list[Json]:
        return self.mock.keyring.accounts()

    def put_keys(self, records: Sequence[Mapping[str, Any]], source: str = "request") -> list[Json]:
        """Add or replace key accounts (checked like a fixture file's ``keys`` section)."""
        problems = structural_problems({"keys": list(records)}, source)
        if problems:
            raise FixtureError(problems)
        self.mock.keyring.put(records)
        return self.keys()

    def set_default(self, model: str, step: Mapping[str, Any]) -> None:
        """This process's default answer for ``model`` (not shared: defaults belong in the fixture files)."""
        fixtures = parse_document({"defaults": {model: dict(step)}}, "defaults", None)
        self.mock.engine.set_default(model, fixtures.defaults[model])
