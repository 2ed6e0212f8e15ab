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


@cache
def error_table() -> dict[str, ErrorKind]:
    with data_path("errors.yaml").open(encoding="utf-8") as fh:
        rows = yaml.safe_load(fh)
    return {code: ErrorKind(code=code, **row) for code, row in rows.items()}


class GatewayError(Exception):
    """An error answer of the gateway: its code, description and the extra envelope keys."""

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
        self.internal = dict(internal or {})

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
        body.update(sorted(self.extra.items(), key=lambda item: _envelope_rank(item[0])))
        if debug is not None:
            body["debug"] = debug
        return body

    def internal_body(self, generation_id: str, workspace_id: str | None) -> dict[str, Any]:
        """The gateway's internal error body (``err()``, pipeline/before/http.ts L116-133), as
        ``debug.upstream`` shows it: ``error``, the error's own fields (``internal`` first, in the order the
        gateway passes them; ``request_id`` and ``workspace_id`` where ``internal`` places them, else after),
        then what ``err()`` fills in: the fixed description, ``status_code``, ``error_type``,
        ``error_origin``, ``generation_id``. ``workspace_id`` is None before the key is known."""
        internal = self.internal
        if self.kind.code == "unauthorised" and "reason" not in internal:
            internal = {"reason": self.description}  # every 401's description is its reason
        body: dict[str, Any] = {"error": self.kind.code, **internal, **self.extra}
        body.setdefault("request_id", None)
        body["request_id"] = generation_id
        if workspace_id is not None:
            body.setdefault("workspace_id", None)
            body["workspace_id"] = workspace_id
        else:
            body.pop("workspace_id", None)
        if self.kind.code == "unsupported_model_or_endpoint":
            body["description"] = self.description
        body.setdefault("status_code", self.kind.status)
        body.setdefault("error_type", self.kind.error_type)
        body.setdefault("error_origin", self.kind.error_origin)
        body["generation_id"] = generation_id
        return body

    def headers(self) -> dict[str, str]:
        return {
            "X-Gateway-Error-Attribution": self.kind.attribution,
            "X-Gateway-Error-Origin": self.kind.error_origin,
        }


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
