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
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from mockserver.gateway.auth import BEARER, HTTP_WHITESPACE, KEY_FORMAT, KeyRules
from mockserver.gateway.errors import GatewayError
from mockserver.gateway.jsvalues import string_to_number
from mockserver.gateway.oauth import oauth_refusal
from mockserver.gateway.parsing import is_form
from mockserver.gateway.qualified import check_constraints, split_model

from .reference import UNSUPPORTED_FILTERS, contract
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
    elif not js_trim(authorization[len(BEARER) :]):
        broken.append(_unauthorised("missing_or_invalid_authorization_header", "'Bearer ' and nothing else"))
    elif (reason := _key_refused(authorization)) is not None:
        broken.append(_unauthorised(reason, "the token is not a key of this release's formats"))
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

    # 3 schema: zod's issues, exactly (zod_rules)
    details = expected_details(body)
    if details:
        text = description(details)
        why = f"{len(details)} zod issue(s), the first: {text}"
        broken.append(Outcome("schema", 400, "validation_error", why, {"description": text, "details": details}))
        return Verdict(tuple(broken), tuple(tolerated), None)

    # 3b provider-qualified model ids (2026-08)
    qualified_providers = contract().release.get("request", "qualified_providers")
    selection = None
    if qualified_providers:
        try:
            selection = split_model(body["model"], frozenset(qualified_providers))
        except GatewayError as error:
            broken.append(Outcome("schema", 400, "validation_error", "a provider-qualified model id",
                                  {"description": error.given_description}))
            return Verdict(tuple(broken), tuple(tolerated), None)

    # 4 blank model
    model_id = selection.model if selection else js_trim(body["model"])
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

    # 5 testing mode (pipeline/before/index.ts L194-211, bff496d80): the mock never holds the internal token
    if testing_mode_requested(request.headers, body):
        broken.append(_unauthorised("requires_internal_token", "testing mode without the internal token"))
        return Verdict(tuple(broken), tuple(tolerated), None)

    # 6 the context: a preset, key limits, the model, the wallet (before/guards.ts L380-481)
    if model_id.startswith("@"):
        broken.append(Outcome("model", 500, "gateway_error", "a preset the workspace does not have",
                              {"description": "gateway_context_failed"}))
        return Verdict(tuple(broken), tuple(tolerated), None)
    tolerate(Outcome("key_limits", 429, "key_limit_exceeded", "the key's limits (account state)"))
    model = contract().catalog.resolve(model_id)
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

    tolerate(Outcome("wallet", 402, "insufficient_funds", "the wallet (account state)"))

    # 7 the routing filters not yet supported (before/index.ts L340-357)
    filters = _unsupported_filters(body)
    if filters:
        broken.append(
            Outcome(
                "routing_filters",
                400,
                "validation_error",
                f"unsupported routing filter {filters[0][0]}",
                {"description": filters[0][1]},
            )
        )
        return Verdict(tuple(broken), tuple(tolerated), None)

    # 8 provider filters (a qualified id pins its provider; a conflict or a provider without the model is a 400)
    if selection is not None:
        try:
            check_constraints(selection, body, [offer.provider for offer in model.ocr_offers])
        except GatewayError:
            broken.append(Outcome("provider_filter", 400, "validation_error", "the qualified provider"))
            return Verdict(tuple(broken), tuple(tolerated), None)
        body = {**body, "provider": {**(body.get("provider") or {}), "only": [selection.provider]}, "routing": {}}
    candidates = _filtered_providers(body, [offer.provider for offer in model.ocr_offers])
    if not candidates:
        broken.append(
            Outcome(
                "provider_filter",
                400,
                "validation_error",
                f"provider.only/ignore leave none of {[o.provider for o in model.ocr_offers]}",
                {"description": contract().release.get("routing", "no_providers_message"),
                 "error_operational_kind": "request_provider_filter_no_match"},
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

    # 10 routing gates (execute/routing.ts L981-1038): nothing left, no attempt
    emptied = _pool_emptied(body)
    if emptied is not None:
        broken.append(Outcome("routing", 502, "upstream_error", f"{emptied} no OCR provider meets",
                              {"reason": "all_candidates_failed"}))
        return Verdict(tuple(broken), tuple(tolerated), None)

    # 11 upstream, 12 success
    tolerate(
        Outcome("upstream", 502, "upstream_error", "the provider failed"),
        Outcome("upstream", 502, "provider_payment_required", "the provider wants payment"),
    )
    success = Outcome(SUCCESS_RULE, 200, None, f"{model_id} serves OCR")
    return Verdict(tuple(broken), tuple(tolerated), success if not broken else None, model=model.gateway_id)


def _key_refused(authorization: str) -> str | None:
    """The 401 reason for a bearer value this release's key formats refuse (None: a well-formed key). A release
    without its own JWT rule sends a JWT-shaped token down the OAuth path, which refuses it."""
    token = js_trim(authorization[len(BEARER) :])
    rules = KeyRules.from_settings(contract().release.get("keys"))
    if rules.oauth_jwt_reason is None and (refusal := oauth_refusal(token)) is not None:
        return refusal
    try:
        canonical = rules.canonical(authorization, datetime.now(UTC)) or ""
    except GatewayError as error:
        return error.given_description
    return None if KEY_FORMAT.match(js_trim(canonical[len(BEARER) :])) else "invalid_key_format"


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
                words = message.replace("AI Stats Gateway", contract().release.get("routing", "gateway_name"))
                found.append((f"{source}.{spelling}", f"{words} at {source}.{spelling}"))
    return found


def provider_ids(values: Any) -> list[str]:
    """Provider ids as the gateway compares them (lib/config/providerAliases.ts L5-20): trimmed,
    lowercased, de-aliased; blank ids kept."""
    aliases = contract().release.get("provider_aliases")
    ids = [js_trim(str(value)).lower() for value in values] if isinstance(values, list) else []
    return [aliases.get(value, value) for value in ids]


def _filtered_providers(body: Mapping[str, Any], providers: list[str]) -> list[str]:
    merged = {**(body.get("provider") or {}), **(body.get("routing") or {})}
    only = provider_ids(merged.get("only")) or None
    ignore = provider_ids(merged.get("ignore"))
    return [p for p in providers if (only is None or p in only) and p not in ignore]


def testing_mode_requested(headers: Mapping[str, str], body: Mapping[str, Any]) -> bool:
    """pipeline/before/testingMode.ts L1-20: the first present source, truthy."""
    rules = contract().release.get("testing_mode")
    value: Any = next((headers[name] for name in rules["headers"] if headers.get(name) is not None), None)
    for path in rules["body_keys"] if value is None else []:
        node: Any = body
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            value = node
            break
    return value is True or (isinstance(value, str) and js_trim(value).lower() in rules["truthy"])


PRICE_CAP_FIELDS = ("prompt", "completion", "image", "audio", "request")


def _pool_emptied(body: Mapping[str, Any]) -> str | None:
    """What empties the OCR routing pool (requestRouting.ts L85-194, execute/routing.ts L345-404,
    L981-1038, providerResidency.ts L148-202): mistral has no regions and no ZDR entry, and the OCR
    price card has no meter a max_price field caps."""
    sources = [o for o in (body.get("routing"), body.get("provider")) if isinstance(o, dict)]

    def first(*names: str) -> Any:
        return next((s[n] for s in sources for n in names if s.get(n) is not None), None)

    for names in (("required_execution_region", "requiredExecutionRegion"),
                  ("required_data_region", "requiredDataRegion")):
        region = first(*names)
        if region not in (None, False, "", 0) and js_trim(str(region)):
            return "a region requirement"
    zdr = first("require_zero_data_retention", "requireZeroDataRetention")
    if not isinstance(zdr, bool):
        zdr = first("zdr")
    if zdr is True:
        return "a zero-data-retention requirement"
    caps = first("max_price", "maxPrice")
    if isinstance(caps, dict):
        for name in PRICE_CAP_FIELDS:
            cap = caps.get(name)
            if isinstance(cap, str):
                cap = string_to_number(cap)
            if isinstance(cap, int | float) and not isinstance(cap, bool) and math.isfinite(cap):
                return "a max price"
    return None
