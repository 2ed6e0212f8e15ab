"""The gateway's error table and the one place that builds its error envelope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from mockserver.resources import data_path, load_yaml


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


class ErrorTable:
    """One release's error table: status, type, origin, attribution and default description per code."""

    def __init__(self, rows: Mapping[str, Mapping[str, Any]]) -> None:
        self.kinds = {code: ErrorKind(code=code, **{**row, "variants": tuple(row.get("variants", ()))})
                      for code, row in rows.items()}

    def __getitem__(self, code: str) -> ErrorKind:
        return self.kinds[code]

    def description(self, error: GatewayError) -> str:
        text = error.given_description if error.given_description is not None else self.kinds[error.code].description
        if text is None:
            raise ValueError(f"error {error.code!r} has no default description; give one")
        return text.format_map(error.fill) if error.fill else text

    def envelope(self, error: GatewayError, generation_id: str, debug: dict[str, Any] | None = None) -> dict[str, Any]:
        kind = self.kinds[error.code]
        body: dict[str, Any] = {
            "generation_id": generation_id,
            "status_code": kind.status,
            "error": kind.code,
            "error_type": kind.error_type,
            "error_origin": kind.error_origin,
            "description": self.description(error),
        }
        body.update(sorted(error.extra.items(), key=lambda item: _envelope_rank(item[0])))
        if debug is not None:
            body["debug"] = debug
        return body

    def internal_body(self, error: GatewayError, generation_id: str, workspace_id: str | None) -> dict[str, Any]:
        """The gateway's internal error body (``err()``, pipeline/before/http.ts L116-133), as
        ``debug.upstream`` shows it: ``error``, the error's own fields (``internal`` first, in the order the
        gateway passes them; ``request_id`` and ``workspace_id`` where ``internal`` places them, else after),
        then what ``err()`` fills in: the fixed description, ``status_code``, ``error_type``,
        ``error_origin``, ``generation_id``. ``workspace_id`` is None before the key is known."""
        kind = self.kinds[error.code]
        internal = error.internal
        if kind.code == "unauthorised" and "reason" not in internal:
            internal = {"reason": self.description(error)}  # every 401's description is its reason
        body: dict[str, Any] = {"error": kind.code, **internal, **error.extra}
        body.setdefault("request_id", None)
        body["request_id"] = generation_id
        if workspace_id is not None:
            body.setdefault("workspace_id", None)
            body["workspace_id"] = workspace_id
        else:
            body.pop("workspace_id", None)
        if kind.code == "unsupported_model_or_endpoint":
            body["description"] = self.description(error)
        body.setdefault("status_code", kind.status)
        body.setdefault("error_type", kind.error_type)
        body.setdefault("error_origin", kind.error_origin)
        body["generation_id"] = generation_id
        return body

    def headers(self, error: GatewayError) -> dict[str, str]:
        kind = self.kinds[error.code]
        return {"X-Gateway-Error-Attribution": kind.attribution, "X-Gateway-Error-Origin": kind.error_origin}


@cache
def base_errors() -> ErrorTable:
    """The base (2026-07) table, ``data/errors.yaml``; a release's table is this with its patches."""
    with data_path("errors.yaml").open(encoding="utf-8") as fh:
        return ErrorTable(load_yaml(fh))


def error_table() -> dict[str, ErrorKind]:
    return base_errors().kinds


class GatewayError(Exception):
    """An error answer of the gateway: its code, description and the extra envelope keys. Rendered with
    the error table of the release that answers (``ErrorTable.envelope``); ``envelope`` and ``headers``
    here use the base table."""

    def __init__(
        self,
        code: str,
        description: str | None = None,
        *,
        fill: Mapping[str, str] | None = None,
        internal: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        """``fill`` completes the placeholders of a default description (``{provider}``); ``internal``
        holds what the gateway's internal error body carries beyond the envelope (seen only in
        ``debug.upstream``)."""
        super().__init__(description or code)
        self.code = code
        self.given_description = description
        self.fill = dict(fill or {})
        self.extra = extra
        self.internal = dict(internal or {})

    @property
    def kind(self) -> ErrorKind:
        return base_errors()[self.code]

    @property
    def status(self) -> int:
        return self.kind.status

    @property
    def description(self) -> str:
        return base_errors().description(self)

    def envelope(self, generation_id: str, debug: dict[str, Any] | None = None) -> dict[str, Any]:
        return base_errors().envelope(self, generation_id, debug)

    def internal_body(self, generation_id: str, workspace_id: str | None) -> dict[str, Any]:
        return base_errors().internal_body(self, generation_id, workspace_id)

    def headers(self) -> dict[str, str]:
        return base_errors().headers(self)


# core/error-handler.ts L753-867: handleError writes the envelope's optional keys in this order.
ENVELOPE_ORDER = (
    "error_operational_kind",
    "reason",
    "attempt_count",
    "failed_providers",
    "failed_statuses",
    "failure_sample",
    "upstream_error",
    "provider_payment_required_provider",
    "provider_payment_required_support_notice",
    "details",
    "provider_candidate_diagnostics",
    "provider_enablement",
    "missing_pricing_providers",
    "routing_diagnostics",
    "provider_failure_diagnostics",
)


def _envelope_rank(key: str) -> int:
    return ENVELOPE_ORDER.index(key) if key in ENVELOPE_ORDER else len(ENVELOPE_ORDER)


def validation_error(details: list[dict[str, Any]], description: str | None = None, **extra: Any) -> GatewayError:
    """A ``validation_error``; by default its description is the first detail, ``"<message> at <path>"``."""
    if description is None:
        first = details[0]
        path = ".".join(str(part) for part in first["path"])
        description = f"{first['message']} at {path}" if path else first["message"]
    return GatewayError("validation_error", description, details=details, **extra)
