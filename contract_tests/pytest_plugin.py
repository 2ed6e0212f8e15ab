"""Makes ``pytest --pyargs contract_tests --target URL ...`` accept the suite's options.

pytest reads options from the conftest of the paths it is given, but not of a ``--pyargs`` package, so this
plugin adds them, and only when the run names ``contract_tests``: other test runs of a project that installs
aistats-ocr-mock do not see options such as ``--target`` or ``--workers``. ``pytest_gate`` (the ``pytest11``
entry point) registers it, and only with the ``[contract]`` extra installed.
"""

from __future__ import annotations

import contextlib

import pytest

from . import extra

_ACTIONS = {"flag": "store_true", "list": "append"}
_TYPES = {"int": int, "float": float}
PYTEST_OWNS = frozenset({"--junit-xml"})  # pytest's own JUnit report covers it: one test per check


def add_options(parser: pytest.Parser) -> None:
    from .config import OPTIONS

    group = parser.getgroup("contract", "gateway conformance suite (contract_tests)")
    for option in OPTIONS:
        if option.name in PYTEST_OWNS:
            continue
        kwargs: dict[str, object] = {"dest": f"contract_{option.field}", "help": option.help}
        if option.kind in _ACTIONS:
            kwargs["action"] = _ACTIONS[option.kind]
        else:
            kwargs["type"] = _TYPES.get(option.kind, str)
            kwargs["metavar"] = option.metavar
        with contextlib.suppress(ValueError):  # added already: by this plugin, then again by the conftest
            group.addoption(option.name, **kwargs)


def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    if extra.names_suite(args):
        add_options(parser)
