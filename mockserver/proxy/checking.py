"""Each forwarded exchange through the conformance suite's checks (``contract_tests.checks``).

The request is judged by the suite's oracle (what the contract predicts for it); the answer goes through
the gateway checks that look at one exchange. ``mock_divergence`` is left out: the proxy compares the
target with the contract, not with the mock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

import requests
from requests.structures import CaseInsensitiveDict
from schemathesis import Response

from contract_tests.checks import GATEWAY_CHECKS, ContractViolation, NamedCheck, all_checks
from contract_tests.oracle import SentRequest, Verdict, judge

SKIPPED = frozenset({"mock_divergence"})


@dataclass(frozen=True)
class Finding:
    """A check that failed: its name, the first problem's title, and every problem."""

    check: str
    title: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "title": self.title, "message": self.message}


@cache
def proxy_checks() -> tuple[NamedCheck, ...]:
    available = all_checks()
    return tuple(available[name] for name in GATEWAY_CHECKS if name not in SKIPPED)


def judged(headers: Iterable[tuple[str, str]], body: bytes) -> Verdict:
    return judge(SentRequest(headers=CaseInsensitiveDict(dict(headers)), body=body))


def _prepared(method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes) -> requests.PreparedRequest:
    request = requests.PreparedRequest()
    request.method = method
    request.url = url
    request.headers = CaseInsensitiveDict(dict(headers))
    request.body = body
    return request


def check_exchange(
    *, method: str, url: str, request_headers: Iterable[tuple[str, str]], request_body: bytes, status: int,
    response_headers: Iterable[tuple[str, str]], response_body: bytes, elapsed_s: float,
) -> list[Finding]:
    """Every check's finding for one exchange (``url`` is the target's: the checks read its path)."""
    grouped: dict[str, list[str]] = {}
    for name, value in response_headers:
        grouped.setdefault(name.lower(), []).append(value)
    response = Response(status_code=status, headers=grouped, content=response_body,
                        request=_prepared(method, url, request_headers, request_body), elapsed=elapsed_s,
                        verify=True)
    findings = []
    context: Any = None  # the gateway checks read neither the context nor the case
    for check in proxy_checks():
        try:
            check.function(cast(Any, context), response, cast(Any, None))
        except ContractViolation as violation:
            findings.append(Finding(check.name, violation.title, violation.message))
        except AssertionError as error:
            findings.append(Finding(check.name, str(error).split("\n")[0] or check.name, str(error)))
    return findings
