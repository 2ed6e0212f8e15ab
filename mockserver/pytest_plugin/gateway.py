"""``OcrGateway``: what a test holds. Scripts answers, sets up key accounts, reads the calls, and hands out
URLs, transports and clients; every change goes to the mock as fixture-format JSON."""

from __future__ import annotations

import os
import ssl
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import yaml

from mockserver.gateway.auth import redact
from mockserver.pytest_plugin import specs, strict
from mockserver.pytest_plugin.backends import Backend, ScriptError
from mockserver.pytest_plugin.callbacks import Callback, CallbackRunner, callback_engine
from mockserver.pytest_plugin.calls import Call, Calls
from mockserver.pytest_plugin.options import DEFAULT_API_KEY
from mockserver.scripting.loader import FixtureError, parse_document

if TYPE_CHECKING:
    from mockserver.pytest_plugin.intercept import Interceptor

_TRANSPORT_OPTIONS = frozenset({"transport", "verify", "cert", "http1", "http2", "limits", "proxy", "mounts"})


@cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every client the plugin makes: httpx builds a new one per client otherwise, which
    costs tens of milliseconds (and the mock itself is plain HTTP)."""
    return httpx.create_ssl_context()


class ScriptRef:
    """A script this test added: its id and, read live from the mock, how often it has answered."""

    def __init__(self, gateway: OcrGateway, script: Mapping[str, Any]) -> None:
        self._gateway = gateway
        self.id: str = script["id"]
        self.model: str = script["model"]

    def _state(self) -> Mapping[str, Any]:
        for script in self._gateway.scripts():
            if script["id"] == self.id:
                return script
        raise LookupError(f"script {self.id!r} is no longer on the mock")

    @property
    def calls(self) -> int:
        """How many calls it has answered."""
        count: int = self._state()["calls"]
        return count

    @property
    def remaining(self) -> int | None:
        """Calls left (None: unlimited)."""
        remaining: int | None = self._state()["remaining"]
        return remaining

    def __repr__(self) -> str:
        return f"ScriptRef({self.id!r}, model={self.model!r})"


class OcrGateway:
    """A scripted AI Stats Gateway OCR endpoint for one test (see docs/pytest.md)."""

    def __init__(self, backend: Backend, *, name: str = "ocr_gateway", api_key: str = DEFAULT_API_KEY,
                 strict: bool = True, allow_defaults: bool = False, seed: int | None = None) -> None:
        self._backend = backend
        self.name = name
        self.api_key = api_key
        self.strict = strict
        self.allow_defaults = allow_defaults
        self.seed = seed
        self._added: list[str] = []
        self._clients: list[httpx.Client] = []
        self._runners: list[CallbackRunner] = []  # the callbacks of add(callback=...), with their exceptions
        self._interceptor: Interceptor | None = None

    # -- where to send requests ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The mock's root URL over a real loopback socket (the admin API is under ``/_mock/``)."""
        return self._backend.url

    @property
    def base_url(self) -> str:
        """The gateway base URL to give an app instead of ``https://api.phaseo.app/v1``."""
        return f"{self.url}/v1"

    @property
    def transport(self) -> httpx.BaseTransport:
        """An httpx transport into the mock in this process (remote mode: a plain HTTP transport)."""
        return self._backend.transport

    @property
    def async_transport(self) -> httpx.AsyncBaseTransport:
        """The async counterpart of ``transport``."""
        return self._backend.async_transport

    def _client_options(self, in_process: bool, kwargs: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.api_key}", **dict(kwargs.pop("headers", None) or {})}
        root = self._backend.in_process_url if in_process else self.url
        if "transport" not in kwargs:  # TLS settings matter only to a transport httpx makes itself
            kwargs.setdefault("verify", _ssl_context())
        kwargs.setdefault("trust_env", False)  # the mock is never behind the environment's proxy
        return {"base_url": f"{root}/v1", "headers": headers, **kwargs}

    def httpx_client(self, *, in_process: bool = False, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` with the base URL and this gateway's key (closed at the end of the test);
        ``in_process=True`` routes it through ``transport`` instead of the socket. Over the socket, the clients
        of a session share keep-alive connections (unless given transport options of their own)."""
        if in_process:
            kwargs.setdefault("transport", self.transport)
        elif not _TRANSPORT_OPTIONS & kwargs.keys():
            kwargs["transport"] = self._backend.socket_transport
        client = httpx.Client(**self._client_options(in_process, kwargs))
        self._clients.append(client)
        return client

    def async_httpx_client(self, *, in_process: bool = False, **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` like ``httpx_client()`` (use it as ``async with``)."""
        if in_process:
            kwargs.setdefault("transport", self.async_transport)
        return httpx.AsyncClient(**self._client_options(in_process, kwargs))

    # -- scripting ----------------------------------------------------------------------------------

    def add(
        self,
        model: str,
        *,
        pages: Sequence[str | Mapping[str, Any]] | None = None,
        text: str | None = None,
        error: str | Mapping[str, Any] | None = None,
        upstream: int | Mapping[str, Any] | None = None,
        fault: str | Mapping[str, Any] | None = None,
        delay_ms: float | None = None,
        delay: Mapping[str, Any] | None = None,
        per_page_ms: float | None = None,
        match: Mapping[str, Any] | None = None,
        language: str | None = None,
        image: specs.ImageContent | None = None,
        image_url: str | None = None,
        media_type: str | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        times: int | None = None,
        sequence: Sequence[specs.Step] | None = None,
        then: specs.Step | None = None,
        id: str | None = None,
        callback: Callback | None = None,
    ) -> ScriptRef:
        """Script the answer to the calls for ``model`` that meet the conditions (``match`` in the fixture
        format, or the shorthands ``language``, ``image`` (bytes or a file: its SHA-256), ``image_url`` (a glob),
        ``media_type``, ``body`` (dotted paths), ``headers``). The answer is ``pages`` or ``text``, a gateway
        ``error`` (its code), an ``upstream`` failure (its status), optionally spoiled by a ``fault`` and
        delayed; or a ``sequence`` of such answers, then ``then``. Without ``times`` it answers every call.
        Or ``callback``: ``fn(call)`` computes each answer (a dict of these keywords, or None for the default
        document) from ``call.json``, ``call.headers``, ``call.image_bytes``; ``async def`` works too."""
        __tracebackhide__ = True
        if self.ocr_models is not None and model not in self.ocr_models:
            raise ScriptError(f"{model!r} is not an OCR model of the mock's catalog, so no call would reach this "
                              f"script; the OCR models are: {', '.join(self.ocr_models)}")
        conditions = specs.match_spec(match, language=language, image=image, image_url=image_url,
                                      media_type=media_type, body=body, headers=headers)
        answer = {"pages": pages, "text": text, "error": error, "upstream": upstream, "fault": fault,
                  "delay_ms": delay_ms, "delay": delay, "per_page_ms": per_page_ms}
        spec = specs.script_spec(model, answer, match=conditions, times=times, sequence=sequence, then=then,
                                 script_id=id or self._caller_id(), seed=self.seed)
        engine = None
        if callback is not None:
            answers = {**answer, "sequence": sequence, "then": then}
            given = [name for name, value in answers.items() if value is not None]
            if given:
                raise TypeError(f"add(callback=...) computes the answer (delays included): drop {', '.join(given)}")
            engine = callback_engine(self._backend)
        try:
            script = self._backend.add_script(spec)
        except ScriptError as exc:
            raise ScriptError(str(exc)) from None  # raised here: the test's traceback ends at its own add() line
        self._added.append(script["id"])
        if engine is not None and callback is not None:
            runner = CallbackRunner(callback, script["id"], self.seed)
            engine.set_callback(script["id"], runner, getattr(callback, "__qualname__", repr(callback)))
            self._runners.append(runner)
        return ScriptRef(self, script)

    def _caller_id(self) -> str:
        """An id naming the line of the test that called ``add()`` (``test_app.py:12``, then ``#2``...)."""
        frame = sys._getframe(2)
        base = f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
        count = sum(1 for script_id in self._added if script_id == base or script_id.startswith(f"{base}#"))
        return f"{base}#{count + 1}" if count else base

    def add_fixture_file(self, path: str | os.PathLike[str]) -> list[ScriptRef]:
        """Load a fixture file (YAML, the format of ``fixtures/``) for this test: its scripts, key states and
        defaults. Image files are read relative to the file. Its scripts may go unused (strict mode asks that
        only of ``add()``)."""
        __tracebackhide__ = True
        path = Path(path)
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            parse_document(document, path.name, path.parent)  # every problem at once, named by file and entry
        except FixtureError as exc:
            raise ScriptError(f"{path} has problems:\n" + "\n".join(f"  {p}" for p in exc.problems)) from None
        added = []
        for index, spec in enumerate(document.get("scripts", [])):
            spec = specs.resolve_image_files({"id": f"{path.name}#{index}", **spec}, path.parent)
            added.append(ScriptRef(self, self._backend.add_script(spec)))
        if document.get("keys"):
            self._backend.put_keys(document["keys"])
        for model, step in document.get("defaults", {}).items():
            self._backend.set_default(model, step)
        return added

    def key(
        self,
        key: str | None = None,
        *,
        balance_usd: float | None = None,
        limits: Mapping[str, int] | None = None,
        soft_blocked: bool | None = None,
        revoked: bool | None = None,
        expired: bool | None = None,
        wallet: str | None = None,
        name: str | None = None,
    ) -> str:
        """Give a key an account state (default: ``api_key``'s): a balance in USD (below 1.00 the next call
        is 402), request ``limits`` ({"daily"|"weekly"|"monthly": n}; a spent one is 429), soft-blocked,
        revoked, expired, ``wallet="missing"``. Usage starts from zero. Returns the key."""
        __tracebackhide__ = True
        key = key or self.api_key
        state = {"balance_usd": balance_usd, "limits": limits, "soft_blocked": soft_blocked, "revoked": revoked,
                 "expired": expired, "wallet": wallet, "name": name}
        try:
            self._backend.put_keys([specs.key_record(key, state)])
        except ScriptError as exc:
            raise ScriptError(str(exc)) from None  # raised here: the traceback ends at the test's key() line
        return key

    # -- inspecting ---------------------------------------------------------------------------------

    @property
    def ocr_models(self) -> list[str] | None:
        """The OCR models of the mock's catalog (None with ``--ocr-gateway-url``)."""
        return self._backend.ocr_models

    @property
    def calls(self) -> Calls:
        """Every request the mock answered in this test, oldest first."""
        return Calls([Call.from_json(entry) for entry in self._backend.journal()])

    def scripts(self) -> list[dict[str, Any]]:
        """Every script on the mock, with its ``calls`` and ``remaining`` counts (the admin API's listing)."""
        return self._backend.scripts()

    def coverage(self) -> dict[str, Any]:
        """The outcomes this test's requests met so far (the ``/_mock/coverage`` document of the mock)."""
        return self._backend.coverage()

    def accounts(self) -> list[dict[str, Any]]:
        """The key accounts: balance, spent, limits and requests per window (secrets masked)."""
        return self._backend.accounts()

    def account(self, key: str | None = None) -> dict[str, Any]:
        """The account of one key (default: ``api_key``), once it has a state (``key()`` or a fixture file)."""
        masked = redact(key or self.api_key)
        for account in self.accounts():
            if account["key"] == masked:
                return account
        raise LookupError(f"no account for {masked}: give it a state with key() first")

    # -- lifecycle ----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Scripts, calls and key accounts back to how the session configured them (the outcomes this test
        met so far still count for the session's coverage)."""
        self._backend.reset(keep_coverage=True)
        self._added.clear()

    def intercept(self, extra_base_urls: Sequence[str] = ()) -> None:
        """Route calls to the gateway's public base URLs (and ``extra_base_urls``) into this mock, from httpx,
        requests and ``urllib.request``, until the end of the test (``@pytest.mark.ocr_gateway(intercept=True)``)."""
        from mockserver.pytest_plugin.intercept import PUBLIC_BASE_URLS, Base, Interceptor, Router

        if self._interceptor is not None:
            return
        try:
            bases = [Base.parse(url) for url in (*PUBLIC_BASE_URLS, *extra_base_urls)]
        except ValueError as exc:
            raise ScriptError(str(exc)) from None
        router = Router(bases, self._backend.in_process_url)
        self._interceptor = Interceptor(router, self._backend.transport, self._backend.async_transport)
        self._interceptor.install()

    def refused_calls(self) -> list[str]:
        """Calls to an intercepted base URL that the mock does not serve (never sent; they fail the test)."""
        return list(self._interceptor.router.refused) if self._interceptor is not None else []

    def callback_errors(self) -> list[BaseException]:
        """What the callbacks of ``add(callback=...)`` raised (each call got the gateway's 500)."""
        return [error for runner in self._runners for error in runner.errors]

    def problems(self) -> list[str]:
        """What strict mode would fail this test for, right now."""
        return (strict.unused_scripts(self.scripts(), self._added)
                + strict.unmatched_calls(self.calls, self.allow_defaults, self._added))

    def verify(self) -> None:
        """Raise ``AssertionError`` with strict mode's message when there are problems."""
        problems = self.problems()
        if problems:
            raise AssertionError(strict.failure_message(self.name, problems))

    def close(self) -> None:
        """The end of the test: its clients closed, a private mock stopped (the session's stay)."""
        if self._interceptor is not None:
            self._interceptor.uninstall()
        for client in self._clients:
            client.close()
        self._clients.clear()
        self._backend.release()
