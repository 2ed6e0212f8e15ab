"""pytest entry of the suite: its options (also when run by path) and one test per selected check."""

from __future__ import annotations

import pytest

from .config import OPTIONS, RunConfig, config_from
from .pytest_plugin import add_options


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def contract_config(config: pytest.Config) -> RunConfig:
    return config_from({option.field: config.getoption(f"contract_{option.field}", None) for option in OPTIONS})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "check_name" in metafunc.fixturenames:
        from .checks import select_checks

        config = contract_config(metafunc.config)
        checks = select_checks(list(config.checks), list(config.exclude_checks), compare=config.compare_with_mock)
        metafunc.parametrize("check_name", [check.name for check in checks])
