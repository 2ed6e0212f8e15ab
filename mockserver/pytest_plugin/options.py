"""The plugin's settings: command line, environment and ini for the session; the ``ocr_gateway`` marker per
test. Precedence: marker, then command line, then environment, then ini."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from mockserver.gateway.release import RELEASE_ENV, UnknownRelease, release_name

DEFAULT_API_KEY = "aistats_v1_sk_pytest_ocrgateway"
MARKER = "ocr_gateway"
MARKER_HELP = (
    "ocr_gateway(fixtures=None, strict=None, allow_defaults=None, seed=None, release=None): this test's ocr_gateway: "
    "a fixtures directory (relative to the test file), strict mode, whether built-in default answers are allowed, "
    "the seed of scripted delay distributions, the gateway release imitated (2026-07, 2026-08)"
)
INTERCEPT_HELP = (
    "ocr_gateway(intercept=True): route this test's calls to https://api.phaseo.app/v1 (and the eu., us. and "
    "ocr_gateway_intercept_urls base URLs) into its ocr_gateway, from httpx, requests and urllib.request"
)
MARKER_KEYS = frozenset({"fixtures", "strict", "allow_defaults", "seed", "release", "intercept"})


@dataclass(frozen=True)
class GatewayOptions:
    url: str | None = None  # a running mock to drive through its admin API
    admin_token: str | None = None
    fixtures: Path | None = None
    strict: bool = True
    allow_defaults: bool = False
    seed: int | None = None
    api_key: str = DEFAULT_API_KEY
    release: str | None = None  # the gateway release; None: OCR_MOCK_GATEWAY_RELEASE, else the newest
    intercept: bool = False  # route calls to the gateway's public base URLs into the mock (intercept.py)
    intercept_urls: tuple[str, ...] = ()  # base URLs intercepted besides the public ones


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("ocr_gateway", "AI Stats OCR gateway mock (aistats-ocr-mock)")
    group.addoption("--ocr-gateway-url", metavar="URL",
                    help="drive this running mock (e.g. docker-compose) through its admin API instead of starting "
                         "one in-process [env OCR_GATEWAY_URL, ini ocr_gateway_url]")
    group.addoption("--ocr-gateway-admin-token", metavar="TOKEN",
                    help="the admin token of --ocr-gateway-url [env OCR_MOCK_ADMIN_TOKEN]")
    group.addoption("--ocr-gateway-fixtures", metavar="DIR", type=Path,
                    help="fixture files every test starts with [ini ocr_gateway_fixtures]")
    group.addoption("--ocr-gateway-strict", metavar="true|false", type=_bool,
                    help="fail a test on unused scripts and unmatched calls [ini ocr_gateway_strict, default true]")
    group.addoption("--ocr-gateway-release", metavar="NAME",
                    help="the gateway release the mock imitates (2026-07, 2026-08) [env OCR_MOCK_GATEWAY_RELEASE, "
                         "ini ocr_gateway_release, default 2026-08]")
    group.addoption("--ocr-gateway-coverage", metavar="term|json:PATH|html:PATH|off", action="append",
                    dest="ocr_gateway_coverage",
                    help="report the gateway outcomes the tests met (repeatable) [default: term]; off: not at all")
    group.addoption("--ocr-gateway-coverage-fail-under", metavar="PERCENT", type=float,
                    dest="ocr_gateway_coverage_fail_under",
                    help="fail the session when the tests met fewer of the gateway's outcomes than this")
    parser.addini("ocr_gateway_url", "a running mock to drive through its admin API", default=None)
    parser.addini("ocr_gateway_release", "the gateway release the mock imitates (2026-07, 2026-08)", default=None)
    parser.addini("ocr_gateway_fixtures", "fixture directory every test starts with (relative to this file)",
                  type="paths", default=[])
    parser.addini("ocr_gateway_strict", "fail a test on unused scripts and unmatched calls", type="bool",
                  default=True)
    parser.addini("ocr_gateway_allow_defaults", "let built-in default answers through strict mode", type="bool",
                  default=False)
    parser.addini("ocr_gateway_seed", "seed of scripted delay distributions that have none", default=None)
    parser.addini("ocr_gateway_api_key", "the key ocr_gateway.api_key holds", default=DEFAULT_API_KEY)
    parser.addini("ocr_gateway_intercept", "route calls to the gateway's public base URLs into the ocr_gateway of "
                  "each test that uses it", type="bool", default=False)
    parser.addini("ocr_gateway_intercept_urls", "more base URLs to intercept (one a line), e.g. "
                  "https://ocr-gateway.internal/v1", type="linelist", default=[])


def session_options(config: pytest.Config) -> GatewayOptions:
    fixture_dirs: list[Path] = config.getini("ocr_gateway_fixtures")
    strict = config.getoption("ocr_gateway_strict")
    seed = config.getini("ocr_gateway_seed")
    return GatewayOptions(
        url=config.getoption("ocr_gateway_url") or os.environ.get("OCR_GATEWAY_URL") or config.getini(
            "ocr_gateway_url") or None,
        admin_token=config.getoption("ocr_gateway_admin_token") or os.environ.get("OCR_MOCK_ADMIN_TOKEN"),
        fixtures=config.getoption("ocr_gateway_fixtures") or (fixture_dirs[0] if fixture_dirs else None),
        strict=strict if strict is not None else config.getini("ocr_gateway_strict"),
        allow_defaults=config.getini("ocr_gateway_allow_defaults"),
        seed=int(seed) if seed else None,
        api_key=config.getini("ocr_gateway_api_key"),
        release=_release(config.getoption("ocr_gateway_release") or os.environ.get(RELEASE_ENV)
                         or config.getini("ocr_gateway_release") or None),
        intercept=config.getini("ocr_gateway_intercept"),
        intercept_urls=tuple(config.getini("ocr_gateway_intercept_urls")),
    )


def _release(name: str | None) -> str | None:
    """A release name checked at session start (an unknown one is a usage error listing the known ones)."""
    if name is None:
        return None
    try:
        return release_name(name)
    except UnknownRelease as exc:
        raise pytest.UsageError(f"ocr_gateway: {exc}") from None


def options_for_test(session: GatewayOptions, node: pytest.Item) -> GatewayOptions:
    """The session's options with the test's ``ocr_gateway`` markers applied (the closest marker wins)."""
    options = session
    for marker in reversed(list(node.iter_markers(MARKER))):
        if marker.args or set(marker.kwargs) - MARKER_KEYS:
            raise pytest.UsageError(f"{node.nodeid}: @pytest.mark.ocr_gateway takes the keywords "
                                    f"{', '.join(sorted(MARKER_KEYS))}; got {marker.args} {marker.kwargs}")
        changes: dict[str, Any] = dict(marker.kwargs)
        if changes.get("release") is not None:
            changes["release"] = _release(changes["release"])
        if changes.get("fixtures") is not None:
            changes["fixtures"] = node.path.parent / changes["fixtures"]
        options = replace(options, **{key: value for key, value in changes.items() if value is not None})
    return options
