"""The gateway's error table and the one place that builds its error envelope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from mockserver.resources import data_path


@dataclass(frozen=True)
class ErrorKind:
    code: str
    status: int
    error_type: str
    error_origin: str
    attribution: str
    description: str | None = None
    variant_field: str | None = None  # "description" or an envelope key naming which variant of the code it is
    variants: tuple[str, ...] = ()


@cache
def error_table() -> dict[str, ErrorKind]:
    with data_path("errors.yaml").open(encoding="utf-8") as fh:
        rows = yaml.safe_load(fh)
    return {code: ErrorKind(code=code, **{**row, "variants": tuple(row.get("variants", ()))})
            for code, row in rows.items()}


class GatewayError(Exception):
    """An error answer of the gateway: its code, description and the extra envelope keys."""

    def __init__(
        self,
        code: str,
        description: str | None = None,
        *,
        fill: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        """``fill`` completes the placeholders of a default description (``{provider}``)."""
        kind = error_table()[code]
        text = description if description is not None else kind.description
        if text is None:
            raise ValueError(f"error {code!r} has no default description; give one")
        if fill:
            text = text.format_map(fill)
        super().__init__(text)
        self.kind = kind
        self.description = text
        self.extra = extra

    @property
    def status(self) -> int:
        return self.kind.status

    def envelope(self, generation_id: str, debug: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "generation_id": generation_id,
            "status_code": self.kind.status,
            "error": self.kind.code,
            "error_type": self.kind.error_type,
            "error_origin": self.kind.error_origin,
            "description": self.description,
        }
        body.update(self.extra)
        if debug is not None:
            body["debug"] = debug
        return body

    def headers(self) -> dict[str, str]:
        return {
            "X-Gateway-Error-Attribution": self.kind.attribution,
            "X-Gateway-Error-Origin": self.kind.error_origin,
        }


def validation_error(details: list[dict[str, Any]], description: str | None = None, **extra: Any) -> GatewayError:
    """A ``validation_error``; by default its description is the first detail, ``"<message> at <path>"``."""
    if description is None:
        first = details[0]
        path = ".".join(str(part) for part in first["path"])
        description = f"{first['message']} at {path}" if path else first["message"]
    return GatewayError("validation_error", description, details=details, **extra)
