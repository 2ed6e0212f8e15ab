"""With the [contract] extra installed (as in make test's environment), the entry point registers the suite's
pytest plugin; tests/test_install.py checks that a core install does not."""

from __future__ import annotations

import pytest


def test_with_the_extra_the_suites_plugin_is_registered(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.has_plugin("ocr-contract-suite")


def test_a_run_that_does_not_name_the_suite_has_none_of_its_options(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.getoption("contract_target", default="absent") == "absent"
