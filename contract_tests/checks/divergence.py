"""``mock_divergence`` (``--compare-with-mock``): the same request to the target and to the in-process mock.

Reports where the answers differ in status, error code, header set, or body keys and value types: the
way a team learns that the mock (or its catalog) has fallen behind the gateway. Values that differ on
every request (ids, timings, dates) are not compared. A well-formed key in the request is replaced by a
made-up one before the mock sees it: the real key goes to the target only.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import requests
import schemathesis
from schemathesis import CheckContext, Response
from schemathesis.python.asgi import ASGIClient, get_client

from mockserver.gateway.validation import js_type
from mockserver.web.app import Settings, create_app

from ..oracle import request_headers
from ..reference import contract
from ._common import NOT_APPLICABLE, AnyCase, Problems, answer_json, header, request_body, verdict

MOCK_KEY = "aistats_v1_sk_compare0_mock"
_ANY_KEY = re.compile(r"aistats_v1_sk_[A-Za-z0-9]{6,64}_\S+")
VOLATILE_HEADERS = frozenset({"date", "server", "content-length", "connection", "keep-alive", "transfer-encoding"})
GATEWAY_HEADER = re.compile(r"^(x-gateway-|access-control-|cache-control$|timing-allow-origin$|server-timing$)")


@cache
def reference_client() -> ASGIClient:
    """The bundled mock, in-process: the reference every target is compared with."""
    client = get_client(create_app(Settings(gateway_release=contract().release.name)))  # type: ignore[arg-type]  # Starlette is an ASGI app
    client.__enter__()
    return client


def ask_mock(response: Response) -> requests.Response:
    sent = response.request
    parts = urlsplit(sent.url or "")
    headers = {
        name: _ANY_KEY.sub(MOCK_KEY, value) if name.lower() == "authorization" else value
        for name, value in request_headers(sent).items()
        if name.lower() not in {"host", "content-length"}
    }
    url = parts.path + (f"?{parts.query}" if parts.query else "")
    return reference_client().request(
        sent.method or "POST", url, headers=headers, data=request_body(response), allow_redirects=False
    )


def shape(value: Any) -> Any:
    """Keys and JSON types, not values: what two answers to one request must share."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return ["array"] if not value else [shape(value[0])]
    return js_type(value)


def shape_differences(target: Any, mock: Any, path: str = "") -> list[str]:
    if isinstance(target, dict) and isinstance(mock, dict):
        found = []
        for key in sorted(set(target) | set(mock)):
            where = f"{path}.{key}" if path else key
            if key not in target:
                found.append(f"{where}: only the mock has it")
            elif key not in mock:
                found.append(f"{where}: only the target has it")
            else:
                found.extend(shape_differences(target[key], mock[key], where))
        return found
    if isinstance(target, list) and isinstance(mock, list):
        if target == ["array"] or mock == ["array"]:
            return []  # an empty list says nothing about its items
        return shape_differences(target[0], mock[0], f"{path}[]")
    if target != mock and not _timing(path, target, mock):
        return [f"{path or '(body)'}: {_kind(target)} on the target, {_kind(mock)} on the mock"]
    return []


def _timing(path: str, target: Any, mock: Any) -> bool:
    """A ``meta`` timing that is a number on one answer and null on the other: the gateway reports
    ``throughput_tps`` as null when the provider's time rounds to 0 ms (tests/test_july_fidelity.py cites the
    source), so two answers to
    one request may differ there by how long the call took, not by contract."""
    return path.startswith("meta.") and {target, mock} <= {"null", "number"}


def _kind(shaped: Any) -> str:
    return "object" if isinstance(shaped, dict) else "array" if isinstance(shaped, list) else str(shaped)


@schemathesis.check
def mock_divergence(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """(--compare-with-mock) Status, error code, headers, body keys and types against the mock."""
    body = answer_json(response)
    judged = verdict(response)
    if (
        judged.judged
        and not judged.expected.matches(response.status_code, body)
        and judged.accepts(response.status_code, body)
    ):
        return NOT_APPLICABLE  # an answer of the account or the provider, which the mock does not imitate
    mock = ask_mock(response)
    problems = Problems("mock_divergence")
    mock_body = answer_json(Response.from_requests(mock, verify=True))
    problems.expect(
        response.status_code == mock.status_code,
        "status differs from the mock's",
        f"target {response.status_code}, mock {mock.status_code}",
    )
    target_error = body.get("error") if isinstance(body, dict) else None
    mock_error = mock_body.get("error") if isinstance(mock_body, dict) else None
    problems.expect(
        target_error == mock_error,
        "error code differs from the mock's",
        f"target {target_error!r}, mock {mock_error!r}",
    )
    mock_headers = {name.lower() for name in mock.headers} - VOLATILE_HEADERS
    target_headers = set(response.headers) - VOLATILE_HEADERS
    missing = sorted(mock_headers - target_headers)
    extra = sorted(name for name in target_headers - mock_headers if GATEWAY_HEADER.match(name))
    problems.expect(not missing, "headers the mock sends and the target does not", ", ".join(missing))
    problems.expect(not extra, "gateway headers the target sends and the mock does not", ", ".join(extra))
    if header(response, "content-type") != mock.headers.get("content-type"):
        problems.add(
            "content type differs from the mock's",
            f"target {header(response, 'content-type')!r}, mock {mock.headers.get('content-type')!r}",
        )
    if response.status_code == mock.status_code:
        differences = shape_differences(shape(body), shape(mock_body))
        problems.expect(not differences, "body keys or types differ from the mock's", "; ".join(differences[:8]))
    problems.raise_if_any()
    return None
