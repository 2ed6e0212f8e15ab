"""Makes ``pytest --pyargs contract_tests --target URL ...`` accept the suite's options.

pytest reads options from the conftest of the paths it is given, but not of a ``--pyargs`` package, so this
plugin (entry point ``pytest11``) adds them, and only when the run names ``contract_tests``: other test runs
of a project that installs aistats-ocr-mock do not see options such as ``--target`` or ``--workers``. Without the
``[contract]`` extra it does nothing at all (the check imports nothing).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from . import extra

PACKAGE = __name__.split(".")[0]
PACKAGE_DIR = Path(__file__).resolve().parent
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


def _names_package(arg: str) -> bool:
    if arg == PACKAGE or arg.startswith(f"{PACKAGE}.") or arg.startswith(f"{PACKAGE}::"):
        return True
    path = Path(arg.split("::", 1)[0]).resolve()
    return path == PACKAGE_DIR or PACKAGE_DIR in path.parents


def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    if any(_names_package(arg) for arg in args if not arg.startswith("-")):
        if extra.missing():
            raise pytest.UsageError(extra.INSTALL_HINT)
        add_options(parser)
