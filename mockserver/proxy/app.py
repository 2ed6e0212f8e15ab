"""The proxy as an ASGI app: every route but ``/_mock/`` goes to the target; the answer comes back as the
target gave it, after the checks have looked at it, the journal has kept it and the recorder has written it.

The admin API keeps ``serve``'s paths where they mean the same (health, requests, openapi.yaml) and adds
``/_mock/deviations``. Scripts and keys have no meaning here: the target answers.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import orjson
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contract_tests.oracle import NotJson, Verdict, parse_body
from contract_tests.redact import Redactor
from contract_tests.reference import contract, use_release
from mockserver.gateway.auth import BEARER, HTTP_WHITESPACE
from mockserver.gateway.reading import ClientDisconnect, PayloadTooLarge, read_limited
from mockserver.proxy import answers
from mockserver.proxy.admin import admin_routes
from mockserver.proxy.budget import Ledger, estimated_nanos, reported_nanos, usd
from mockserver.proxy.checking import Finding, check_exchange, judged, proxy_checks
from mockserver.proxy.config import ProxyConfig
from mockserver.proxy.deviations import DeviationLog
from mockserver.proxy.forwarding import Forwarder, Received, Sent, TargetFailure, outgoing_headers
from mockserver.proxy.recording import Recorder, recording_for
from mockserver.state.journal import Journal
from mockserver.state.memory import MemoryJournal
from mockserver.web.http import CLIENT_CLOSED
from mockserver.web.logline import loggable as _loggable
from mockserver.web.paths import routed_path

log = logging.getLogger("ocr_mock.proxy")
OCR_PATH = "/v1/ocr"
FORWARDED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _loads(raw: bytes) -> Any:
    try:
        return parse_body(raw) if raw else None
    except NotJson:
        return None


def _scrubbed(value: Any, redact: Redactor) -> Any:
    """``value`` with every secret replaced (through its JSON text: the answer may hold one anywhere)."""
    if value is None:
        return None
    text = orjson.dumps(value).decode()
    cleaned = redact(text)
    return value if cleaned == text else orjson.loads(cleaned)


def _client_bearer(headers: list[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == "authorization":
            token = value.strip(HTTP_WHITESPACE)
            return token[len(BEARER):].strip() if token.startswith(BEARER) else token
    return None


@dataclass(frozen=True)
class Incoming:
    """One client request as the proxy sees it: what goes to the target, what the contract predicts, and the
    redactor that keeps this request's secrets (the proxy's key, the client's bearer) out of everything written."""

    request: Request
    started: float
    body: bytes
    headers: list[tuple[str, str]]  # as forwarded
    sent: Sent
    redact: Redactor
    verdict: Verdict | None  # POST /v1/ocr only
    json: Any  # the request body, parsed and redacted, for the journal
    model: str | None


