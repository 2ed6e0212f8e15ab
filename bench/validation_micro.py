"""The validation microbenchmark: microseconds to validate one body, openapi-core's validate_request
(the reference path) against the mock's path (the compiled yes/no check, then the validator built once when the
check refuses), on a valid and an invalid body; then that path's two parts on their own."""

from __future__ import annotations

import timeit
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from mockserver.gateway.body_check import compile_check
from mockserver.gateway.body_schema import body_validator
from mockserver.gateway.spec import load_spec
from mockserver.gateway.validation import BodyValidator

from .bodies import ERROR, SUCCESS


@dataclass(frozen=True)
class ValidationTiming:
    path: str
    valid_us: float
    invalid_us: float


def _per_call_us(call: Callable[[Any], object], body: object, seconds: float) -> float:
    timer = timeit.Timer(lambda: call(body))
    number, _ = timer.autorange()
    repeats = max(3, int(seconds / max(timer.timeit(number), 1e-9)))
    return min(timer.repeat(repeat=min(repeats, 7), number=number)) / number * 1e6


def validation_timings(seconds: float = 0.5) -> list[ValidationTiming]:
    spec = load_spec()
    valid, invalid = orjson.loads(SUCCESS), orjson.loads(ERROR)
    rows = []
    calls: list[tuple[str, Callable[[Any], object]]] = []
    for label, reference in (
        ("openapi-core validate_request (reference)", True),
        ("mock's path: compiled check, validator built once on refusal", False),
    ):
        validator = BodyValidator(spec, reference=reference)
        assert validator.validate(valid) == [] and validator.validate(invalid)
        calls.append((label, validator.validate))
    schema_validator = body_validator(spec)
    accepts = compile_check(schema_validator).accepts
    assert accepts(valid) and not accepts(invalid)
    calls.append(("  its part: openapi-core's body validator, iter_errors",
                  lambda b: list(schema_validator.iter_errors(b))))
    calls.append(("  its part: the compiled yes/no check (body_check)", accepts))
    for label, call in calls:
        rows.append(ValidationTiming(label, _per_call_us(call, valid, seconds), _per_call_us(call, invalid, seconds)))
    return rows
