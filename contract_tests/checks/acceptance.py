"""Whether the target gave the answer the contract's rules give (``oracle.judge``).

- ``semantic_acceptance``: a request that passes auth, JSON and schema may still get a 400, but only the
  gateway's semantic ones (blank model, unknown model, provider filters, unsupported routing filters)
  and only when the input explains it; otherwise it succeeds.
- ``check_order``: a request that breaks auth, JSON or schema gets the error of the earliest rule it breaks.
- ``route_answers``: other methods and paths under /v1 get 404 text/plain, OPTIONS gets 204.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import schemathesis
from schemathesis import CheckContext, Response

from ..reference import NOT_FOUND_BODY, NOT_FOUND_TYPE
from ._common import (
    NOT_APPLICABLE,
    AnyCase,
    Problems,
    answer_json,
    answer_label,
    header,
    is_ocr_call,
    request_path,
    sent_json,
    verdict,
)


@schemathesis.check
def semantic_acceptance(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """Schema-valid requests: success, or the semantic 400 the input explains (blank or unknown model, filters)."""
    if not is_ocr_call(response):
        return NOT_APPLICABLE
    judged = verdict(response)
    if not judged.judged or not judged.passes_input_rules:
        return NOT_APPLICABLE
    body = answer_json(response)
    if judged.accepts(response.status_code, body):
        return None
    expected = judged.expected
    problems = Problems("semantic_acceptance")
    request = sent_json(response)
    got = f"{answer_label(response.status_code, body)} for model {request.get('model')!r}"
    if expected.error is None:
        problems.add(
            "schema-valid request rejected without a reason in the input", f"expected {expected.label()}, got {got}"
        )
    elif response.status_code == 200:
        problems.add("request accepted that the gateway rejects", f"expected {expected.label()}, got 200")
    else:
        problems.add(
            f"wrong answer to a request the gateway rejects at '{expected.rule}'",
            f"expected {expected.label()}, got {got}",
        )
    problems.raise_if_any()
    return None


@schemathesis.check
def check_order(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """Requests breaking auth, JSON or schema: the error of the earliest rule broken."""
    if not is_ocr_call(response):
        return NOT_APPLICABLE
    judged = verdict(response)
    if not judged.judged or judged.passes_input_rules:
        return NOT_APPLICABLE
    body = answer_json(response)
    if judged.accepts(response.status_code, body):
        return None
    problems = Problems("check_order")
    got = answer_label(response.status_code, body)
    broken = "; ".join(outcome.label() for outcome in judged.broken)
    later = next((o for o in judged.broken[1:] if o.matches(response.status_code, body)), None)
    expected = judged.expected
    if later is not None:
        problems.add(
            f"'{later.rule}' checked before '{expected.rule}'",
            f"the request breaks {broken}; the first wins: expected {expected.label()}, got {got}",
        )
    elif isinstance(body, dict) and body.get("error") == expected.error and "details" in expected.fields:
        problems.add("validation details differ from zod's", _first_difference(expected.fields, body))
    else:
        problems.add(
            f"wrong answer to a request that breaks '{judged.expected.rule}'",
            f"the request breaks {broken}; expected {judged.expected.label()}, got {got}",
        )
    problems.raise_if_any()
    return None


def _first_difference(expected: Mapping[str, Any], body: dict[str, Any]) -> str:
    """The first detail (or the description) where the answer departs from the gateway's."""
    want, got = expected["details"], body.get("details")
    if not isinstance(got, list):
        return f"expected {len(want)} detail(s), got {got!r}"[:300]
    for index, (a, b) in enumerate(zip(want, got, strict=False)):
        if a != b:
            return f"detail {index}: expected {a}, got {b}"[:300]
    if len(want) != len(got):
        return f"expected {len(want)} detail(s), got {len(got)}: {got[len(want):][:2] or want[len(got):][:2]}"[:300]
    return f"description: expected {expected['description']!r}, got {body.get('description')!r}"[:300]


@schemathesis.check
def route_answers(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """Other methods and paths under /v1: 404 text/plain; OPTIONS: 204."""
    path = request_path(response)
    if is_ocr_call(response) or not path.startswith("/v1/"):
        return NOT_APPLICABLE
    problems = Problems("route_answers")
    method = response.request.method
    if method == "OPTIONS":
        problems.expect(response.status_code == 204, "OPTIONS is not answered 204", f"got {response.status_code}")
    else:
        label = f"{method} {path}"
        problems.expect(
            response.status_code == 404, "an unknown route is not answered 404", f"{label}: got {response.status_code}"
        )
        problems.expect(
            header(response, "content-type") == NOT_FOUND_TYPE,
            "a 404 is not text/plain; charset=UTF-8",
            f"{label}: {header(response, 'content-type')!r}",
        )
        problems.expect(
            response.content == NOT_FOUND_BODY or method == "HEAD",
            "a 404 body is not '404 Not Found'",
            f"{label}: {response.content[:40]!r}",
        )
    problems.raise_if_any()
    return None
