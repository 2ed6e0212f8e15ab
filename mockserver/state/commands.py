"""``ocr-mock state``: a shared store (``sqlite:///PATH``, ``redis://HOST:PORT/DB``) from the command line,
through the same admin service as ``/_mock/``. A Redis outlives the mocks that use it: this empties what a
previous run left there, or shows it, without starting a mock."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from mockserver.mock import Mock
from mockserver.resources import fixtures_dir
from mockserver.scripting.loader import FixtureError
from mockserver.settings import Settings
from mockserver.state.stores import StoreUnavailable

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


def _store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say which store and namespace, and what a reset restores (as ``serve`` has them)."""
    for option in reversed([
        click.option("--state", "url", required=True, envvar="OCR_MOCK_STATE",
                     help="sqlite:///PATH or redis://HOST:PORT/DB"),
        click.option("--state-namespace", envvar="OCR_MOCK_STATE_NAMESPACE",
                     help="[default: derived from the fixtures directory, as serve does]"),
        click.option("--fixtures", type=_DIR, envvar="OCR_MOCK_FIXTURES",
                     help="Fixtures directory [default: the bundled fixtures]"),
        click.option("--no-fixtures", is_flag=True, help="The mocks serve without fixture files"),
        click.option("--keys", "keys_file", type=_FILE, envvar="OCR_MOCK_KEYS", help="YAML file of accepted keys"),
        click.option("--key", "keys", multiple=True, envvar="OCR_MOCK_KEY", help="An accepted key (repeatable)"),
    ]):
        command = option(command)
    return command


def _mock(url: str, state_namespace: str | None, fixtures: Path | None, no_fixtures: bool, keys_file: Path | None,
          keys: tuple[str, ...]) -> Mock:
    settings = Settings(state=url, state_namespace=state_namespace, keys_file=keys_file, keys=keys,
                        fixtures=None if no_fixtures else (fixtures or fixtures_dir()))
    try:
        return Mock(settings)
    except (FixtureError, OSError, ValueError, StoreUnavailable) as exc:
        raise click.ClickException(str(exc)) from None


@click.group("state")
def state() -> None:
    """Work with a shared state store without a running mock."""


@state.command("reset")
@_store_options
def reset(**options: Any) -> None:
    """Scripts, journal and key accounts back to the files, as POST /_mock/reset does (for every replica)."""
    mock = _mock(**options)
    mock.admin.reset()
    click.echo(f"{mock.state.connection.description}: reset")


@state.command("show")
@_store_options
def show(**options: Any) -> None:
    """The store's health, scripts (with their calls) and key accounts, as JSON."""
    mock = _mock(**options)
    up, health = mock.admin.health()
    document = {"health": health, "scripts": mock.admin.scripts() if up else None,
                "keys": mock.admin.keys() if up else None}
    click.echo(json.dumps(document, indent=2))
    if not up:
        raise SystemExit(1)