class Proxy:
    def __init__(self, config: ProxyConfig, recorder: Recorder | None = None) -> None:
        self.config = config
        self.forwarder = Forwarder(config.target_url, config.target_timeout_s, trust_env=not config.target.loopback)
        self.journal = Journal(MemoryJournal(config.journal_limit))
        self.deviations = DeviationLog(config.journal_limit)
        self.ledger = Ledger(config.budget_usd)
        self.recorder = recorder
        self.started = time.monotonic()
        self.expected: OrderedDict[int, str] = OrderedDict()  # journal id -> the contract's prediction

    def note_expected(self, request_id: int, label: str) -> None:
        self.expected[request_id] = label
        while len(self.expected) > self.config.journal_limit:
            self.expected.popitem(last=False)

    def redactor(self, client_headers: list[tuple[str, str]]) -> Redactor:
        """The proxy's secrets and the client's own bearer value: neither is ever written anywhere."""
        bearer = _client_bearer(client_headers)
        return Redactor([*self.config.secrets(), *([bearer] if bearer else [])])

    def incoming(self, request: Request, body: bytes, started: float) -> Incoming:
        scope = request.scope
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        client_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        headers = outgoing_headers(client_headers, self.config.api_key)
        redact = self.redactor(client_headers)
        is_ocr = request.method == "POST" and routed_path(scope["path"], scope.get("raw_path")) == OCR_PATH
        request_json = _scrubbed(_loads(body), redact) if is_ocr else None
        model = request_json.get("model") if isinstance(request_json, dict) else None
        return Incoming(
            request=request, started=started, body=body, headers=headers, redact=redact,
            sent=Sent(request.method, raw_path + (f"?{query}" if query else ""), headers, body),
            verdict=judged(headers, body) if is_ocr else None, json=request_json,
            model=model if isinstance(model, str) else None)

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            body = bytes(await read_limited(request, self.config.max_body_bytes))
        except ClientDisconnect:
            return Response(status_code=CLIENT_CLOSED)
        except PayloadTooLarge as too_large:  # the proxy's limit: the body is read whole to be checked
            return answers.respond(answers.too_large(too_large))
        incoming = self.incoming(request, body, started)
        price = estimated_nanos(incoming.verdict) if incoming.verdict is not None else 0
        if price and not self.ledger.admit(price):
            cap = usd(self.ledger.cap or 0)
            return self.own_answer(incoming, answers.budget_spent(cap, usd(self.ledger.spent), usd(price)),
                                   f"refused: the budget (${cap}) is spent")
        try:
            received = await self.forwarder.send(incoming.sent)
        except TargetFailure as failure:
            self.ledger.settle(price, 0)
            answer = answers.target_failed(self.config.target_url, incoming.redact(str(failure)))
            return self.own_answer(incoming, answer, answer[1]["description"], level=logging.ERROR)
        answer_json = _loads(received.body)
        self.ledger.settle(price, reported_nanos(received.status, answer_json))
        request_id = self.journal_entry(incoming, received.status, answer_json, "target")
        self.check(incoming, received, request_id)
        self.record(incoming, received)
        response = Response(received.body, status_code=received.status)
        response.raw_headers.extend((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in received.headers)
        return response

    def journal_entry(self, incoming: Incoming, status: int, answer: Any, answered_by: str) -> int:
        request = incoming.request
        entry = self.journal.record(
            method=request.method, path=request.scope["path"], headers=request.headers, body=incoming.json,
            status=status, latency_ms=(time.perf_counter() - incoming.started) * 1000, model=incoming.model,
            script=None, nearest=[], response=_scrubbed(answer, incoming.redact), answered_by=answered_by,
            body_size=len(incoming.body))
        return entry.id

    def own_answer(self, incoming: Incoming, answer: answers.Answer, why: str,
                   level: int = logging.WARNING) -> Response:
        """An answer of the proxy's own (never checked, never recorded): journaled and logged."""
        self.journal_entry(incoming, answer[0], answer[1], "proxy")
        request = incoming.request
        log.log(level, "%s %s %d %s", request.method, _loggable(request.scope["path"]), answer[0], why)
        return answers.respond(answer)

    def check(self, incoming: Incoming, received: Received, request_id: int) -> None:
        """The suite's checks on the exchange; each failure is a deviation, logged on one line."""
        request, redact, verdict = incoming.request, incoming.redact, incoming.verdict
        try:
            findings = check_exchange(
                method=request.method, url=self.forwarder.url_for(incoming.sent.path), request_headers=incoming.headers,
                request_body=incoming.body, status=received.status, response_headers=received.headers,
                response_body=received.body, elapsed_s=time.perf_counter() - incoming.started)
        except Exception as exc:  # a check that breaks must not lose the client its answer
            log.exception("the checks failed on %s %s", request.method, _loggable(request.scope["path"]))
            findings = [Finding("proxy", "the checks could not run", f"{type(exc).__name__}: {exc}")]
        expected = redact(verdict.expected.label()) if verdict is not None and verdict.judged else "-"
        self.note_expected(request_id, expected)
        for deviation in self.deviations.add(request_id=request_id, method=request.method, path=request.scope["path"],
                                              status=received.status, model=incoming.model, expected=expected,
                                              findings=[_redacted(f, redact) for f in findings]):
            log.warning("%s", deviation.log_line())
        log.info("%s %s %d %.1fms model=%s (target)", request.method, _loggable(request.scope["path"]),
                 received.status, (time.perf_counter() - incoming.started) * 1000,
                 _loggable(incoming.model) if incoming.model else "-")

    def record(self, incoming: Incoming, received: Received) -> None:
        if self.recorder is None or incoming.verdict is None:
            return
        recording = recording_for(incoming.body, incoming.verdict, received.status, received.body,
                                  self.config.release)
        if recording is None:
            return
        try:
            self.recorder.record(recording, incoming.redact)
        except (OSError, ValueError, yaml.YAMLError) as exc:  # the answer still goes back
            log.error("not recorded (%s): %s", recording.script_id, incoming.redact(f"{type(exc).__name__}: {exc}"))

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "mode": "proxy",
            "uptime_s": round(time.monotonic() - self.started, 3),
            "target": self.config.target_url,
            "release": self.config.release,
            "journal": {"entries": len(self.journal.entries()), "dropped": self.journal.dropped,
                        "limit": self.journal.limit},
            "deviations": self.deviations.total,
            "budget": self.ledger.to_json(),
            "recording": None if self.recorder is None else {
                "recorded": self.recorder.recorded, "skipped": self.recorder.skipped,
                "mode": self.recorder.mode.value},
        }


def _redacted(finding: Finding, redact: Redactor) -> Finding:
    return Finding(finding.check, redact(finding.title), redact(finding.message))


def create_proxy_app(config: ProxyConfig, recorder: Recorder | None = None) -> Starlette:
    config = replace(config, release=use_release(config.release))  # the suite's oracle judges by this release
    proxy = Proxy(config, recorder)
    proxy_checks()  # load the suite's checks and contract now, not on the first request
    contract()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await proxy.forwarder.close()

    routes = [*admin_routes(proxy), Route("/{rest:path}", proxy.handle, methods=FORWARDED_METHODS)]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.router.redirect_slashes = False
    app.state.proxy = proxy
    return app
