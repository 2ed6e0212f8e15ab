"""Where the files the package ships are found.

In a built wheel the top-level ``openapi.yaml`` and ``fixtures/`` are copied into
``mockserver/bundled/``; in a source checkout (or an editable install) they are read from the
repository root. Everything that needs one of them asks here.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import yaml

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "bundled"
_SOURCE_ROOT = _PACKAGE.parent


def _shipped(name: str) -> Path:
    bundled = _BUNDLED / name
    return bundled if bundled.exists() else _SOURCE_ROOT / name


def spec_path() -> Path:
    """The bundled OpenAPI document."""
    return _shipped("openapi.yaml")


def fixtures_dir() -> Path:
    """The default fixtures directory."""
    return _shipped("fixtures")


def data_path(name: str) -> Path:
    """A data file that lives inside the package (catalog, error table)."""
    return _PACKAGE / "data" / name


_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml, when PyYAML has it


def load_yaml(stream: IO[str]) -> Any:
    """A shipped (or user-given) YAML data file, read with libyaml's safe loader when there is one: several
    times faster than the pure-Python one, which fixture files keep for their error messages and positions."""
    loader = _FAST_LOADER(stream)  # what yaml.load does, with a safe loader only
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
