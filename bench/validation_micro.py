"""The validation microbenchmark: microseconds to validate one body, openapi-core's validate_request
(the reference path) against the validator built once (the fast path), on a valid and an invalid body."""

from __future__ import annotations

import timeit
from dataclasses import dataclass

import orjson

from mockserver.gateway.spec import load_spec
from mockserver.gateway.validation import BodyValidator

from .bodies import ERROR, SUCCESS


@dataclass(frozen=True)
class ValidationTiming:
    path: str
    valid_us: float
    invalid_us: float


def _per_call_us(validator: BodyValidator, body: object, seconds: float) -> float:
    timer = timeit.Timer(lambda: validator.validate(body))
    number, _ = timer.autorange()
    repeats = max(3, int(seconds / max(timer.timeit(number), 1e-9)))
    return min(timer.repeat(repeat=min(repeats, 7), number=number)) / number * 1e6


def validation_timings(seconds: float = 0.5) -> list[ValidationTiming]:
    spec = load_spec()
    valid, invalid = orjson.loads(SUCCESS), orjson.loads(ERROR)
    rows = []
    for label, reference in (
        ("openapi-core validate_request (reference)", True),
        ("built once (mock's fast path)", False),
    ):
        validator = BodyValidator(spec, reference=reference)
        assert validator.validate(valid) == [] and validator.validate(invalid)
        rows.append(
            ValidationTiming(label, _per_call_us(validator, valid, seconds), _per_call_us(validator, invalid, seconds))
        )
    return rows
