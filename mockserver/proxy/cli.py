"""``ocr-mock proxy`` (serve the validating proxy) and ``ocr-mock deviations`` (report what a proxy found).

Exit codes of ``deviations``: 0 none, 1 deviations, 2 the proxy could not be asked.
"""

from __future__ import annotations

import logging
import os
import signal
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import FrameType

import click

from mockserver.gateway.release import DEFAULT_RELEASE, RELEASE_ENV, UnknownRelease, known_releases, release_name
from mockserver.proxy.config import DEFAULT_TARGET_TIMEOUT_S, ProxyConfig, RecordMode, key_from_env
from mockserver.settings import DEFAULT_JOURNAL_LIMIT
from mockserver.web.logline import LINE_FORMAT

LIVE_ENV = "OCR_CONTRACT_LIVE"  # contract_tests.config.LIVE_ENV: one switch for both commands


def _amount(ctx: click.Context, param: click.Parameter, value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"an amount in dollars, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise click.BadParameter(f"zero or more, got {value!r}")
    return amount


@click.command("proxy")
@click.option("--target", required=True, envvar="OCR_MOCK_PROXY_TARGET", metavar="URL",
              help="The gateway to forward to, e.g. https://api.phaseo.app/v1")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="OCR_MOCK_HOST")
@click.option("--port", default=8080, show_default=True, type=int, envvar="OCR_MOCK_PORT")
@click.option("--record", "record_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write the answers as fixture files here (one per model) for `ocr-mock serve --fixtures DIR`")
@click.option("--record-mode", type=click.Choice([mode.value for mode in RecordMode]), default=RecordMode.ONCE.value,
              show_default=True, help="once: a repeated request is recorded once; all: repeats become a sequence")
@click.option("--record-images", is_flag=True, help="Copy each image into DIR/images/ and match it by file "
                                                    "(default: only its SHA-256 is kept)")
@click.option("--api-key-env", metavar="NAME", help="Replace the client's bearer key with the key in this "
                                                    "environment variable (never the key itself)")
@click.option("--gateway-release", envvar=RELEASE_ENV, metavar="NAME",
              help=f"The release whose contract the answers are checked against ({', '.join(known_releases())}) "
                   f"[default: {DEFAULT_RELEASE}]")
@click.option("--target-timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TARGET_TIMEOUT_S,
              show_default=True, metavar="SECONDS", help="Seconds to wait for the target's answer")
@click.option("--live", is_flag=True, help=f"Allow a non-loopback (live, billed) target; also {LIVE_ENV}=1")
@click.option("--budget-usd", callback=_amount, metavar="USD",
              help="Stop forwarding billable requests once the answers' cost_nanos reach this [default: no cap]")
@click.option("--journal-limit", default=DEFAULT_JOURNAL_LIMIT, show_default=True, type=click.IntRange(min=1),
              help="Journal entries and deviations kept")
@click.option("--admin-token", envvar="OCR_MOCK_ADMIN_TOKEN",
              help="Token for /_mock/ (required when not bound to loopback)")
@click.option("--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning",
                                                                                  "error"]))
def proxy(target: str, host: str, port: int, record_dir: Path | None, record_mode: str, record_images: bool,
          api_key_env: str | None, gateway_release: str | None, target_timeout: float, live: bool,
          budget_usd: Decimal | None, journal_limit: int, admin_token: str | None, log_level: str) -> None:
    """Forward the gateway's routes to --target, check every answer against the contract, optionally record."""
    import uvicorn

    from contract_tests.safety import Target, UnsafeTarget
    from mockserver.cli import is_loopback
    from mockserver.proxy.app import create_proxy_app
    from mockserver.proxy.recording import Recorder

    logging.basicConfig(level=log_level.upper(), format=LINE_FORMAT)
    if log_level != "debug":  # the proxy logs each exchange itself; httpx would add a second line
        logging.getLogger("httpx").setLevel(logging.WARNING)
    if not is_loopback(host) and not admin_token:
        raise click.ClickException(f"--host {host} is reachable beyond this machine, so the admin API (/_mock/) "
                                   "needs a token: pass --admin-token or set OCR_MOCK_ADMIN_TOKEN")
    live = live or os.environ.get(LIVE_ENV, "").lower() in ("1", "true", "yes")
    try:
        parsed = Target.from_option(target)
        parsed.check_allowed(live)
        api_key = key_from_env(api_key_env)
        gateway_release = release_name(gateway_release)
    except UnknownRelease as exc:
        raise click.BadParameter(str(exc), param_hint="--gateway-release") from None
    except (UnsafeTarget, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    config = ProxyConfig(target=parsed, api_key=api_key, record_dir=record_dir, record_mode=RecordMode(record_mode),
                         record_images=record_images, target_timeout_s=target_timeout, budget_usd=budget_usd,
                         release=gateway_release, journal_limit=journal_limit, admin_token=admin_token)
    recorder = None
    if record_dir is not None:
        recorder = Recorder.directory(record_dir, mode=config.record_mode,
                                      images_dir=record_dir / "images" if record_images else None,
                                      source=config.target_url, secrets=config.secrets())
    app = create_proxy_app(config, recorder)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    click.echo(f"ocr-mock proxy: forwarding to {config.target_url} (release {gateway_release})"
               + (f", recording into {record_dir}" if record_dir else ""), err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, server_header=False,
                proxy_headers=False)


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


@click.command("deviations")
@click.option("--url", required=True, metavar="URL", help="The running proxy's root URL, e.g. http://127.0.0.1:8080")
@click.option("--admin-token", envvar="OCR_MOCK_ADMIN_TOKEN", help="The proxy's admin token, if it has one")
@click.option("--junit-xml", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              help="Write a JUnit XML report here")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              help="Write a one-page report here (.md for Markdown, .html for HTML)")
def deviations(url: str, admin_token: str | None, junit_xml: Path | None, report: Path | None) -> None:
    """Report the deviations a running `ocr-mock proxy` has seen; exit 1 when there is any."""
    import httpx

    from contract_tests.reporting import write_reports
    from contract_tests.reporting.console import summary
    from mockserver.proxy.report import run_result

    headers = {"X-Mock-Admin-Token": admin_token} if admin_token else {}
    try:
        with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=30, trust_env=False) as client:
            found = client.get("/_mock/deviations")
            found.raise_for_status()
            journal = client.get("/_mock/requests")
            journal.raise_for_status()
            health = client.get("/_mock/health")
            health.raise_for_status()
    except httpx.HTTPError as exc:
        click.echo(f"ocr-mock deviations: could not ask the proxy at {url}: {exc}", err=True)
        raise SystemExit(2) from None
    result = run_result(found.json(), journal.json()["requests"], health.json())
    click.echo(summary(result))
    for path in write_reports(result, junit_xml=junit_xml, report=report):
        click.echo(f"wrote {path}")
    raise SystemExit(0 if result.passed else 1)
