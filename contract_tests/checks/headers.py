"""``gateway_headers``: the headers of every answer (contract, "Headers on every /v1 response (CORS)")."""

from __future__ import annotations

import schemathesis
from schemathesis import CheckContext, Response

from ..reference import contract
from ._common import NOT_APPLICABLE, AnyCase, Problems, header, is_ocr_call, request_path


@schemathesis.check
def gateway_headers(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """CORS on every /v1 answer; on OCR answers JSON without charset, no-store, timing headers; never a request id."""
    if not request_path(response).startswith("/v1/"):
        return NOT_APPLICABLE
    problems = Problems("gateway_headers")
    for name, value in contract().release.cors_headers.items():
        actual = header(response, name)
        problems.expect(actual == value, f"{name} is not the gateway's", f"{actual!r}")
    forbidden = sorted(name for name in response.headers if contract().forbidden_header(name))
    problems.expect(not forbidden, "headers the gateway never sends", ", ".join(forbidden))
    if is_ocr_call(response):
        for name, value in contract().facts["ocr_answer_headers"].items():
            actual = header(response, name)
            problems.expect(actual == value, f"{name} is not {value!r}", f"{actual!r}")
        for name in contract().facts["ocr_answer_required_headers"]:
            problems.expect(header(response, name) is not None, f"{name} missing")
    problems.raise_if_any()
    return None
