"""The suite's checks: schemathesis' own plus the gateway checks the OpenAPI document cannot express.

Importing this package registers the gateway checks with schemathesis (``@schemathesis.check``).
"""

from __future__ import annotations

from dataclasses import dataclass

from schemathesis.checks import CHECKS, load_all_checks

from ._common import CheckFn, ContractViolation
from .acceptance import check_order, route_answers, semantic_acceptance
from .divergence import mock_divergence
from .envelope import error_envelope
from .headers import gateway_headers
from .pricing import pricing_arithmetic
from .success import debug_options, success_invariants

GATEWAY_CHECKS = (
    "error_envelope",
    "success_invariants",
    "pricing_arithmetic",
    "debug_options",
    "gateway_headers",
    "semantic_acceptance",
    "check_order",
    "route_answers",
    "mock_divergence",
)

# schemathesis checks left out by default, and why (the contract wins where it and schemathesis differ)
EXCLUDED_BY_DEFAULT: dict[str, str] = {
    "positive_data_acceptance": "the gateway rejects some schema-valid requests by design (unknown or blank model, "
    "provider filters); semantic_acceptance checks those against the contract instead",
    "unsupported_method": "expects 405 with Allow; the gateway answers 404 text/plain (route_answers checks it)",
    "mock_divergence": "needs --compare-with-mock",
}

# What schemathesis' own checks look at (their docstrings are not all there to say it)
SCHEMATHESIS_CHECKS = {
    "not_a_server_error": "no 5xx answer",
    "status_code_conformance": "the status is one the document declares",
    "content_type_conformance": "the content type is the one the document declares for that status",
    "response_headers_conformance": "the headers the document declares for that status (X-Gateway-Error-*)",
    "response_schema_conformance": "the body matches the declared schema (ErrorResponse on errors)",
    "negative_data_rejection": "schema-invalid requests are refused with a 4xx",
    "positive_data_acceptance": "schema-valid requests are accepted (replaced by semantic_acceptance)",
    "missing_required_header": "a request without a required header (Authorization) is refused",
    "unsupported_method": "methods the document does not declare get 405",
    "allow_header_conformance": "an Allow header lists the declared methods",
    "ignored_auth": "without or with a bad key, a request that succeeds with the key is refused (401)",
}

# Built-in checks that need state across requests (links between operations); this API has one operation.
STATEFUL_ONLY = frozenset({"use_after_free", "ensure_resource_availability", "object_level_authorization"})


@dataclass(frozen=True)
class NamedCheck:
    name: str
    function: CheckFn
    description: str


def all_checks() -> dict[str, NamedCheck]:
    """Every check the suite can run, by name: schemathesis' (stateless ones) and the gateway's."""
    load_all_checks()
    found: dict[str, NamedCheck] = {}
    for check in CHECKS.get_all():
        if isinstance(check, type) or check.__name__ in STATEFUL_ONLY:
            continue
        name = check.__name__
        docstring = " ".join((check.__doc__ or "").strip().split("\n\n")[0].split())
        found[name] = NamedCheck(name, check, SCHEMATHESIS_CHECKS.get(name) or docstring or name)
    order = [*GATEWAY_CHECKS, *SCHEMATHESIS_CHECKS]  # the gateway's first, then schemathesis'
    return dict(sorted(found.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))


def select_checks(
    only: list[str] | None = None, exclude: list[str] | None = None, *, compare: bool = False
) -> list[NamedCheck]:
    available = all_checks()
    unknown = sorted((set(only or []) | set(exclude or [])) - set(available))
    if unknown:
        raise ValueError(f"unknown checks: {', '.join(unknown)}; available: {', '.join(sorted(available))}")
    if only:
        chosen = [available[name] for name in only]
    else:
        skipped = set(EXCLUDED_BY_DEFAULT) - ({"mock_divergence"} if compare else set())
        chosen = [check for name, check in available.items() if name not in skipped]
    return [check for check in chosen if check.name not in set(exclude or [])]


__all__ = [
    "EXCLUDED_BY_DEFAULT",
    "GATEWAY_CHECKS",
    "ContractViolation",
    "NamedCheck",
    "all_checks",
    "check_order",
    "debug_options",
    "error_envelope",
    "gateway_headers",
    "mock_divergence",
    "pricing_arithmetic",
    "route_answers",
    "select_checks",
    "semantic_acceptance",
    "success_invariants",
]
