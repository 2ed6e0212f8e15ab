"""The ``pytest11`` entry point ``ocr-contract``: registers the conformance suite's pytest plugin
(``contract_tests.pytest_plugin``, its options for ``pytest --pyargs contract_tests``) only when the ``[contract]``
extra is installed. Without the extra, a run that names the suite is told how to install it, and any other run
gets nothing: this module imports only what pytest has imported already."""

from __future__ import annotations

import pytest

from . import extra

PLUGIN = "ocr-contract-suite"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if not extra.missing() and not pluginmanager.has_plugin(PLUGIN) and not pluginmanager.is_blocked(PLUGIN):
        from . import pytest_plugin

        pluginmanager.register(pytest_plugin, PLUGIN)


def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    if extra.names_suite(args) and extra.missing():
        raise pytest.UsageError(extra.INSTALL_HINT)
