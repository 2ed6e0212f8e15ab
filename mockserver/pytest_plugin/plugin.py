"""The pytest plugin (entry point ``pytest11: ocr_gateway``): the ``ocr_gateway`` and ``ocr_gateway_factory``
fixtures, the ``ocr_gateway`` marker, the options, and strict mode's check after each test.

Nothing heavy is imported until a test asks for a gateway, so installing the package costs other test
suites nothing.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mockserver.pytest_plugin import cassettes
from mockserver.pytest_plugin.options import MARKER_HELP, add_options, options_for_test, session_options

if TYPE_CHECKING:
    from mockserver.pytest_plugin.gateway import OcrGateway
    from mockserver.pytest_plugin.session import GatewaySession

_GATEWAYS = pytest.StashKey[list["OcrGateway"]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)
    cassettes.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    config.addinivalue_line("markers", cassettes.MARKER_HELP)


def _register(item: pytest.Item, gateway: OcrGateway) -> None:
    item.stash.setdefault(_GATEWAYS, []).append(gateway)


def _fail_on_error(action: Any, *args: Any, **kwargs: Any) -> Any:
    """Set-up problems (bad fixtures, an unreachable mock) as one clear line, not a traceback."""
    from mockserver.pytest_plugin.backends import ScriptError

    try:
        return action(*args, **kwargs)
    except (ScriptError, ConnectionError, PermissionError) as exc:
        message = f"ocr_gateway: {exc}"
    pytest.fail(message, pytrace=False)  # outside the except block: no chained traceback


@pytest.fixture(scope="session")
def _ocr_gateway_session(pytestconfig: pytest.Config) -> Iterator[GatewaySession]:
    from mockserver.pytest_plugin.session import GatewaySession

    session: GatewaySession = _fail_on_error(GatewaySession, session_options(pytestconfig))
    yield session
    session.close()


@pytest.fixture
def ocr_gateway(request: pytest.FixtureRequest, _ocr_gateway_session: GatewaySession) -> Iterator[OcrGateway]:
    """A scripted AI Stats Gateway OCR endpoint: the session's mock, reset for this test."""
    options = options_for_test(_ocr_gateway_session.options, request.node)
    gateway: OcrGateway = _fail_on_error(cassettes.gateway_for, request, _ocr_gateway_session, options)
    _register(request.node, gateway)
    yield gateway
    gateway.close()


@pytest.fixture(scope="session")
def _ocr_cassette_host() -> Iterator[cassettes.RecordingHost]:
    """The event loop of the recording proxies (``--ocr-gateway-record``)."""
    host = cassettes.RecordingHost()
    yield host
    host.close()


class OcrGatewayFactory:
    """``ocr_gateway_factory(...)``: another gateway, with a mock of its own and custom settings."""

    def __init__(self, session: GatewaySession, item: pytest.Item) -> None:
        self._session = session
        self._item = item
        self._gateways: list[OcrGateway] = []

    def __call__(
        self,
        *,
        fixtures: str | Path | None = None,
        keys: tuple[str, ...] | list[str] = (),
        keys_file: str | Path | None = None,
        catalog: str | Path | None = None,
        journal_limit: int | None = None,
        strict: bool | None = None,
        allow_defaults: bool | None = None,
        seed: int | None = None,
        api_key: str | None = None,
    ) -> OcrGateway:
        """A new gateway: ``fixtures`` (a directory), ``keys`` (only these are accepted), ``keys_file``,
        ``catalog``, ``journal_limit``; strict mode, defaults and seed as the marker sets them."""
        options = options_for_test(self._session.options, self._item)
        changes: dict[str, Any] = {"strict": strict, "allow_defaults": allow_defaults, "seed": seed,
                                   "api_key": api_key}
        options = replace(options, **{key: value for key, value in changes.items() if value is not None})
        settings: dict[str, Any] = {"fixtures": fixtures, "keys": tuple(keys), "keys_file": keys_file,
                                    "catalog": catalog}
        if journal_limit is not None:
            settings["journal_limit"] = journal_limit
        name = f"ocr_gateway_factory() #{len(self._gateways) + 1}"
        gateway: OcrGateway = _fail_on_error(self._session.private_gateway, options, name, **settings)
        self._gateways.append(gateway)
        _register(self._item, gateway)
        return gateway

    def close(self) -> None:
        for gateway in self._gateways:
            gateway.close()


@pytest.fixture
def ocr_gateway_factory(request: pytest.FixtureRequest,
                        _ocr_gateway_session: GatewaySession) -> Iterator[OcrGatewayFactory]:
    """Makes extra gateways (each with its own mock and settings), stopped after the test."""
    factory = OcrGatewayFactory(_ocr_gateway_session, request.node)
    yield factory
    factory.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Strict mode: after a test that passed, its gateways must have been used exactly as scripted."""
    result = yield
    messages = [_strict_message(gateway) for gateway in item.stash.get(_GATEWAYS, []) if gateway.strict]
    failures = [message for message in messages if message]
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
    return result


def _strict_message(gateway: OcrGateway) -> str | None:
    try:
        gateway.verify()
    except AssertionError as exc:
        return str(exc)
    return None


__all__ = ["OcrGatewayFactory", "ocr_gateway", "ocr_gateway_factory"]
