"""The lean HTTP path (web/lean.py) answers exactly as the plain Starlette route it replaces on ``POST /v1/ocr``.

Two mocks, built alike, one serving through the lean path and one through the plain route
(``create_app(lean=False)``), get the same requests in the same order: the hostile corpus's in-process cases,
scripted outcomes from the bundled fixtures, and generated bodies. For each request the raw response (status,
header list in order, body bytes, whether it ended), the journal entry as ``GET /_mock/requests`` shows it, and
the log line must be identical. Generation ids and the provider's timing are pinned so that "identical" means
byte for byte; only the log line's clock time and the journal entry's time of day are left out.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.gateway import pipeline
from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.web import app as plain_path
from mockserver.web import lean as lean_path
from mockserver.web.app import create_app
from mockserver.web.logline import LOGGER_NAME, RequestLog
from tests.asgi_driver import RawRequest, RawResponse, call
from tests.helpers import KEY, logging_as_served
from tests.hostile import Case, load_cases, raw_request
from tests.zod_bodies import bodies

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RELEASES = ("2026-07", "2026-08")
CLOCK_TIME = re.compile(r"^\S+ \S+ ")  # the log line's asctime: the date, then the time with milliseconds


@pytest.fixture
def log_lines() -> io.StringIO:
    return io.StringIO()


def stop_clocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clocks that time a request, stopped in both paths."""
    stopped = SimpleNamespace(perf_counter=lambda: 1000.0)
    for module in (pipeline, lean_path, plain_path):
        monkeypatch.setattr(module, "time", stopped)


def restart_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generation ids from a fresh counter: each mock of a pair gets the same ids for the same request."""
    ids = itertools.count(1)
    monkeypatch.setattr(pipeline, "new_generation_id", lambda: f"gen-{next(ids):04d}")


def pinned_mocks(**options: Any) -> tuple[Mock, Mock]:
    """Two mocks built alike, their gateway clock stopped."""
    mocks = Mock(Settings(**options)), Mock(Settings(**options))
    for mock in mocks:
        mock.gateway.clock = lambda: datetime(2026, 8, 1, 12, 0, tzinfo=UTC)
    return mocks


@pytest.fixture(autouse=True)
def pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generation ids from a counter both mocks restart (``Pair.send``); the clocks that time a request stopped."""
    stop_clocks(monkeypatch)


@dataclass
class Pair:
    lean: Mock
    plain: Mock
    log: io.StringIO

    def send(self, request: RawRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[RawResponse, RawResponse]:
        answers = []
        lines = []
        for mock, lean in ((self.lean, True), (self.plain, False)):
            restart_ids(monkeypatch)
            start = self.log.tell()
            with logging_as_served(self.log):
                answers.append(call(create_app(mock=mock, lean=lean), request))
            lines.append([CLOCK_TIME.sub("", line) for line in self.log.getvalue()[start:].splitlines()])
        lean_answer, plain_answer = answers
        assert (lean_answer.status, lean_answer.header_list, lean_answer.body, lean_answer.complete) == (
            plain_answer.status, plain_answer.header_list, plain_answer.body, plain_answer.complete)
        assert lines[0] == lines[1]
        assert journal(self.lean) == journal(self.plain)
        return lean_answer, plain_answer


def journal(mock: Mock) -> list[dict[str, Any]]:
    """The journal as ``GET /_mock/requests`` shows it, but for the time each entry was written."""
    return [{key: value for key, value in entry.to_json().items() if key != "time"}
            for entry in mock.journal.entries()]


def pair(log: io.StringIO, **options: Any) -> Pair:
    return Pair(*pinned_mocks(**options), log)


def json_request(body: Any, *headers: tuple[bytes, bytes]) -> RawRequest:
    raw = json.dumps(body).encode()  # the standard library: integers beyond 64 bits too
    return RawRequest(headers=[(b"authorization", f"Bearer {KEY}".encode()), (b"content-type", b"application/json"),
                               (b"content-length", str(len(raw)).encode()), *headers], chunks=[raw])


def test_the_fast_log_line_is_written_for_the_serve_configuration(log_lines: io.StringIO) -> None:
    """Otherwise the comparison below would compare logging with itself."""
    with logging_as_served(log_lines) as handler:
        assert RequestLog(logging.getLogger(LOGGER_NAME))._plain_handler() is handler
    assert RequestLog(logging.getLogger(LOGGER_NAME))._plain_handler() is None  # pytest's capture: through logging


def lean_served(case: Case) -> bool:
    """The in-process cases the lean path answers (the others take the same Starlette route in both apps)."""
    request = raw_request(case)
    return not case.socket and request.method == "POST" and request.path.split(b"?")[0] == b"/v1/ocr"


@pytest.mark.parametrize("case", [case for case in load_cases() if lean_served(case)], ids=lambda case: case.id)
def test_hostile_corpus(case: Case, log_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    pair(log_lines, **case.settings).send(raw_request(case), monkeypatch)


@pytest.mark.parametrize("release", RELEASES)
def test_bundled_scripts_and_debug_answers(release: str, log_lines: io.StringIO,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Every bundled fixture's scripts in turn (successes, scripted errors, upstream failures, used-up scripts),
    with the debug switches."""
    both = pair(log_lines, fixtures=FIXTURES, gateway_release=release)
    models = sorted({script.model for script in both.lean.engine.scripts()} | {"mistral/ocr-3", "nope/none"})
    debug = {"enabled": True, "return_upstream_request": True, "return_upstream_response": True}
    for model in models:
        for extra in ({}, {"debug": debug}, {"meta": True, "echo_upstream_request": True}):
            for _ in range(2):
                both.send(json_request({"model": model, "image": "aGVsbG8=", **extra}), monkeypatch)
    both.send(json_request({"model": "mistral/ocr-3", "image": "aGVsbG8="}, (b"x-gateway-debug", b"1"),
                           (b"authorization", b"Bearer twice")), monkeypatch)
    assert len(both.lean.journal.entries()) > 10


def send_generated(send: Callable[[RawRequest], object], examples: int) -> None:
    """``send`` ``examples`` requests with generated bodies, each with the right key, a wrong one or none."""

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(body=bodies, auth=st.sampled_from([f"Bearer {KEY}", "Bearer nope", ""]))
    def one(body: Any, auth: str) -> None:
        request = json_request(body)
        headers = [(name, value) for name, value in request.headers if name != b"authorization"]
        if auth:
            headers.insert(0, (b"authorization", auth.encode()))
        send(RawRequest(headers=headers, chunks=request.chunks))

    one()


@pytest.mark.parametrize("release", RELEASES)
def test_generated_bodies(release: str, log_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    both = pair(log_lines, gateway_release=release)
    send_generated(lambda request: both.send(request, monkeypatch), 150)
    assert len(both.lean.journal.entries()) >= 150
