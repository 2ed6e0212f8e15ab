"""The pytest plugin (entry point ``pytest11: ocr_gateway``): the ``ocr_gateway`` and ``ocr_gateway_factory``
fixtures, the ``ocr_gateway`` marker, the options, strict mode's check after each test, and the outcome
coverage of the session (``coverage``).

Nothing heavy is imported until a test asks for a gateway, so installing the package costs other test
suites nothing.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mockserver.pytest_plugin import cassettes, coverage
from mockserver.pytest_plugin.options import (
    INTERCEPT_HELP,
    MARKER_HELP,
    add_options,
    options_for_test,
    session_options,
)

if TYPE_CHECKING:
    from mockserver.pytest_plugin.gateway import OcrGateway
    from mockserver.pytest_plugin.session import GatewaySession

_GATEWAYS = pytest.StashKey[list["OcrGateway"]]()
_PACKAGE = __name__.split(".")[0]


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    add_options(parser)
    cassettes.add_options(parser)
    _leave_the_mock_unrewritten(pluginmanager)


def _leave_the_mock_unrewritten(pluginmanager: pytest.PytestPluginManager) -> None:
    """pytest rewrites the asserts of every module of a distribution with a ``pytest11`` entry point, so the whole
    mock (``mockserver.*``) would be parsed and rewritten when a test first asks for the fixture: about 100 ms of
    the session start wherever the rewritten bytecode is not cached (``PYTHONDONTWRITEBYTECODE``, read-only
    site-packages), and nothing gained, since no test reads the mock's internal asserts. pytest has no public way
    to unmark a package, so this takes ``mockserver`` out of its set of marked names when that set is there as
    expected, and otherwise leaves pytest alone. Test files and conftests are rewritten as always."""
    hook = getattr(pluginmanager, "rewrite_hook", None)
    marked = getattr(hook, "_must_rewrite", None)
    decided = getattr(hook, "_marked_for_rewrite_cache", None)
    if isinstance(marked, set) and isinstance(decided, dict):
        marked.discard(_PACKAGE)
        for name in [name for name in decided if name == _PACKAGE or name.startswith(f"{_PACKAGE}.")]:
            del decided[name]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    config.addinivalue_line("markers", cassettes.MARKER_HELP)
    config.addinivalue_line("markers", INTERCEPT_HELP)
    coverage.configure(config)


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
    if options.intercept:
        _fail_on_error(gateway.intercept, options.intercept_urls)
    yield gateway
    coverage.record(request.config, request.node.nodeid, gateway)
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
            coverage.record(self._item.config, self._item.nodeid, gateway)
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
    """After the test: what a callback raised fails it (with the callback's traceback), and so does a call to an
    intercepted URL that the mock does not serve; then strict mode: after a test that passed, its gateways must
    have been used exactly as scripted."""
    gateways = item.stash.get(_GATEWAYS, [])
    try:
        result = yield
    except BaseException as failure:  # pytest's outcomes (fail, skip) are BaseExceptions too
        if not isinstance(failure, KeyboardInterrupt | SystemExit):
            _raise_gateway_errors(gateways, failure)
        raise
    _raise_gateway_errors(gateways, None)
    messages = [_strict_message(gateway) for gateway in gateways if gateway.strict]
    failures = [message for message in messages if message]
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
    return result


def _raise_gateway_errors(gateways: list[OcrGateway], failure: BaseException | None) -> None:
    """The first callback exception, re-raised (its traceback shows the callback's own lines); or the calls the
    interception refused. A test that failed on its own keeps its failure as the cause."""
    errors = [error for gateway in gateways for error in gateway.callback_errors()]
    if errors:
        for other in errors[1:]:
            errors[0].add_note(f"another callback call raised: {other!r}")
        raise errors[0] from failure
    refused = [call for gateway in gateways for call in gateway.refused_calls()]
    if refused:
        message = "ocr_gateway: " + "\n".join(refused)
        if failure is not None:
            message += f"\n(the test failed too: {failure!r})"
        pytest.fail(message, pytrace=False)


def _strict_message(gateway: OcrGateway) -> str | None:
    try:
        gateway.verify()
    except AssertionError as exc:
        return str(exc)
    return None


__all__ = ["OcrGatewayFactory", "ocr_gateway", "ocr_gateway_factory"]
