"""What the contract says the gateway answers to a request, worked out from the request alone.

The gateway checks a request rule by rule and the first failure wins (contract, "Order of checks").
``judge`` walks the same rules and lists every rule the request breaks, as far as they can be told
apart (a body that is not JSON has no schema to break). The first one is the expected answer; the
rest let the ``check_order`` check say what a target that checks in another order got wrong.

Some answers depend on the account or the provider, not the request (key limits, wallet, an upstream
failure, an unknown but well-formed key): those are *tolerated*, never expected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from mockserver.gateway.auth import BEARER, HTTP_WHITESPACE, KEY_FORMAT
from mockserver.gateway.parsing import is_form

from .reference import NO_PROVIDERS_MESSAGE, UNSUPPORTED_FILTERS, contract
from .zod_rules import description, expected_details

# JavaScript's String.prototype.trim() removes these (WhiteSpace and LineTerminator); Python's
# str.strip() removes a different set (it keeps U+FEFF, and removes U+001C..U+001F and U+0085).
# Restated from the contract rather than imported from mockserver.gateway.validation: the suite judges the
# mock, so a mistake in the mock's trimming must not become the suite's too (it found one).
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def js_trim(text: str) -> str:
    return text.strip(JS_WHITESPACE)


@dataclass(frozen=True)
class Outcome:
    """One answer of the gateway: the rule that produced it, status, error code, and fixed envelope fields."""

    rule: str
    status: int
    error: str | None
    why: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, status: int, body: Any) -> bool:
        if status != self.status:
            return False
        if self.error is None:
            return True
        if not isinstance(body, dict) or body.get("error") != self.error:
            return False
        return all(body.get(name) == value for name, value in self.fields.items())

    def label(self) -> str:
        answer = "200 success" if self.error is None else f"{self.status} {self.error}"
        return f"{answer} ({self.rule}: {self.why})"


SUCCESS_RULE = "success"


@dataclass(frozen=True)
class Verdict:
    broken: tuple[Outcome, ...]
    tolerated: tuple[Outcome, ...]
    success: Outcome | None
    judged: bool = True  # False when the contract does not say (a form body)
    model: str | None = None  # the catalog model a success runs on

    @property
    def expected(self) -> Outcome:
        if self.broken:
            return self.broken[0]
        assert self.success is not None
        return self.success

    @property
    def passes_input_rules(self) -> bool:
        """Authenticated (or well-formed key), JSON, schema-valid: what schemathesis calls positive data."""
        return not any(outcome.rule in INPUT_RULES for outcome in self.broken)

    def accepts(self, status: int, body: Any) -> bool:
        return self.expected.matches(status, body) or any(t.matches(status, body) for t in self.tolerated)


INPUT_RULES = frozenset({"auth", "json", "schema"})


@dataclass(frozen=True)
class SentRequest:
    """What went over the wire."""

    headers: Mapping[str, str]  # case-insensitive
    body: bytes


def body_bytes(request: requests.PreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return body
    raise TypeError(f"a streamed request body cannot be judged: {type(body).__name__}")


def request_headers(request: requests.PreparedRequest) -> CaseInsensitiveDict[str]:
    headers = {
        name: value.decode("latin-1") if isinstance(value, bytes) else value for name, value in request.headers.items()
    }
    return CaseInsensitiveDict(headers)


def sent(request: requests.PreparedRequest) -> SentRequest:
    return SentRequest(headers=request_headers(request), body=body_bytes(request))


class NotJson(Exception):
    """The body is not a JSON text (the gateway's invalid_json)."""


def parse_body(raw: bytes) -> Any:
    """The body as the gateway reads it: UTF-8 (invalid bytes replaced, a BOM dropped), then JSON; no NaN."""
    text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")

    def reject(name: str) -> Any:
        raise NotJson(name)

    try:
        return json.loads(text, parse_constant=reject)
    except (ValueError, RecursionError, NotJson):
        raise NotJson() from None


def _unauthorised(reason: str, why: str) -> Outcome:
    return Outcome("auth", 401, "unauthorised", why, {"description": reason})


def judge(request: SentRequest) -> Verdict:
    broken: list[Outcome] = []
    tolerated: list[Outcome] = []

    def tolerate(*outcomes: Outcome) -> None:
        if not broken:
            tolerated.extend(outcomes)

    # 1 auth (the runtime trims every header value of surrounding HTTP white space first)
    authorization = request.headers.get("authorization")
    if authorization is not None:
        authorization = authorization.strip(HTTP_WHITESPACE)
    if authorization is None:
        broken.append(_unauthorised("missing_or_invalid_authorization_header", "no Authorization header"))
    elif not authorization.startswith(BEARER):
        broken.append(_unauthorised("missing_or_invalid_authorization_header", "Authorization is not 'Bearer <key>'"))
    elif KEY_FORMAT.match(authorization[len(BEARER) :].strip()) is None:
        broken.append(_unauthorised("invalid_key_format", "the token is not an aistats_v1_sk_<kid>_<secret> key"))
    else:
        tolerate(
            *(
                _unauthorised(reason, "a well-formed key the target does not know")
                for reason in ("key_not_found_or_revoked", "key_expired", "invalid_secret")
            )
        )

    # 2 JSON
    if is_form(request.headers.get("content-type")):
        return Verdict(tuple(broken), tuple(tolerated), None, judged=False)
    try:
        body = parse_body(request.body)
    except NotJson:
        broken.append(Outcome("json", 400, "invalid_json", "the body is not JSON", {"description": "invalid_json"}))
        return Verdict(tuple(broken), tuple(tolerated), None)

    # 3 schema: zod's issues, exactly (zod_rules), then the routing filters the gateway does not support
    details = expected_details(body)
    if details:
        text = description(details)
        why = f"{len(details)} zod issue(s), the first: {text}"
        broken.append(Outcome("schema", 400, "validation_error", why, {"description": text, "details": details}))
        return Verdict(tuple(broken), tuple(tolerated), None)
    filters = _unsupported_filters(body)
    if filters:
        broken.append(
            Outcome(
                "schema",
                400,
                "validation_error",
                f"unsupported routing filter {filters[0][0]}",
                {"description": filters[0][1]},
            )
        )
        return Verdict(tuple(broken), tuple(tolerated), None)

    # 4 blank model
    model_id = js_trim(body["model"])
    if not model_id:
        broken.append(
            Outcome(
                "model_required",
                400,
                "model_required",
                "the model is blank after trimming",
                {"description": "model_required"},
            )
        )
        return Verdict(tuple(broken), tuple(tolerated), None)

    # 5 key limits
    tolerate(Outcome("key_limits", 429, "key_limit_exceeded", "the key's limits (account state)"))

    # 6 model serves OCR
    model = contract().model(model_id)
    if model is None:
        broken.append(
            _unsupported(
                "model",
                f"{model_id!r} is not in the catalog",
                reason="model_not_found_or_inactive",
                error_operational_kind="invalid_model_slug",
            )
        )
        return Verdict(tuple(broken), tuple(tolerated), None)
    if not model.ocr_offers:
        broken.append(
            _unsupported(
                "model",
                f"{model_id} does not serve OCR",
                reason="unsupported_endpoint_for_model",
                error_operational_kind="unsupported_endpoint_for_model",
            )
        )
        return Verdict(tuple(broken), tuple(tolerated), None)

    # 7 wallet
    tolerate(Outcome("wallet", 402, "insufficient_funds", "the wallet (account state)"))

    # 8 provider filters
    candidates = _filtered_providers(body, [offer.provider for offer in model.ocr_offers])
    if not candidates:
        broken.append(
            Outcome(
                "provider_filter",
                400,
                "validation_error",
                f"provider.only/ignore leave none of {[o.provider for o in model.ocr_offers]}",
                {"description": NO_PROVIDERS_MESSAGE, "error_operational_kind": "request_provider_filter_no_match"},
            )
        )
        return Verdict(tuple(broken), tuple(tolerated), None)

    # 9 provider enabled and priced
    offers = [offer for offer in model.ocr_offers if offer.provider in candidates]
    enabled = [offer for offer in offers if offer.provider in contract().catalog.ocr_executors]
    if not enabled:
        broken.append(
            _unsupported("provider_enablement", f"no OCR executor for {candidates}", reason="no_enabled_providers")
        )
        return Verdict(tuple(broken), tuple(tolerated), None)
    if all(offer.usd_per_1000_pages is None for offer in enabled):
        broken.append(_unsupported("provider_enablement", f"{model_id} has no price", reason="pricing_not_configured"))
        return Verdict(tuple(broken), tuple(tolerated), None)

    # 10 upstream, 11 success
    tolerate(
        Outcome("upstream", 502, "upstream_error", "the provider failed"),
        Outcome("upstream", 502, "provider_payment_required", "the provider wants payment"),
    )
    success = Outcome(SUCCESS_RULE, 200, None, f"{model_id} serves OCR")
    return Verdict(tuple(broken), tuple(tolerated), success if not broken else None, model=model_id)


def _unsupported(rule: str, why: str, **fields: Any) -> Outcome:
    description = contract().errors["unsupported_model_or_endpoint"].description
    return Outcome(rule, 400, "unsupported_model_or_endpoint", why, {"description": description, **fields})


def _unsupported_filters(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, expected description) of each unsupported routing filter the body sets."""
    found = []
    for source in ("provider", "routing"):
        options = body.get(source)
        if not isinstance(options, dict):
            continue
        for _field, spellings, message in UNSUPPORTED_FILTERS:
            spelling = next((s for s in spellings if options.get(s) is not None), None)
            if spelling is not None:
                found.append((f"{source}.{spelling}", f"{message} at {source}.{spelling}"))
    return found


def provider_ids(values: Any) -> list[str]:
    """Provider ids as the gateway compares them: trimmed, lowercased, blanks dropped."""
    return [js_trim(value).lower() for value in values or [] if js_trim(value)]


def _filtered_providers(body: Mapping[str, Any], providers: list[str]) -> list[str]:
    merged = {**(body.get("provider") or {}), **(body.get("routing") or {})}
    only = provider_ids(merged.get("only")) or None
    ignore = provider_ids(merged.get("ignore"))
    return [p for p in providers if (only is None or p in only) and p not in ignore]
