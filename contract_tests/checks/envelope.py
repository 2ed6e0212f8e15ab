"""``error_envelope``: every error answer of POST /v1/ocr is the gateway's envelope (contract, "Error envelope")."""

from __future__ import annotations

import re
from typing import Any

import schemathesis
from schemathesis import CheckContext, Response

from mockserver.gateway.validation import js_type

from ..reference import contract
from ._common import NOT_APPLICABLE, AnyCase, Problems, answer_json, header, is_ocr_call, sent_json

_TYPE_MESSAGE = re.compile(r"^Invalid input: expected (\w+), received (\w+)$")
_MISSING = object()


@schemathesis.check
def error_envelope(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """Error bodies: the six envelope keys, the code's status/type/origin, its description, its headers."""
    if not is_ocr_call(response) or response.status_code < 300:
        return NOT_APPLICABLE
    problems = Problems("error_envelope")
    body = answer_json(response)
    if not isinstance(body, dict):
        problems.add("error body is not a JSON object", repr(response.content[:80]))
        problems.raise_if_any()
        return None
    problems.require(body, contract().facts["envelope_keys"], "envelope")
    forbidden = [key for key in contract().facts["forbidden_envelope_keys"] if key in body]
    problems.expect(not forbidden, "keys the gateway never sends", ", ".join(forbidden))
    problems.generation_id(body.get("generation_id"), "generation_id")
    problems.expect(
        body.get("status_code") == response.status_code,
        "status_code differs from the HTTP status",
        f"{body.get('status_code')!r} in the body, {response.status_code} on the wire",
    )
    code = body.get("error")
    kind = contract().errors.get(code) if isinstance(code, str) else None
    if kind is None or not isinstance(code, str):
        problems.add("unknown error code", repr(code))
        problems.raise_if_any()
        return None
    problems.expect(
        kind.status == response.status_code,
        "error code on the wrong status",
        f"{code} is {kind.status}, answered {response.status_code}",
    )
    problems.expect(
        body.get("error_type") == kind.error_type,
        "wrong error_type",
        f"{code} has {kind.error_type}, got {body.get('error_type')!r}",
    )
    problems.expect(
        body.get("error_origin") == kind.error_origin,
        "wrong error_origin",
        f"{code} has {kind.error_origin}, got {body.get('error_origin')!r}",
    )
    problems.restrict(body, contract().allowed_envelope_keys(code), f"the {code} envelope")
    _check_description(problems, code, body, sent_json(response))
    _check_debug(problems, body, response)
    attribution = header(response, "x-gateway-error-attribution")
    problems.expect(
        attribution == kind.attribution,
        "wrong X-Gateway-Error-Attribution",
        f"{code} has {kind.attribution}, got {attribution!r}",
    )
    origin = header(response, "x-gateway-error-origin")
    problems.expect(
        origin == body.get("error_origin"),
        "X-Gateway-Error-Origin differs from error_origin",
        f"{origin!r} vs {body.get('error_origin')!r}",
    )
    problems.raise_if_any()
    return None


def _check_description(problems: Problems, code: str, body: dict[str, Any], sent: Any) -> None:
    description = body.get("description")
    if not isinstance(description, str):
        problems.add("description is not a string", repr(description))
        return
    if code == "validation_error":
        _check_details(problems, description, body.get("details"), sent)
        return
    problems.expect("details" not in body, "details on an error other than validation_error", code)
    pattern = contract().description_pattern(code)
    fixed = contract().errors[code].description
    if pattern is not None:
        problems.expect(
            bool(pattern.search(description)),
            "description does not follow the gateway's text",
            f"{code}: {description[:120]!r}",
        )
    elif fixed is not None:
        problems.expect(
            description == fixed, "description is not the gateway's fixed text", f"{code}: {description[:120]!r}"
        )


def _check_details(problems: Problems, description: str, details: Any, sent: Any) -> None:
    if not isinstance(details, list) or not details:
        problems.add("validation_error without details", repr(details)[:80])
        return
    for detail in details:
        if not (
            isinstance(detail, dict)
            and isinstance(detail.get("message"), str)
            and isinstance(detail.get("path"), list)
            and isinstance(detail.get("keyword"), str)
            and isinstance(detail.get("params"), dict)
        ):
            problems.add("a detail is not {message, path, keyword, params}", repr(detail)[:120])
            return
        match = _TYPE_MESSAGE.match(detail["message"])
        if detail["keyword"] == "invalid_type" and match and sent is not None:
            actual = _value_at(sent, detail["path"])
            received = "undefined" if actual is _MISSING else js_type(actual)
            problems.expect(
                match.group(2) == received,
                "a type message names the wrong received type",
                f"{detail['message']!r} at {detail['path']}, the value is {received}",
            )
    first = details[0]
    path = ".".join(str(part) for part in first["path"])
    bare = not path or first["keyword"] in contract().facts["bare_description_keywords"]
    expected = first["message"] if bare else f"{first['message']} at {path}"
    problems.expect(
        description == expected,
        "description is not the first detail",
        f"{description[:100]!r}, expected {expected[:100]!r}",
    )


def _value_at(document: Any, path: list[Any]) -> Any:
    for step in path:
        if (isinstance(document, dict) and step in document) or (
            isinstance(document, list) and isinstance(step, int) and 0 <= step < len(document)
        ):
            document = document[step]
        else:
            return _MISSING
    return document


EXECUTE_STAGE_ERRORS = frozenset({"upstream_error", "provider_payment_required"})


def _early_request_visible(headers: Any) -> bool:
    """pipeline/index.ts L18-36 (bff496d80): before the provider call the error handler sees the request
    only for a JSON or urlencoded body of at most 256 KiB."""
    rules = contract().release.get("debug")
    content_type = (headers.get("content-type") or "").lower()
    if not any(kind in content_type for kind in rules["early_content_types"]):
        return False
    length = (headers.get("content-length") or "").strip()
    return not (length.isdigit() and int(length) > rules["early_body_limit"])


def _check_debug(problems: Problems, body: dict[str, Any], response: Response) -> None:
    facts = contract().facts
    headers = response.request.headers
    value = headers.get(facts["debug_header"])
    wanted = value is not None and value.strip().lower() in facts["debug_header_values"]
    wanted = wanted and (body.get("error") in EXECUTE_STAGE_ERRORS or _early_request_visible(headers))
    has = "debug" in body
    problems.expect(
        has == wanted,
        "debug object disagrees with x-gateway-debug (and the request's content type and size)",
        f"header {value!r}, debug {'present' if has else 'absent'}",
    )
