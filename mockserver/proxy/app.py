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
from typing import Any

import orjson
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contract_tests.oracle import NotJson, parse_body
from contract_tests.redact import Redactor
from contract_tests.reference import contract
from mockserver.gateway.auth import BEARER, HTTP_WHITESPACE
from mockserver.gateway.reading import ClientDisconnect, PayloadTooLarge, read_limited
from mockserver.proxy import answers
from mockserver.proxy.admin import admin_routes
from mockserver.proxy.budget import Ledger, estimated_nanos, reported_nanos, usd
from mockserver.proxy.checking import Finding, check_exchange, judged, proxy_checks
from mockserver.proxy.config import ProxyConfig
from mockserver.proxy.deviations import DeviationLog
from mockserver.proxy.forwarding import Forwarder, Sent, TargetFailure, outgoing_headers
from mockserver.proxy.recording import Recorder, recording_for
from mockserver.state.journal import Journal
from mockserver.web.app import CLIENT_CLOSED, _loggable
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


class Proxy:
    def __init__(self, config: ProxyConfig, recorder: Recorder | None = None) -> None:
        self.config = config
        self.forwarder = Forwarder(config.target_url, config.target_timeout_s, trust_env=not config.target.loopback)
        self.journal = Journal(config.journal_limit)
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

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        scope = request.scope
        try:
            body = bytes(await read_limited(request, self.config.max_body_bytes))
        except ClientDisconnect:
            return Response(status_code=CLIENT_CLOSED)
        except PayloadTooLarge as too_large:  # the proxy's limit: the body is read whole to be checked
            return answers.respond(answers.too_large(too_large))
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        path = raw_path + (f"?{query}" if query else "")
        client_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        redact = self.redactor(client_headers)
        headers = outgoing_headers(client_headers, self.config.api_key)
        is_ocr = request.method == "POST" and routed_path(scope["path"], scope.get("raw_path")) == OCR_PATH
        verdict = judged(headers, body) if is_ocr else None
        price = estimated_nanos(verdict) if verdict is not None else 0
        request_json = _scrubbed(_loads(body), redact) if is_ocr else None
        model = request_json.get("model") if isinstance(request_json, dict) else None
        model = model if isinstance(model, str) else None

        def journal(status: int, answer: Any, answered_by: str) -> int:
            entry = self.journal.record(
                method=request.method, path=scope["path"], headers=request.headers, body=request_json, status=status,
                latency_ms=(time.perf_counter() - started) * 1000, model=model, script=None, nearest=[],
                response=_scrubbed(answer, redact), answered_by=answered_by, body_size=len(body))
            return entry.id

        if price and not self.ledger.admit(price):
            cap = usd(self.ledger.cap or 0)
            answer = answers.budget_spent(cap, usd(self.ledger.spent), usd(price))
            journal(answer[0], answer[1], "proxy")
            log.warning("%s %s %d refused: the budget ($%s) is spent", request.method, _loggable(scope["path"]),
                        answer[0], cap)
            return answers.respond(answer)
        try:
            received = await self.forwarder.send(Sent(request.method, path, headers, body))
        except TargetFailure as failure:
            self.ledger.settle(price, 0)
            answer = answers.target_failed(self.config.target_url, redact(str(failure)))
            journal(answer[0], answer[1], "proxy")
            log.error("%s %s %d: %s", request.method, _loggable(scope["path"]), answer[0], answer[1]["description"])
            return answers.respond(answer)
        answer_json = _loads(received.body)
        self.ledger.settle(price, reported_nanos(received.status, answer_json))
        try:
            findings = check_exchange(
                method=request.method, url=self.forwarder.url_for(path), request_headers=headers, request_body=body,
                status=received.status, response_headers=received.headers, response_body=received.body,
                elapsed_s=time.perf_counter() - started)
        except Exception as exc:  # a check that breaks must not lose the client its answer
            log.exception("the checks failed on %s %s", request.method, scope["path"])
            findings = [Finding("proxy", "the checks could not run", redact(f"{type(exc).__name__}: {exc}"))]
        request_id = journal(received.status, answer_json, "target")
        expected = redact(verdict.expected.label()) if verdict is not None and verdict.judged else "-"
        self.note_expected(request_id, expected)
        for deviation in self.deviations.add(request_id=request_id, method=request.method, path=scope["path"],
                                              status=received.status, model=model, expected=expected,
                                              findings=[_redacted(f, redact) for f in findings]):
            log.warning("%s", deviation.log_line())
        log.info("%s %s %d %.1fms model=%s (target)", request.method, _loggable(scope["path"]), received.status,
                 (time.perf_counter() - started) * 1000, _loggable(model) if model else "-")
        if self.recorder is not None and verdict is not None:
            recording = recording_for(body, verdict, received.status, received.body)
            if recording is not None:
                try:
                    self.recorder.record(recording, redact)
                except (OSError, ValueError, yaml.YAMLError) as exc:  # the answer still goes back
                    log.error("not recorded (%s): %s", recording.script_id, redact(f"{type(exc).__name__}: {exc}"))
        response = Response(received.body, status_code=received.status)
        response.raw_headers.extend((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in received.headers)
        return response

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
