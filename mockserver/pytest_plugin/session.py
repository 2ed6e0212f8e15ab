"""One test session's gateways: the shared in-process mocks (one per fixtures directory, reset before each
test) or the remote mock of ``--ocr-gateway-url``; and the private mocks of ``ocr_gateway_factory``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mockserver.pytest_plugin.backends import Backend, LocalBackend, RemoteBackend, ScriptError
from mockserver.pytest_plugin.gateway import OcrGateway
from mockserver.pytest_plugin.hosting import HostPool
from mockserver.pytest_plugin.options import GatewayOptions
from mockserver.scripting.loader import FixtureError, fixture_files
from mockserver.settings import Settings


class GatewaySession:
    def __init__(self, options: GatewayOptions) -> None:
        self.options = options
        self._pool = HostPool()
        self._remote: RemoteBackend | None = None
        if options.url:
            workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
            if workers > 1:
                raise ScriptError(f"--ocr-gateway-url: {workers} xdist workers would share one mock and reset each "
                                  "other's scripts; run these tests with -n0 (or give each worker its own mock)")
            self._remote = RemoteBackend(options.url, options.admin_token)
            self._remote.check()

    def _local(self, settings: Settings, *, private: bool) -> LocalBackend:
        try:
            host = self._pool.private(settings) if private else self._pool.shared(settings)
        except FixtureError as exc:
            raise ScriptError(f"the fixtures in {settings.fixtures} have problems:\n{exc}") from None
        return LocalBackend(host, owned=private)

    def gateway(self, options: GatewayOptions) -> OcrGateway:
        """The test's ``ocr_gateway``: the session's mock, reset, with the test's fixture files."""
        backend: Backend
        if self._remote is not None:
            backend = self._remote
            if options.release is not None:  # a running mock serves one release: say so if it is another
                self._remote.check(options.release)
        else:
            settings = Settings(fixtures=_directory(options.fixtures), gateway_release=options.release)
            backend = self._local(settings, private=False)
        backend.reset()
        gateway = _gateway(backend, options)
        directory = _directory(options.fixtures)
        if self._remote is not None and directory is not None:
            for path in fixture_files(directory):
                gateway.add_fixture_file(path)
        return gateway

    def private_gateway(self, options: GatewayOptions, name: str, **settings: Any) -> OcrGateway:
        """A new mock of its own (``ocr_gateway_factory``), in this process whatever the session's mode."""
        keys = tuple(settings.pop("keys", ()) or ())
        for key in ("fixtures", "keys_file", "catalog", "spec"):
            if settings.get(key) is not None:
                settings[key] = Path(settings[key])
        fixtures = settings.pop("fixtures", options.fixtures)
        settings.setdefault("gateway_release", options.release)
        backend = self._local(Settings(keys=keys, fixtures=fixtures, **settings), private=True)
        api_key = keys[0] if keys and options.api_key not in keys else options.api_key
        return _gateway(backend, options, name=name, api_key=api_key)

    def close(self) -> None:
        self._pool.close()
        if self._remote is not None:
            self._remote.close()


def _directory(path: Path | None) -> Path | None:
    if path is not None and not path.is_dir():
        raise ScriptError(f"the ocr_gateway fixtures directory {path} does not exist")
    return path.resolve() if path is not None else None


def _gateway(backend: Backend, options: GatewayOptions, *, name: str = "ocr_gateway",
             api_key: str | None = None) -> OcrGateway:
    return OcrGateway(backend, name=name, api_key=api_key or options.api_key, strict=options.strict,
                      allow_defaults=options.allow_defaults, seed=options.seed)
