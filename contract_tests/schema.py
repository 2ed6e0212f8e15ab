"""The bundled ``openapi.yaml`` as a schemathesis schema, configured for one run, and its one operation."""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import APIOperation, BaseSchema
from schemathesis.config import ConfigError
from schemathesis.core.result import Err

from .reference import contract

Operation = APIOperation[Any, Any, Any, Any]


def load_schema(key: str, *, request_timeout: float = 10.0, rate_limit: str | None = None) -> BaseSchema:
    settings = {
        "auth": {"openapi": {"BearerAuth": {"bearer": key}}},
        "request-timeout": request_timeout,
        # Literals read from an in-process app's source would make the cases depend on the target
        "analysis": {"constants": {"enabled": False}},
        **({"rate-limit": rate_limit} if rate_limit else {}),
    }
    try:
        return schemathesis.openapi.from_dict(contract().spec.document, config=schemathesis.Config.from_dict(settings))
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


def ocr_operation(schema: BaseSchema) -> Operation:
    """POST /ocr, the operation the document declares."""
    result = next(iter(schema.get_all_operations()))
    if isinstance(result, Err):
        raise result.err()
    operation: Operation = result.ok()
    return operation
