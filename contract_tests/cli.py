"""``ocr-mock contract``: run the conformance suite from the command line. Exit 0 pass, 1 findings, 2 bad usage.

This module imports only click and the option table, so ``ocr-mock serve`` does not pay for loading
schemathesis; the runner is imported when the command runs, and only with the ``[contract]`` extra installed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import extra
from .config import OPTIONS, Option, config_from

_TYPES: dict[str, Any] = {
    "str": str,
    "int": click.IntRange(min=0),
    "float": click.FloatRange(min=0, min_open=True),
    "decimal": str,
    "path": click.Path(dir_okay=False, path_type=Path),
    "list": str,
}


def _click_option(option: Option) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    if option.kind == "flag":
        return click.option(option.name, is_flag=True, default=False, help=option.help)
    return click.option(
        option.name,
        type=_TYPES[option.kind],
        default=None,
        help=option.help,
        metavar=option.metavar,
        multiple=option.kind == "list",
    )


def _with_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(OPTIONS):
        command = _click_option(option)(command)
    return command


@click.command("contract")
@_with_options
@click.option("--quiet", is_flag=True, help="No progress line")
def contract(quiet: bool, **values: Any) -> None:
    """Check a target (default: the in-process mock) against the gateway contract and report each departure."""
    if extra.missing():
        click.echo(f"ocr-mock contract: {extra.INSTALL_HINT}", err=True)
        raise SystemExit(2)
    from .reporting import write_reports
    from .reporting.console import ProgressLine, summary
    from .runner import run_suite
    from .safety import UnsafeTarget

    try:
        config = config_from(values)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    progress = None if quiet else ProgressLine()
    try:
        result = run_suite(config, progress=progress)
    except (UnsafeTarget, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        if progress is not None:
            progress.close()
    click.echo(summary(result))
    for path in write_reports(result, junit_xml=config.junit_xml, har=config.har, report=config.report):
        click.echo(f"wrote {path}")
    raise SystemExit(0 if result.passed else 1)
