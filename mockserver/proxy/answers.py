"""The proxy's own answers, in the gateway's envelope and clearly marked as the proxy's.

- the target could not be reached or did not answer in time: the gateway's 502 ``upstream_error``;
- a body over the proxy's limit: the mock's 413 ``payload_too_large``;
- the budget is spent: a 402 (``insufficient_funds``) whose ``error_origin`` is ``gateway``, since the
  proxy, not the caller's account, refused it.

Both descriptions start with ``PROXY_LABEL``, so nobody mistakes them for the real gateway's.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from mockserver.gateway.errors import GatewayError
from mockserver.gateway.ids import new_generation_id
from mockserver.web.http import json_response

PROXY_LABEL = "ocr-mock proxy"
Answer = tuple[int, dict[str, Any], dict[str, str]]  # status, body, headers
PROXY_ORIGIN = "gateway"


def _answer(error: GatewayError, **overrides: Any) -> Answer:
    body = {**error.envelope(new_generation_id()), **overrides}
    headers = error.headers()
    if "error_origin" in overrides:
        headers["X-Gateway-Error-Origin"] = overrides["error_origin"]
    return error.status, body, headers


def target_failed(target: str, cause: str) -> Answer:
    description = f"{PROXY_LABEL}: the target {target} {cause}; the request was not answered by the gateway."
    return _answer(GatewayError("upstream_error", description, reason="proxy_target_unreachable"))


def budget_spent(cap_usd: str, spent_usd: str, price_usd: str) -> Answer:
    description = (
        f"{PROXY_LABEL}: the budget (--budget-usd {cap_usd}) is spent: ${spent_usd} so far, this request would "
        f"cost about ${price_usd}; it was not forwarded."
    )
    error = GatewayError("insufficient_funds", description, reason="proxy_budget_spent")
    return _answer(error, error_origin=PROXY_ORIGIN)


def too_large(error: GatewayError) -> Answer:
    """The mock's 413 for a body over the proxy's limit (it reads each body whole, to check it)."""
    return _answer(error, description=f"{PROXY_LABEL}: {error.description}")


def respond(answer: Answer) -> Response:
    status, body, headers = answer
    return json_response(status, body, headers)
