"""The ``ocr-mock`` command line."""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
import signal
import sys
import tempfile
from functools import partial
from pathlib import Path
from types import FrameType

import click
import uvicorn

from contract_tests.cli import contract
from mockserver.gateway.release import DEFAULT_RELEASE, RELEASE_ENV, UnknownRelease, known_releases, release_name
from mockserver.mock import Mock
from mockserver.proxy.cli import deviations, proxy
from mockserver.resources import fixtures_dir
from mockserver.scripting.loader import FixtureError
from mockserver.settings import DEFAULT_JOURNAL_LIMIT, DEFAULT_MAX_BODY_BYTES, Settings
from mockserver.state.commands import state as state_commands
from mockserver.state.opening import MEMORY, check_state_url, sqlite_path, sqlite_url
from mockserver.state.stores import StoreUnavailable
from mockserver.web.app import create_app
from mockserver.web.logline import LINE_FORMAT

_option = partial(click.option, show_envvar=True)  # serve --help shows each option's environment variable
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _BadUsage(click.ClickException):
    exit_code = 2  # as click's own option errors


def _port(value: int) -> int:
    """A TCP port; anything else is refused in one line (click's range error comes with the usage text)."""
    if not 0 <= value <= 65535:
        raise _BadUsage(f"--port {value}: a port is a number from 0 to 65535 (0 picks a free one)")
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aistats-ocr-mock")
def main() -> None:
    """A mock of the Phaseo (AI Stats) Gateway OCR endpoint (POST /v1/ocr), release by release."""


@main.command()
@_option("--host", default="127.0.0.1", show_default=True, envvar="OCR_MOCK_HOST")
@_option("--port", default=8080, show_default=True, type=int, envvar="OCR_MOCK_PORT",
              callback=lambda ctx, param, value: _port(value), help="0: any free port")
@_option("--spec", type=_FILE, envvar="OCR_MOCK_SPEC", help="OpenAPI document [default: the bundled one]")
@_option("--fixtures", type=_DIR, envvar="OCR_MOCK_FIXTURES",
              help="Fixtures directory [default: the bundled fixtures]")
@_option("--no-fixtures", is_flag=True, help="Serve without fixture files (built-in default answers only)")
@_option("--reload", "reload_fixtures", is_flag=True, envvar="OCR_MOCK_RELOAD",
              help="Reload the fixtures when a file changes")
@_option("--catalog", type=_FILE, envvar="OCR_MOCK_CATALOG",
              help="Model catalog YAML [default: the bundled catalog]")
@_option("--keys", "keys_file", type=_FILE, envvar="OCR_MOCK_KEYS",
              help="YAML file of accepted keys; without keys every well-formed key is accepted")
@_option("--key", "keys", multiple=True, envvar="OCR_MOCK_KEY",
              help="An accepted key (repeatable; env: space-separated)")
@_option("--journal-limit", default=DEFAULT_JOURNAL_LIMIT, show_default=True, type=click.IntRange(min=1),
              envvar="OCR_MOCK_JOURNAL_LIMIT", help="Journal entries kept (the oldest are dropped)")
@_option("--max-body-bytes", default=DEFAULT_MAX_BODY_BYTES, show_default=True, type=click.IntRange(min=1),
              envvar="OCR_MOCK_MAX_BODY_BYTES", help="Larger request bodies get 413 payload_too_large")
@_option("--gateway-release", envvar=RELEASE_ENV, metavar="NAME",
         help=f"The gateway release to imitate ({', '.join(known_releases())}) [default: {DEFAULT_RELEASE}]")
@_option("--admin-token", envvar="OCR_MOCK_ADMIN_TOKEN",
              help="Token for /_mock/ (required when not bound to loopback)")
@_option("--log-level", default="info", show_default=True, envvar="OCR_MOCK_LOG_LEVEL",
              type=click.Choice(["debug", "info", "warning", "error"]))
@_option("--workers", default=1, show_default=True, type=click.IntRange(min=1), envvar="OCR_MOCK_WORKERS",
         help="Worker processes; with more than one and --state memory, the state is in a temporary SQLite file")
@_option("--state", "state", default=MEMORY, show_default=True, envvar="OCR_MOCK_STATE",
         help="Where scripts, keys and the journal live: memory, sqlite:///PATH (emptied at start) or "
              "redis://HOST:PORT/DB (shared by replicas on many machines; joined, not emptied)")
@_option("--state-file", type=click.Path(dir_okay=False, path_type=Path), envvar="OCR_MOCK_STATE_FILE",
         help="Same as --state sqlite:///PATH")
