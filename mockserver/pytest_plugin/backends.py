"""The two ways the plugin drives a mock, with one interface: in this process (the engine, keyring and
journal directly), or a mock already running elsewhere (``--ocr-gateway-url``) through its admin API.
Both take and give the admin API's JSON shapes, so everything above them is written once."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx

from mockserver.pytest_plugin.hosting import AppHost
from mockserver.pytest_plugin.transports import SharedTransport
from mockserver.scripting.loader import FixtureError, Problem, parse_document, structural_problems

Json = dict[str, Any]


class ScriptError(ValueError):
    """The mock refused a script or key state; the message lists every problem."""


def _problems_error(what: str, problems: Sequence[str]) -> ScriptError:
    return ScriptError(f"{what}:\n" + "\n".join(f"  {problem}" for problem in problems))


def _problem_text(problem: Problem) -> str:
    return f"{problem.field}: {problem.message}" if problem.field else problem.message


class Backend(Protocol):
    @property
    def url(self) -> str:
        """The mock's root URL (starts a loopback server on first use, in-process)."""
        ...

    @property
    def in_process_url(self) -> str:
        """The root URL to use with ``transport``/``async_transport``."""
        ...

    @property
    def transport(self) -> httpx.BaseTransport: ...

    @property
    def async_transport(self) -> httpx.AsyncBaseTransport: ...

    @property
    def socket_transport(self) -> httpx.BaseTransport:
        """For the preconfigured sync clients over the socket: one connection pool for the whole session."""
        ...

    @property
    def ocr_models(self) -> list[str] | None:
        """The catalog's OCR models, when known (in-process)."""
        ...

    def add_script(self, spec: Mapping[str, Any]) -> Json: ...

    def scripts(self) -> list[Json]: ...

    def put_keys(self, records: Sequence[Mapping[str, Any]]) -> None: ...

    def accounts(self) -> list[Json]: ...

    def journal(self) -> list[Json]: ...

    def set_default(self, model: str, step: Mapping[str, Any]) -> None: ...

    def coverage(self) -> Json:
        """The mock's ``/_mock/coverage`` document: each outcome and how often it was met since the last reset."""
        ...

    def reset(self, *, keep_coverage: bool = False) -> None: ...

    def release(self) -> None:
        """A test is done with it: a private mock stops; a shared one stays for the next test."""
        ...


class LocalBackend:
    """A mock in this process."""

    in_process_url = "http://ocr-gateway.invalid"  # never resolves: the in-process transports ignore the host

    def __init__(self, host: AppHost, owned: bool = False) -> None:
        self.host = host
        self._owned = owned

    @property
    def url(self) -> str:
        return self.host.url

    @property
    def transport(self) -> httpx.BaseTransport:
        return self.host.transport

    @property
    def async_transport(self) -> httpx.AsyncBaseTransport:
        return self.host.async_transport

    @property
    def socket_transport(self) -> httpx.BaseTransport:
        return self.host.socket_transport

    @property
    def ocr_models(self) -> list[str] | None:
        return self.host.mock.ocr_models

    def add_script(self, spec: Mapping[str, Any]) -> Json:
        try:
            return self.host.mock.engine.add(dict(spec)).to_json()
        except FixtureError as exc:
            raise _problems_error("the mock refused the script", [_problem_text(p) for p in exc.problems]) from None
        except ValueError as exc:
            raise ScriptError(str(exc)) from None

    def scripts(self) -> list[Json]:
        return [script.to_json() for script in self.host.mock.engine.scripts()]

    def put_keys(self, records: Sequence[Mapping[str, Any]]) -> None:
        problems = structural_problems({"keys": list(records)}, "keys")
        if problems:
            raise _problems_error("the mock refused the key state", [_problem_text(p) for p in problems])
        self.host.mock.keyring.put(records)

    def accounts(self) -> list[Json]:
        return self.host.mock.keyring.accounts()

    def journal(self) -> list[Json]:
        return [entry.to_json() for entry in self.host.mock.journal.entries()]

    def set_default(self, model: str, step: Mapping[str, Any]) -> None:
        try:
            fixtures = parse_document({"defaults": {model: dict(step)}}, "defaults", None)
        except FixtureError as exc:
            raise _problems_error("the mock refused the default", [str(p) for p in exc.problems]) from None
        self.host.mock.engine.set_default(model, fixtures.defaults[model])

    def coverage(self) -> Json:
        return self.host.mock.coverage.document()

    def reset(self, *, keep_coverage: bool = False) -> None:
        self.host.mock.reset(keep_coverage=keep_coverage)

    def release(self) -> None:
        if self._owned:
            self.host.close()


