"""The gateway's switches and constants that are data (``data/gateway.yaml``): aliases, debug and
testing-mode switches, form rules, CORS headers, Server-Timing spans. One loader, read once."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from mockserver.resources import data_path, load_yaml


@cache
def behaviour() -> dict[str, Any]:
    with data_path("gateway.yaml").open(encoding="utf-8") as fh:
        document: dict[str, Any] = load_yaml(fh)
    return document


def first_present(headers: Mapping[str, str], names: list[str]) -> str | None:
    """The value of the first of ``names`` the request carries (JavaScript's ``a ?? b``)."""
    for name in names:
        value = headers.get(name)
        if value is not None:
            return value
    return None


def return_flag(value: Any) -> bool:
    """``normalizeReturnFlag``: boolean as is; a string lowercased (not trimmed) in the flag values."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() in behaviour()["debug"]["flag_values"]
    return False
