"""The run's options, declared once for both front ends: ``ocr-mock contract`` (click) and pytest."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

PHASES = ("examples", "coverage", "positive", "negative")
LIVE_ENV = "OCR_CONTRACT_LIVE"  # set to 1 to allow a non-loopback target, like --live


@dataclass(frozen=True)
class RunConfig:
    target: str | None = None
    live: bool = False
    api_key_env: str | None = None
    max_examples: int = 100
    seed: int | None = None
    workers: int = 1
    checks: tuple[str, ...] = ()
    exclude_checks: tuple[str, ...] = ()
    phases: tuple[str, ...] = PHASES
    budget_usd: Decimal = Decimal("0.05")
    rate_limit: str | None = None
    compare_with_mock: bool = False
    request_timeout: float = 10.0
    junit_xml: Path | None = None
    har: Path | None = None
    report: Path | None = None
    gateway_release: str | None = None  # the release the oracle judges by (and the in-process mock serves)

    def api_key(self) -> str | None:
        """The key from the environment variable ``api_key_env`` names; never from an argument."""
        if not self.api_key_env:
            return None
        key = os.environ.get(self.api_key_env, "").strip()
        if not key:
            raise ValueError(f"--api-key-env {self.api_key_env}: that environment variable is empty or not set")
        return key


@dataclass(frozen=True)
class Option:
    """One option of both front ends: ``--name``, the RunConfig field it sets, its type and help."""

    name: str
    kind: str  # str, int, float, decimal, path, flag, list, choice-list
    help: str
    metavar: str | None = None

    @property
    def field(self) -> str:
        return self.name.lstrip("-").replace("-", "_")


OPTIONS: tuple[Option, ...] = (
    Option(
        "--target", "str", "Base URL of the target (e.g. http://127.0.0.1:8080/v1); default: the in-process mock", "URL"
    ),
    Option("--gateway-release", "str", "The gateway release to judge by (2026-07, 2026-08) [default: 2026-08, "
           "or OCR_MOCK_GATEWAY_RELEASE]", "NAME"),
    Option("--live", "flag", "Allow a non-loopback (live, billed) target; also OCR_CONTRACT_LIVE=1"),
    Option(
        "--api-key-env", "str", "Name of the environment variable holding the API key (never the key itself)", "NAME"
    ),
    Option("--max-examples", "int", "Generated cases per mode (positive, negative) [default: 100]", "N"),
    Option("--seed", "int", "Seed for reproducible generation [default: random, printed]", "N"),
    Option("--workers", "int", "Concurrent workers (threads) [default: 1]", "N"),
    Option("--checks", "list", "Only these checks (comma-separated)", "NAMES"),
    Option("--exclude-checks", "list", "Skip these checks (comma-separated)", "NAMES"),
    Option("--phases", "list", f"Phases to run (comma-separated) [default: {','.join(PHASES)}]", "NAMES"),
    Option("--budget-usd", "decimal", "Spending cap of a --live run [default: 0.05]; a local target is not capped",
           "USD"),
    Option(
        "--rate-limit", "str", "Requests per time unit, e.g. 5/s or 100/m [default: none; 2/s for live targets]", "RATE"
    ),
    Option("--compare-with-mock", "flag", "Also send every case to the in-process mock and report divergences"),
    Option("--request-timeout", "float", "Seconds to wait for an answer [default: 10]", "SECONDS"),
    Option("--junit-xml", "path", "Write a JUnit XML report here", "PATH"),
    Option("--har", "path", "Write the exchanges (redacted) to this HAR file", "PATH"),
    Option("--report", "path", "Write a one-page report here (.md for Markdown, .html for HTML)", "PATH"),
)


def _amount(name: str, value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name} must be an amount in dollars, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{name} must be zero or more, got {value!r}")
    return amount


def config_from(values: dict[str, Any]) -> RunConfig:
    """A RunConfig from option values keyed by field name; None and empty values keep the defaults."""
    known = {f.name for f in fields(RunConfig)}
    kwargs: dict[str, Any] = {}
    for option in OPTIONS:
        value = values.get(option.field)
        if value is None or value == () or value == "" or value is False:
            continue
        if option.kind == "list":
            items = value if isinstance(value, list | tuple) else [value]
            value = tuple(part.strip() for item in items for part in str(item).split(",") if part.strip())
        elif option.kind == "decimal":
            value = _amount(option.name, value)
        elif option.kind == "path":
            value = Path(value)
        kwargs[option.field] = value
    if os.environ.get(LIVE_ENV, "").lower() in ("1", "true", "yes"):
        kwargs["live"] = True
    if "budget_usd" in kwargs and not kwargs.get("live"):
        raise ValueError("--budget-usd caps --live runs only: a local target is free, so it is not capped")
    unknown_phases = set(kwargs.get("phases", ())) - set(PHASES)
    if unknown_phases:
        raise ValueError(f"unknown phases: {', '.join(sorted(unknown_phases))}; choose from {', '.join(PHASES)}")
    assert set(kwargs) <= known
    return RunConfig(**kwargs)