class RemoteBackend:
    """A mock that runs elsewhere (docker-compose, ``ocr-mock serve``), driven through ``/_mock/``."""

    ocr_models = None

    def __init__(self, url: str, admin_token: str | None = None) -> None:
        self.url = self.in_process_url = url.rstrip("/")
        headers = {"X-Mock-Admin-Token": admin_token} if admin_token else {}
        self._admin = httpx.Client(base_url=f"{self.url}/_mock", headers=headers, timeout=30, trust_env=False)
        self.socket_transport = SharedTransport()

    @property
    def transport(self) -> httpx.BaseTransport:
        return httpx.HTTPTransport()

    @property
    def async_transport(self) -> httpx.AsyncBaseTransport:
        return httpx.AsyncHTTPTransport()

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        try:
            response = self._admin.request(method, path, json=json)
        except httpx.HTTPError as exc:
            raise ConnectionError(f"the OCR gateway mock at {self.url} is not reachable: {exc}") from None
        if response.status_code == 401:
            raise PermissionError(f"the mock at {self.url} wants its admin token: pass --ocr-gateway-admin-token "
                                  "or set OCR_MOCK_ADMIN_TOKEN")
        if response.status_code == 400:
            body = response.json()
            raise _problems_error(body.get("message", "the mock refused the request"),
                                  [_strip_source(p) for p in body.get("problems", [])])
        response.raise_for_status()
        return response.json() if response.content else None

    def check(self, release: str | None = None) -> None:
        """Fail early, and clearly, when the mock is not there, or serves another gateway release than asked for."""
        health = self._call("GET", "/health")
        served = health.get("gateway_release") if isinstance(health, dict) else None
        if release is not None and served is not None and served != release:
            raise ScriptError(f"the mock at {self.url} imitates gateway release {served}, not {release}: start it with "
                              f"--gateway-release {release} (or OCR_MOCK_GATEWAY_RELEASE)")

    def add_script(self, spec: Mapping[str, Any]) -> Json:
        added: Json = self._call("POST", "/scripts", dict(spec))["scripts"][0]
        return added

    def scripts(self) -> list[Json]:
        scripts: list[Json] = self._call("GET", "/scripts")["scripts"]
        return scripts

    def put_keys(self, records: Sequence[Mapping[str, Any]]) -> None:
        self._call("PUT", "/keys", {"keys": list(records)})

    def accounts(self) -> list[Json]:
        keys: list[Json] = self._call("GET", "/keys")["keys"]
        return keys

    def journal(self) -> list[Json]:
        requests: list[Json] = self._call("GET", "/requests")["requests"]
        return requests

    def set_default(self, model: str, step: Mapping[str, Any]) -> None:
        raise ScriptError(f"a default for {model} cannot be set through the admin API: put the 'defaults' entry "
                          "in the fixture directory of the mock at --ocr-gateway-url")

    def coverage(self) -> Json:
        document: Json = self._call("GET", "/coverage")
        return document

    def reset(self, *, keep_coverage: bool = False) -> None:
        self._call("POST", "/reset?keep_coverage=true" if keep_coverage else "/reset")

    def release(self) -> None:
        pass  # the session's: closed by close()

    def close(self) -> None:
        self._admin.close()
        self.socket_transport.shutdown()


_ADMIN_SOURCE = re.compile(r"^(?:request|runtime): (?:scripts\[\d+\]|script|keys\[\d+\]): ")


def _strip_source(problem: str) -> str:
    """A problem as the admin API words it (``"request: scripts[0]: pages[0]: ..."``), without the name of
    the admin request's own document, which means nothing to the test."""
    return _ADMIN_SOURCE.sub("", problem)
