"""The ``ocr-mock`` command line."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import FrameType

import click
import uvicorn

from .app import Settings, create_app
from .resources import fixtures_dir

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "OCR_MOCK"})
@click.version_option(package_name="aistats-ocr-mock")
def main() -> None:
    """A mock of the AI Stats Gateway OCR endpoint (POST /v1/ocr)."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="OCR_MOCK_HOST")
@click.option("--port", default=8080, show_default=True, type=int, envvar="OCR_MOCK_PORT")
@click.option("--spec", type=_FILE, envvar="OCR_MOCK_SPEC", help="OpenAPI document [default: the bundled one]")
@click.option("--fixtures", type=_DIR, envvar="OCR_MOCK_FIXTURES",
              help="Fixtures directory [default: the bundled fixtures]")
@click.option("--catalog", type=_FILE, envvar="OCR_MOCK_CATALOG",
              help="Model catalog YAML [default: the bundled catalog]")
@click.option("--keys", "keys_file", type=_FILE, envvar="OCR_MOCK_KEYS",
              help="YAML file of accepted keys; without keys every well-formed key is accepted")
@click.option("--key", "keys", multiple=True, envvar="OCR_MOCK_KEY",
              help="An accepted key (repeatable; env: space-separated)")
@click.option("--log-level", default="info", show_default=True, envvar="OCR_MOCK_LOG_LEVEL",
              type=click.Choice(["debug", "info", "warning", "error"]))
def serve(
    host: str,
    port: int,
    spec: Path | None,
    fixtures: Path | None,
    catalog: Path | None,
    keys_file: Path | None,
    keys: tuple[str, ...],
    log_level: str,
) -> None:
    """Serve the mock gateway (POST /v1/ocr) until interrupted or sent SIGTERM."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    _skip_unused_log_record_fields()
    settings = Settings(
        spec=spec, catalog=catalog, keys_file=keys_file, keys=keys, fixtures=fixtures or fixtures_dir()
    )
    try:
        app = create_app(settings)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    # uvicorn shuts down gracefully on SIGTERM (in-flight requests finish) and then re-raises the
    # signal to the handler that was installed before it: ours ends the process with status 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    # proxy_headers off: the mock never reads the client address or scheme that X-Forwarded-* would rewrite,
    # and the middleware costs a few microseconds on every request.
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, lifespan="off", proxy_headers=False)


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