@_option("--state-namespace", envvar="OCR_MOCK_STATE_NAMESPACE",
         help="Key prefix in a shared Redis [default: derived from the fixtures directory]")
def serve(
    host: str,
    port: int,
    spec: Path | None,
    fixtures: Path | None,
    no_fixtures: bool,
    reload_fixtures: bool,
    catalog: Path | None,
    keys_file: Path | None,
    keys: tuple[str, ...],
    journal_limit: int,
    max_body_bytes: int,
    gateway_release: str | None,
    admin_token: str | None,
    log_level: str,
    workers: int,
    state: str,
    state_file: Path | None,
    state_namespace: str | None,
) -> None:
    """Serve the mock gateway (POST /v1/ocr) until interrupted or sent SIGTERM."""
    logging.basicConfig(level=log_level.upper(), format=LINE_FORMAT)
    _skip_unused_log_record_fields()
    if not is_loopback(host) and not admin_token:
        raise click.ClickException(
            f"--host {host} is reachable beyond this machine, so the admin API (/_mock/) needs a token: "
            "pass --admin-token or set OCR_MOCK_ADMIN_TOKEN"
        )
    fixture_dir = None if no_fixtures else (fixtures or fixtures_dir())
    settings = Settings(spec=spec, catalog=catalog, keys_file=keys_file, keys=keys, fixtures=fixture_dir,
                        journal_limit=journal_limit, admin_token=admin_token, max_body_bytes=max_body_bytes,
                        state=_state_url(state, state_file), state_namespace=state_namespace,
                        gateway_release=_release(gateway_release))
    if workers > 1 or settings.state != MEMORY:
        if reload_fixtures:
            raise click.UsageError("--reload works with one worker and in-memory state only")
        _serve_shared(settings, workers, host=host, port=port, log_level=log_level)
        return
    mock = _build(settings)
    app = create_app(mock=mock)
    if reload_fixtures and fixture_dir is not None:
        from mockserver.mock import watch_fixtures

        watch_fixtures(mock, fixture_dir)
    # uvicorn shuts down gracefully on SIGTERM (in-flight requests finish) and then re-raises the
    # signal to the handler that was installed before it: ours ends the process with status 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    _settle_heap()
    # proxy_headers off: the mock never reads the client address or scheme that X-Forwarded-* would rewrite,
    # and the middleware costs a few microseconds on every request.
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, lifespan="off",
                http=_http_protocol(), server_header=False, proxy_headers=False)


def _state_url(state: str, state_file: Path | None) -> str:
    """``--state``, or ``--state-file`` (its alias for SQLite); both at once only if they agree."""
    if state_file is not None:
        if state not in (MEMORY, sqlite_url(state_file)):
            raise click.UsageError(f"--state-file {state_file} and --state {state} name two stores: pass one")
        return sqlite_url(state_file)
    try:
        return check_state_url(state)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--state") from None


def _serve_shared(settings: Settings, workers: int, *, host: str, port: int, log_level: str) -> None:
    """Serve with the state in a shared store: N worker processes, or one (a replica, or to measure the store).
    A SQLite file is emptied at start; Redis is joined as it is (other replicas may be serving from it)."""
    from mockserver.web.workers import FACTORY, SETTINGS_ENV, settings_to_env

    _build(dataclasses.replace(settings, state=MEMORY))  # a broken fixture set stops us here, before any worker
    with tempfile.TemporaryDirectory(prefix="ocr-mock-") as scratch:
        if settings.state == MEMORY:
            settings = dataclasses.replace(settings, state=sqlite_url(Path(scratch) / "state.sqlite3"))
        path = sqlite_path(settings.state)
        if path is not None:
            from mockserver.state.sqlite.database import SharedDatabase

            database = SharedDatabase(path)
            database.wipe()
            database.close()
        signal.signal(signal.SIGTERM, _exit_cleanly)
        if workers == 1:
            app = create_app(mock=_build(settings))
            _settle_heap()
            uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, lifespan="off",
                        http=_http_protocol(), server_header=False, proxy_headers=False)
            return
        _build(settings).state.connection.close()  # an unreachable store stops us here, before any worker
        os.environ[SETTINGS_ENV] = settings_to_env(settings, log_level)
        uvicorn.run(FACTORY, factory=True, workers=workers, host=host, port=port, log_level=log_level,
                    access_log=False, lifespan="off", http=_http_protocol(), server_header=False,
                    proxy_headers=False)


def _release(name: str | None) -> str:
    """The release to imitate, refused at start when unknown (with the known ones)."""
    try:
        return release_name(name)
    except UnknownRelease as exc:
        raise click.BadParameter(str(exc), param_hint="--gateway-release") from None


