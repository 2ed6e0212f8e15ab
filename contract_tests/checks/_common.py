"""What every gateway check needs: the request as sent, the answer as JSON, the verdict, a failure type."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import orjson
from requests.structures import CaseInsensitiveDict
from schemathesis import Case, CheckContext, Response
from schemathesis.core.failures import Failure, Severity

from ..oracle import NotJson, SentRequest, Verdict, body_bytes, judge, parse_body, sent
from ..reference import GENERATION_ID

OCR_PATH = "/v1/ocr"
AnyCase = Case[Any]
CheckFn = Callable[[CheckContext, Response, AnyCase], bool | None]
NOT_APPLICABLE = True  # schemathesis reads a truthy return as "skipped"


class ContractViolation(Failure):
    """A departure from the gateway contract that the OpenAPI document cannot express."""

    code = "OCR901"
    kind_title = "Gateway contract violation"

    def __init__(self, check: str, title: str, message: str, *, operation: str | None = None) -> None:
        super().__init__(operation=operation, title=title, message=message, severity=Severity.HIGH)
        self.check = check

    @property
    def _unique_key(self) -> str:
        return f"{self.check}|{self.title}"


class Problems:
    """Collects (title, detail) pairs; raises one failure naming the first, listing all."""

    def __init__(self, check: str) -> None:
        self.check = check
        self.items: list[tuple[str, str]] = []

    def add(self, title: str, detail: str = "") -> None:
        self.items.append((title, detail))

    def expect(self, condition: bool, title: str, detail: str = "") -> bool:
        if not condition:
            self.add(title, detail)
        return condition

    def require(self, body: dict[str, Any], keys: Iterable[str], what: str) -> bool:
        missing = [key for key in keys if key not in body]
        return self.expect(not missing, f"{what} keys missing", ", ".join(missing))

    def restrict(self, body: dict[str, Any], allowed: Iterable[str], what: str) -> None:
        unexpected = sorted(set(body) - set(allowed))
        self.expect(not unexpected, f"keys {what} does not have", ", ".join(unexpected))

    def generation_id(self, value: Any, name: str) -> None:
        self.expect(
            isinstance(value, str) and bool(GENERATION_ID.match(value)), f"{name} is not G- and a ULID", repr(value)
        )

    def raise_if_any(self) -> None:
        if not self.items:
            return
        lines = [f"- {title}" + (f": {detail}" if detail else "") for title, detail in self.items]
        raise ContractViolation(self.check, self.items[0][0], "\n".join(lines))


def request_body(response: Response) -> bytes:
    return body_bytes(response.request)


def sent_request(response: Response) -> SentRequest:
    return sent(response.request)


def sent_json(response: Response) -> Any:
    """The request body as JSON, or None when it was not JSON."""
    try:
        return parse_body(request_body(response))
    except NotJson:
        return None


def request_path(response: Response) -> str:
    return urlsplit(response.request.url or "").path


def is_ocr_call(response: Response) -> bool:
    return response.request.method == "POST" and request_path(response) == OCR_PATH


def answer_json(response: Response) -> Any:
    """The answer's body as JSON; None when it is not JSON."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def verdict(response: Response) -> Verdict:
    request = sent(response.request)
    return _judge(tuple(sorted((name.lower(), value) for name, value in request.headers.items())), request.body)


@lru_cache(maxsize=256)
def _judge(headers: tuple[tuple[str, str], ...], body: bytes) -> Verdict:
    return judge(SentRequest(headers=CaseInsensitiveDict(dict(headers)), body=body))


def header(response: Response, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return ", ".join(values) if values else None


def answer_label(status: int, body: Any) -> str:
    if isinstance(body, dict) and "error" in body:
        reason = body.get("reason") or body.get("description")
        return f"{status} {body.get('error')} ({str(reason)[:80]})"
    return f"{status}"
