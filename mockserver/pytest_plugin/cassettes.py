"""Cassettes, VCR style: a test marked ``@pytest.mark.ocr_cassette`` records the real gateway's answers once
and replays them afterwards, with no network and no key.

- ``pytest --ocr-gateway-record=URL``: the test's ``ocr_gateway`` is an ``ocr-mock proxy`` on the loopback in
  front of URL, with the key from ``--ocr-gateway-record-key-env`` (default ``PHASEO_API_KEY``) in place of
  the test's own; what it answers is written to ``<test dir>/ocr_cassettes/<module>/<test>.yaml``. Naming the
  URL on the command line is the consent a live target needs (the conformance suite's ``--live``).
- plain ``pytest``: the cassette is loaded into the test's mock as a fixture file. In strict mode a request
  no recording matches fails the test, naming the nearest recordings and the fields that differ.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the plugin imports nothing heavy until a test asks for a gateway
    from mockserver.pytest_plugin.backends import ScriptError
    from mockserver.pytest_plugin.gateway import OcrGateway
    from mockserver.pytest_plugin.options import GatewayOptions
    from mockserver.pytest_plugin.session import GatewaySession

Json = dict[str, Any]

MARKER = "ocr_cassette"
MARKER_HELP = (f"{MARKER}: record this test's gateway answers (pytest --ocr-gateway-record=URL) into "
               "ocr_cassettes/<module>/<test>.yaml next to the test, and replay them otherwise")
DEFAULT_KEY_ENV = "PHASEO_API_KEY"
CASSETTES = "ocr_cassettes"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("ocr_gateway")
    group.addoption("--ocr-gateway-record", metavar="URL",
                    help=f"record the answers of the gateway at URL (e.g. https://api.phaseo.app/v1) into the "
                         f"cassettes of the tests marked {MARKER}")
    group.addoption("--ocr-gateway-record-key-env", metavar="NAME", default=DEFAULT_KEY_ENV,
                    help=f"the environment variable holding the key used while recording [default {DEFAULT_KEY_ENV}]")


def cassette_path(item: pytest.Item) -> Path:
    return item.path.parent / CASSETTES / item.path.stem / f"{_UNSAFE.sub('_', item.name).strip('_')}.yaml"


def marked(item: pytest.Item) -> bool:
    return item.get_closest_marker(MARKER) is not None


def recording_url(config: pytest.Config) -> str | None:
    url: str | None = config.getoption("ocr_gateway_record", None)
    return url


@dataclass
class ProxyBackend:
    """The plugin's ``Backend`` over a proxy: the calls are the proxy's journal; nothing can be scripted."""

    server: Any  # hosting.LoopbackServer
    proxy: Any  # mockserver.proxy.app.Proxy
    recorder: Any  # mockserver.proxy.recording.Recorder
    cassette: Path
    ocr_models: list[str] | None = None

    @property
    def url(self) -> str:
        url: str = self.server.url
        return url

    @property
    def in_process_url(self) -> str:
        return self.url

    @property
    def transport(self) -> Any:
        import httpx

        return httpx.HTTPTransport()

    @property
    def async_transport(self) -> Any:
        import httpx

        return httpx.AsyncHTTPTransport()

    @property
    def socket_transport(self) -> Any:
        return self.transport

    def _refuse(self, what: str) -> ScriptError:
        from mockserver.pytest_plugin.backends import ScriptError

        return ScriptError(f"{what}: while recording {self.cassette.name}, the real gateway answers; a cassette "
                           "test does not script it")

    def add_script(self, spec: Mapping[str, Any]) -> Json:
        raise self._refuse("add()")

    def scripts(self) -> list[Json]:
        return []

    def put_keys(self, records: Sequence[Mapping[str, Any]]) -> None:
        raise self._refuse("key()")

    def accounts(self) -> list[Json]:
        return []

    def journal(self) -> list[Json]:
        return [entry.to_json() for entry in self.proxy.journal.entries()]

    def set_default(self, model: str, step: Mapping[str, Any]) -> None:
        raise self._refuse("a default")

    def coverage(self) -> Json:
        """No outcome coverage while recording: the real gateway answered, not the mock."""
        return {"outcomes": [], "uncatalogued": []}

    def reset(self, *, keep_coverage: bool = False) -> None:
        self.proxy.journal.clear()

    def release(self) -> None:
        self.recorder.ensure_file(self.cassette)
        self.server.stop()


class RecordingHost:
    """The session's event loop for the recording proxies (one proxy per test, each with its cassette)."""

    def __init__(self) -> None:
        from mockserver.pytest_plugin.hosting import LoopThread

        self.loop = LoopThread()

    def gateway(self, item: pytest.Item, options: GatewayOptions, url: str, key_env: str) -> OcrGateway:
        from contract_tests.safety import Target
        from mockserver.proxy.app import create_proxy_app
        from mockserver.proxy.config import ProxyConfig, key_from_env
        from mockserver.proxy.recording import Recorder
        from mockserver.pytest_plugin.backends import ScriptError
        from mockserver.pytest_plugin.gateway import OcrGateway
        from mockserver.pytest_plugin.hosting import LoopbackServer

        try:
            key = key_from_env(key_env)
            target = Target.from_option(url)
        except ValueError as exc:
            raise ScriptError(f"--ocr-gateway-record: {exc}") from None
        config = ProxyConfig(target=target, api_key=key)
        path = cassette_path(item)
        path.unlink(missing_ok=True)  # recording again replaces the test's cassette
        recorder = Recorder.cassette(path, source=target.label, secrets=config.secrets())
        app = create_proxy_app(config, recorder)
        backend = ProxyBackend(LoopbackServer(app, self.loop), app.state.proxy, recorder, path)
        return OcrGateway(backend, name=f"ocr_gateway (recording {path.name})", api_key=options.api_key,
                          strict=False)

    def close(self) -> None:
        self.loop.close()


def gateway_for(request: pytest.FixtureRequest, session: GatewaySession, options: GatewayOptions) -> OcrGateway:
    """The test's ``ocr_gateway``: the session's mock (with the test's cassette when it is marked), or, when
    recording a marked test, a proxy in front of the real gateway."""
    item = request.node
    url = recording_url(request.config) if marked(item) else None
    if url is not None:
        host: RecordingHost = request.getfixturevalue("_ocr_cassette_host")
        return host.gateway(item, options, url, request.config.getoption("ocr_gateway_record_key_env"))
    gateway = session.gateway(options)
    if marked(item):
        replay(item, gateway)
    return gateway


def replay(item: pytest.Item, gateway: OcrGateway) -> None:
    """Load the test's cassette into its gateway; a missing cassette is an error, not a silent default."""
    from mockserver.pytest_plugin.backends import ScriptError

    path = cassette_path(item)
    if not path.is_file():
        raise ScriptError(f"no cassette for this test at {path}: record it once with "
                          "pytest --ocr-gateway-record=URL (the key in $PHASEO_API_KEY)")
    gateway.add_fixture_file(path)