def _build(settings: Settings) -> Mock:
    try:
        return Mock(settings)
    except FixtureError as exc:
        raise click.ClickException(f"the fixtures or keys have problems:\n{exc}") from None
    except (OSError, ValueError, StoreUnavailable) as exc:
        raise click.ClickException(str(exc)) from None


def _settle_heap() -> None:
    from mockserver.web.serving import settle_heap

    settle_heap()


def _http_protocol() -> type:
    from mockserver.web.serving import TransportExposingProtocol

    return TransportExposingProtocol


def _skip_unused_log_record_fields() -> None:
    """The log format shows no caller, thread or process: don't collect them for every request's line.

    These are the switches the logging HOWTO ("Optimization") documents; together they take a third
    off each per-request log line.
    """
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


@main.group()
def fixtures() -> None:
    """Work with fixture files."""


@fixtures.command("check")
@click.argument("paths", type=click.Path(exists=True, path_type=Path), nargs=-1)
@click.option("--catalog", type=_FILE, envvar="OCR_MOCK_CATALOG", help="Model catalog YAML")
@click.option("--spec", type=_FILE, envvar="OCR_MOCK_SPEC", help="OpenAPI document")
@click.option("--gateway-release", envvar=RELEASE_ENV, metavar="NAME",
              help=f"Check the answers as this release renders them [default: {DEFAULT_RELEASE}]")
def fixtures_check(
    paths: tuple[Path, ...], catalog: Path | None, spec: Path | None, gateway_release: str | None
) -> None:
    """Check fixture directories or files [default: the bundled fixtures]: every problem, by file, with its line,
    entry and field; the rendered answers validated against the selected release's document."""
    release = _release(gateway_release)
    mock = _build(Settings(fixtures=None, catalog=catalog, spec=spec, gateway_release=release))
    total = 0
    for path in paths or (fixtures_dir(),):
        checked, problems = mock.check_fixtures(path)
        for source in dict.fromkeys(problem.source for problem in problems):
            mine = [problem for problem in problems if problem.source == source]
            click.echo(f"{source}: {len(mine)} problem{'s' if len(mine) != 1 else ''}", err=True)
            for problem in sorted(mine, key=lambda problem: problem.line or 0):
                click.echo(f"  {problem}", err=True)
        total += len(problems)
        if not problems:
            click.echo(f"{path} (gateway release {release}): {len(checked.files)} files, {len(checked.scripts)} "
                       f"scripts, {len(checked.defaults)} defaults, {len(checked.keys)} keys: ok")
        else:
            click.echo(f"{len(problems)} problem(s) in {path}", err=True)
    if total:
        sys.exit(1)


@main.command()
@click.option("--target", required=True, envvar="OCR_GATEWAY_URL", help="The running mock's root URL")
@click.option("--admin-token", envvar="OCR_MOCK_ADMIN_TOKEN", help="The mock's admin token, if it has one")
@click.option("--json", "as_json", is_flag=True, help="Print the /_mock/coverage document instead of the table")
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PERCENT",
              help="Exit with status 2 when fewer outcomes than this were met")
def coverage(target: str, admin_token: str | None, as_json: bool, fail_under: float | None) -> None:
    """The gateway outcomes a running mock has answered since its last reset: the table the pytest plugin
    prints, with the number of requests for each outcome, then the outcomes nothing met."""
    import httpx

    from mockserver.coverage.tally import document_lines, format_table

    headers = {"X-Mock-Admin-Token": admin_token} if admin_token else {}
    try:
        response = httpx.get(f"{target.rstrip('/')}/_mock/coverage", headers=headers, timeout=30, trust_env=False)
    except httpx.HTTPError as exc:
        raise click.ClickException(f"the mock at {target} is not reachable: {exc}") from None
    if response.status_code != 200:
        raise click.ClickException(f"GET {target}/_mock/coverage answered {response.status_code}: {response.text}")
    document = response.json()
    if as_json:
        click.echo(response.text)
    else:
        met, unmet = document_lines(document)
        for line in format_table(met, unmet, document["covered"], document["total"], with_tests=False):
            click.echo(line)
    if fail_under is not None and document["percent"] < fail_under:
        click.echo(f"FAIL Required OCR gateway outcome coverage of {fail_under:g}% not reached: "
                   f"{document['percent']:.1f}%", err=True)
        sys.exit(2)


main.add_command(contract)
main.add_command(state_commands)
main.add_command(proxy)
main.add_command(deviations)
