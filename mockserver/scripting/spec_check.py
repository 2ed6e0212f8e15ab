"""Checking an answer of ``POST /v1/ocr`` against the spec's response (status, headers, body schema),
through openapi-core. Used before serving fixtures, so a script cannot make the mock break its spec."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from openapi_core.validation.response.exceptions import ResponseValidationError
from openapi_core.validation.response.validators import V30ResponseValidator

from mockserver.gateway.body_schema import BodyRequest
from mockserver.gateway.spec import LoadedSpec


@dataclass
class _Answer:
    status_code: int
    data: bytes
    headers: Any
    content_type: str = "application/json"


def answer_problems(spec: LoadedSpec, status: int, body: Any, headers: Mapping[str, str]) -> list[str]:
    """What is wrong with this answer according to the spec (empty: nothing)."""
    validator = V30ResponseValidator(spec.openapi.spec)
    answer = _Answer(status, orjson.dumps(body), dict(headers))
    request = BodyRequest(body=b"{}")
    problems = []
    for error in validator.iter_errors(request, answer):
        if isinstance(error, ResponseValidationError) and error.__cause__ is not None:
            causes = getattr(error.__cause__, "schema_errors", None) or [error.__cause__]
            for cause in causes:
                where = ".".join(map(str, getattr(cause, "absolute_path", [])))
                problems.append(f"body{'.' + where if where else ''}: {getattr(cause, 'message', cause)}")
        else:
            problems.append(str(error))
    return problems
