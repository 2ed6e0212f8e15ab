"""Behaviours of the July 2026 gateway read from its source (phaseoteam/Phaseo at bff496d80), not from the
contract page. Every test names the file and lines it follows; paths are under apps/api/src/.

Where the answer depends on production data the source does not hold (keys, workspaces, presets, live
health, catalog status flags), the test says which assumption of the contract page it keeps.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.web.app import create_app
from tests.asgi_driver import RawRequest, call
from tests.helpers import AUTH, ROUTING_META, TINY_PNG_B64, envelope_without_id, expect_error, post_ocr

MODEL = "mistral/ocr-3"
IMAGE = "https://example.com/a.png"
OK = {"model": MODEL, "image": IMAGE}


def b64url(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def scripted(**spec: Any) -> TestClient:
    client = TestClient(create_app(mock=Mock(Settings())))
    assert client.post("/_mock/scripts", json={"model": MODEL, **spec}).status_code == 201
    return client


# -- order of checks ------------------------------------------------------------------------------


def test_testing_mode_sits_after_model_required_and_before_the_model_check(client: TestClient) -> None:
    """pipeline/before/index.ts L190-211: blank model first, then testing mode, then the context."""
    assert post_ocr(client, {"model": " ", "image": IMAGE, "testing_mode": True}).json()["error"] == "model_required"
    response = post_ocr(client, {"model": "nope/x", "image": IMAGE, "testing_mode": True})
    assert response.json()["description"] == "requires_internal_token"


def test_key_limits_and_wallet_come_before_the_unsupported_filters(client: TestClient) -> None:
    """before/index.ts L216-229 (guardContext: key limits, model, wallet) before L340-357. The key
    accounts are production data; the mock's key accounts stand in for them."""
    key = "aistats_v1_sk_limited01_secret"
    client.put("/_mock/keys", json={"keys": [{"key": key, "soft_blocked": True}]})
    body = {**OK, "provider": {"quantizations": ["fp8"]}}
    response = post_ocr(client, body, headers={"Authorization": f"Bearer {key}"})
    assert response.json()["error"] == "key_limit_exceeded"
    client.put("/_mock/keys", json={"keys": [{"key": key, "balance_usd": 0.5}]})
    response = post_ocr(client, body, headers={"Authorization": f"Bearer {key}"})
    assert response.json()["error"] == "insufficient_funds"


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"data_collection": "allow"}, ["provider", "data_collection"]),
        ({"dataCollection": "deny", "data_collection": None}, ["provider", "dataCollection"]),
        ({"enforce_distillable_text": False}, ["provider", "enforce_distillable_text"]),
        ({"quantizations": []}, ["provider", "quantizations"]),
    ],
)
def test_any_non_null_unsupported_filter_is_rejected(
    client: TestClient, options: dict[str, Any], path: list[str]
) -> None:
    """pipeline/requestRouting.ts L236-290: the first spelling with a non-null value, per source."""
    details = post_ocr(client, {**OK, "provider": options}).json()["details"]
    assert [detail["path"] for detail in details] == [path]


# -- testing mode ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"testing_mode": True}, {}),
        ({"testingMode": "1"}, {}),
        ({"debug": {"testing_mode": " ON "}}, {}),
        ({"debug": {"testingMode": "yes"}}, {}),
        ({}, {"x-aistats-testing-mode": "true"}),
        ({}, {"x-ai-stats-testing-mode": "1"}),
        ({}, {"x-gateway-testing-mode": "on"}),
        ({"testing_mode": False}, {"x-gateway-testing-mode": "TRUE"}),
    ],
)
def test_testing_mode_without_the_internal_token_is_a_401(
    client: TestClient, body: dict[str, Any], headers: dict[str, str]
) -> None:
    """pipeline/before/testingMode.ts L1-40, before/index.ts L194-211. The internal token is a
    production secret the mock never accepts, so every testing-mode request is refused."""
    response = post_ocr(client, {**OK, **body}, headers=headers)
    expect_error(response, 401, "unauthorised", "requires_internal_token")
    assert response.headers["x-gateway-error-attribution"] == "user"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"testing_mode": "0"}, {}),
        ({"testing_mode": False, "testingMode": True}, {}),  # the first present source decides
        ({"testing_mode": True}, {"x-aistats-testing-mode": "0"}),
        ({"testing_mode": 1}, {}),  # a number is neither boolean nor string
        ({"testing_mode": None, "debug": {"testing_mode": "nope"}}, {}),
    ],
)
def test_testing_mode_not_requested(client: TestClient, body: dict[str, Any], headers: dict[str, str]) -> None:
    """testingMode.ts L3-20: ``??`` takes the first source that is not null; truthy is boolean true or
    one of 1/true/yes/on after trimming and lowercasing."""
    assert post_ocr(client, {**OK, **body}, headers=headers).status_code == 200


# -- JWT-shaped bearer tokens ---------------------------------------------------------------------

CLAIMS = {"user_id": "u", "workspace_id": "w", "client_id": "c"}


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (f"{b64url({'alg': 'RS256', 'kid': 'k1'})}.{b64url(CLAIMS)}.sig", "Public key not found in JWKS"),
        (f"{b64url({'alg': 'RS256'})}.{b64url(CLAIMS)}.sig", "Missing kid in JWT header"),
        (f"{b64url({'kid': ''})}.{b64url(CLAIMS)}.sig", "Missing kid in JWT header"),
        (f"{b64url({'kid': 0})}.{b64url(CLAIMS)}.sig", "Missing kid in JWT header"),
        (f"{b64url([1])}.{b64url(CLAIMS)}.sig", "Missing kid in JWT header"),
        (f"%%%.{b64url(CLAIMS)}.sig", "Invalid JWT format"),
        (f"{b64url(b'not json')}.{b64url(CLAIMS)}.sig", "Invalid JWT format"),
        (f"{b64url(None)}.{b64url(CLAIMS)}.sig", "oauth_authentication_failed"),
        # not the gateway's OAuth claims: an ordinary malformed key
        (f"{b64url({'kid': 'k'})}.{b64url({'user_id': 'u'})}.sig", "invalid_key_format"),
        (f"{b64url({'kid': 'k'})}.{b64url({**CLAIMS, 'client_id': 1})}.sig", "invalid_key_format"),
        ("a.b.c", "invalid_key_format"),
        ("a.b", "invalid_key_format"),
        (f"aistats_{b64url({'kid': 'k'})}.{b64url(CLAIMS)}.sig", "invalid_key_format"),
    ],
)
def test_jwt_shaped_tokens_take_the_oauth_path(client: TestClient, token: str, reason: str) -> None:
    """pipeline/before/auth.ts L342-356 (three parts, not aistats_), L798-824 (the payload must carry
    string user_id, workspace_id and client_id), L622-793 and lib/oauth/jwt.ts L188-237 (the
    validator's message is the 401 description). The gateway's JWKS are production data: no key the
    mock could see signed a token, so a token with a kid is "Public key not found in JWKS"."""
    response = post_ocr(client, OK, headers={"Authorization": f"Bearer {token}"})
    expect_error(response, 401, "unauthorised", reason)


# -- routing knobs that empty the pool -------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "stage", "reason"),
    [
        ({"provider": {"required_execution_region": "eu"}}, "residency_gate", "execution_region_mismatch"),
        ({"routing": {"requiredExecutionRegion": " EU "}}, "residency_gate", "execution_region_mismatch"),
        ({"provider": {"required_data_region": "us"}}, "residency_gate", "data_region_mismatch"),
        ({"provider": {"requiredDataRegion": "us"}}, "residency_gate", "data_region_mismatch"),
        ({"provider": {"require_zero_data_retention": True}}, "residency_gate", "zero_data_retention_unsupported"),
        ({"routing": {"requireZeroDataRetention": True}}, "residency_gate", "zero_data_retention_unsupported"),
        ({"provider": {"zdr": True}}, "residency_gate", "zero_data_retention_unsupported"),
        ({"provider": {"max_price": {"request": 1}}}, "pricing_cap_gate", "exceeds_max_price"),
        ({"provider": {"maxPrice": {"prompt": "0.5"}}}, "pricing_cap_gate", "exceeds_max_price"),
        ({"routing": {"max_price": {"image": ""}}}, "pricing_cap_gate", "exceeds_max_price"),  # Number("") is 0
        ({"provider": {"max_price": {"audio": "0x10"}}}, "pricing_cap_gate", "exceeds_max_price"),
    ],
)
def test_routing_requirements_the_provider_cannot_meet_are_a_502_without_an_attempt(
    client: TestClient, options: dict[str, Any], stage: str, reason: str
) -> None:
    """pipeline/execute/routing.ts L981-1038 (residency and price-cap gates, empty pool), L345-404;
    lib/config/providerResidency.ts L148-202 (mistral has no residency entry: no regions, ZDR unknown);
    execute/guards.ts L287-352 and core/error-handler.ts L808-870 (the 502). The OCR price card has only
    the input_pages meter, so any numeric cap matches no meter."""
    response = post_ocr(client, {**OK, **options})
    assert response.status_code == 502
    body = envelope_without_id(response)
    diagnostics = body.pop("routing_diagnostics")
    assert body == {
        "status_code": 502,
        "error": "upstream_error",
        "error_type": "system",
        "error_origin": "upstream",
        "description": 'Provider "unknown" failed for endpoint "ocr" on model "mistral/ocr-3". '
        "No per-attempt diagnostics were captured.",
        "reason": "all_candidates_failed",
    }
    assert response.headers["x-gateway-error-attribution"] == "upstream"
    assert diagnostics["finalCandidateCount"] == 0
    assert diagnostics["rankedProviders"] == []
    dropped = next(s for s in diagnostics["filterStages"] if s["stage"] == stage)["droppedProviders"]
    assert dropped == [{"providerId": "mistral", "apiModelId": MODEL, "providerModelSlug": "mistral-ocr-2512",
                        "reason": reason}]


@pytest.mark.parametrize(
    "options",
    [
        {"required_execution_region": "  "},
        {"required_data_region": ""},
        {"require_zero_data_retention": False, "zdr": True},  # the explicit field wins over zdr
        {"max_price": {}},
        {"max_price": {"prompt": "abc"}},
        {"max_price": {"completion": "Infinity"}},
        {"zdr": False},
        {"mode": "price", "sort": {"by": "latency"}, "preferred_min_throughput": 5, "order": ["x"]},
    ],
)
def test_routing_options_without_effect(client: TestClient, options: dict[str, Any]) -> None:
    """routing.ts L345-352 (a cap that is not a finite number is skipped), providerResidency.ts L172-180
    (a blank region passes), requestRouting.ts L103-114 (require_zero_data_retention before zdr)."""
    assert post_ocr(client, {**OK, "provider": options}).status_code == 200


# -- debug and meta on success ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "headers", "meta_routing", "diagnostics"),
    [
        ({}, {"x-ai-stats-debug": "1"}, True, True),
        ({}, {"x-gateway-debug": "TRUE"}, True, True),
        ({}, {"x-gateway-debug": "no", "x-ai-stats-debug": "1"}, False, False),  # the first header present
        ({}, {"x-ai-stats-debug": "on"}, False, False),
        ({"meta": True}, {}, True, False),
        ({"meta": "YES"}, {}, True, False),
        ({"meta": "on"}, {}, False, False),
        ({"meta": 1}, {}, False, False),
        ({"provider": {"diagnostics": True}}, {}, False, True),
        ({"provider": {"return_diagnostics": True}}, {}, False, True),
        ({"routing": {"returnDiagnostics": True}}, {}, False, True),
        ({"routing": {"diagnostics": False}, "provider": {"diagnostics": True}}, {}, False, False),
        ({"routing": {"diagnostics": None}, "provider": {"diagnostics": True}}, {}, False, True),
        ({"debug": {"enabled": True}}, {}, True, True),
    ],
)
def test_debug_switches(
    client: TestClient, body: dict[str, Any], headers: dict[str, str], meta_routing: bool, diagnostics: bool
) -> None:
    """pipeline/before/index.ts L166-172, L626, L638 (debug headers with ``??``; the raw body's ``meta``),
    before/guards.ts L230-236 (1/true/yes, lowercased), requestRouting.ts L89-96 (routing.* before
    provider.*, nulls skipped), after/index.ts L250-298, L499-517."""
    result = post_ocr(client, {**OK, **body}, headers=headers).json()
    assert (result["meta"].get("routing") == ROUTING_META) == meta_routing
    assert ("routing" in result["meta"]) == meta_routing
    assert ("routing_diagnostics" in result) == diagnostics


def test_routing_diagnostics_shape(client: TestClient) -> None:
    """execute/routing.ts L784-837 (buildDiagnostics), L839-1028 (filter stages); before/index.ts
    L724-726 (workspacePolicy first). Statuses, health and team settings are production data: the
    values for an active, healthy provider and no workspace policy (data/routing_diagnostics.yaml)."""
    body = {**OK, "provider": {"diagnostics": True, "only": ["Mistral"], "sort": {"mode": "cost"}}}
    result = post_ocr(client, body).json()
    diagnostics = result["routing_diagnostics"]
    assert list(result)[-1] == "routing_diagnostics"
    assert diagnostics["workspacePolicy"]["requestProviderOnly"] == ["mistral"]
    assert diagnostics["workspacePolicy"]["afterCount"] == 1
    del diagnostics["workspacePolicy"]
    provider = {"providerId": "mistral", "apiModelId": MODEL, "providerModelSlug": "mistral-ocr-2512"}
    stages = ["hints.only", "status_gate", "provider_routing_status_gate", "model_routing_status_gate",
              "capability_status_gate", "offer_scope_gate", "residency_gate"]
    assert diagnostics == {
        "model": MODEL,
        "endpoint": "ocr",
        "priority": "default",
        "routingMode": "price",
        "requestedRouting": {
            "requestedMode": "cost", "allowFallbacks": True, "requireParameters": False, "returnDiagnostics": True,
            "requiredExecutionRegion": None, "requiredDataRegion": None, "requireZeroDataRetention": None,
            "maxPrice": None, "preferredMinThroughput": None, "preferredMaxLatency": None,
        },
        "strictPriority": False,
        "testingMode": False,
        "includeAlpha": False,
        "includeAlphaHint": False,
        "betaChannelEnabled": False,
        "alphaChannelEnabled": False,
        "providerCapabilitiesBeta": False,
        "stickyRouting": {"enabled": True, "contextResolved": False, "contextSource": None, "hintedProvider": None,
                          "cachedReadTokens": None, "applied": False},
        "filterStages": [{"stage": s, "beforeCount": 1, "afterCount": 1, "droppedProviders": []} for s in stages],
        "consideredProviders": [{**provider, "providerStatus": "active", "providerRoutingStatus": "active",
                                 "modelRoutingStatus": "active", "capabilityStatus": "active", "baseWeight": 1}],
        "rankedProviders": [{
            **provider, "score": 1, "breaker": "closed", "breakerUntilMs": 0,
            "scoreFactors": {"successRate": 1, "latencyScore": 0.5, "tailLatencyScore": 0.5, "throughputScore": 0,
                             "priceScore": 1, "tokenAffinity": 0.5, "loadPenalty": 0, "baseWeight": 1,
                             "rolloutMultiplier": 1, "routingMultiplier": 1, "cacheBoostMultiplier": 1,
                             "latencyPreferenceMultiplier": 1, "throughputPreferenceMultiplier": 1},
        }],
        "finalCandidateCount": 1,
    }


def test_success_key_order(client: TestClient) -> None:
    """after/payload.ts L98-119, L920-927, L537-546; after/index.ts L512-517: upstream_request and
    upstream_response before the cost keys, routing_diagnostics last."""
    body = {**OK, "echo_upstream_request": True, "debug": {"return_upstream_response": True, "enabled": True}}
    assert list(post_ocr(client, body).json()) == [
        "requestId", "id", "object", "model", "provider", "text", "usage", "nativeResponseId", "meta",
        "upstream_request", "upstream_response", "cost_nanos", "cost_cents", "currency", "pricing_lines",
        "routing_diagnostics",
    ]


# -- the error debug object -----------------------------------------------------------------------


def test_error_debug_before_the_provider_call(client: TestClient) -> None:
    """core/error-handler.ts L661-671, L871-893; pipeline/before/http.ts L116-133 (the internal err()
    body). The workspace id is production data; the mock shows a fixed one."""
    response = post_ocr(client, {"model": "nope/x", "image": "a"}, headers={"x-gateway-debug": "1"})
    debug = response.json()["debug"]
    assert debug["provider_attempts"] is None and debug["attempt_errors"] is None and debug["routing"] is None
    upstream = debug["upstream"]
    assert upstream["error"] == "unsupported_model_or_endpoint"
    assert upstream["reason"] == "model_not_found_or_inactive"
    assert upstream["request_id"] == upstream["generation_id"] == response.json()["generation_id"]
    assert list(upstream)[-3:] == ["description", "status_code", "generation_id"]
    auth = post_ocr(client, OK, headers={"Authorization": "Bearer nope", "x-gateway-debug": "yes"}).json()
    assert auth["debug"]["upstream"] == {
        "error": "unauthorised", "reason": "invalid_key_format", "request_id": auth["generation_id"],
        "status_code": 401, "error_type": "user", "error_origin": "user", "generation_id": auth["generation_id"],
    }


@pytest.mark.parametrize(
    ("headers", "kwargs", "carries"),
    [
        ({"x-gateway-debug": "1"}, {"json": {"model": "nope/x", "image": "a"}}, True),
        ({"x-ai-stats-debug": "1"}, {"json": {"model": "nope/x", "image": "a"}}, False),  # not for errors
        ({"x-gateway-debug": "on"}, {"json": {"model": "nope/x", "image": "a"}}, False),
        ({"x-gateway-debug": "1"}, {"data": {"model": "nope/x", "image": "a"}}, True),  # urlencoded
        ({"x-gateway-debug": "1"}, {"data": {"model": "nope/x"}, "files": {"image": ("a", b"a")}}, False),
        ({"x-gateway-debug": "1", "content-type": "text/plain"},
         {"content": b'{"model": "nope/x", "image": "a"}'}, False),
        ({"x-gateway-debug": "1"}, {"json": {"model": "nope/x", "image": "a" * 300_000}}, False),  # > 256 KiB
    ],
)
def test_error_debug_needs_a_small_text_body_before_the_provider_call(
    client: TestClient, headers: dict[str, str], kwargs: dict[str, Any], carries: bool
) -> None:
    """pipeline/index.ts L18-36, L54-73: the error handler sees the request before the provider call
    only for JSON or urlencoded bodies of at most 262144 bytes; error-handler.ts L661-671: only
    x-gateway-debug, exactly true/1/yes."""
    response = client.post("/v1/ocr", headers={**AUTH, **headers}, **kwargs)
    assert response.status_code == 400
    assert ("debug" in response.json()) == carries


def test_error_debug_after_the_provider_call_ignores_the_body_type() -> None:
    """surfaces/non-text.ts L367-375: execute-stage errors pass the real request; error-handler.ts
    L871-893: attempt logs and the routing state."""
    client = scripted(upstream={"status": 500, "message": "boom"})
    response = client.post("/v1/ocr", headers={**AUTH, "x-gateway-debug": "1"}, data={"model": MODEL, "image": "a"},
                           files={"x": ("x", b"x")})
    debug = response.json()["debug"]
    assert debug["upstream"]["failed_statuses"] == [500]
    assert debug["provider_attempts"][0]["status"] == 500
    assert debug["routing"]["routing_snapshot"] == [
        {"provider": "mistral", "breaker": "closed", "breaker_until_ms": 0, "score": 1}
    ]


# -- upstream_request / upstream_response / text ----------------------------------------------------


@pytest.mark.parametrize(
    ("image", "size"),
    [
        (IMAGE, None),
        ("  https://example.com/a.png \n", None),  # trimmed, then a URL
        ("HTTPS://EXAMPLE.COM/A.PNG", 16),  # the prefix check is case-sensitive: sent as base64
        (f"data:image/png;base64,{TINY_PNG_B64}", 68),
        (TINY_PNG_B64, 68),
    ],
)
def test_upstream_response_usage_and_the_image_sent(client: TestClient, image: str, size: int | None) -> None:
    """providers/mistral/endpoints/ocr.ts L12-18 (trim, then http://, https:// or data: case-sensitively,
    else a JPEG data URL) and L20-48 (usage meters only when positive: a URL has no document size)."""
    result = post_ocr(client, {"model": MODEL, "image": image, "debug": {"return_upstream_response": True}}).json()
    expected: dict[str, Any] = {"requests": 1, "input_pages": 1, "pages_processed": 1}
    if size is not None:
        expected["doc_size_bytes"] = size
    assert result["upstream_response"]["usage"] == expected


def test_zero_pages_have_no_page_meters() -> None:
    """mistral/endpoints/ocr.ts L40-48: input_pages and pages_processed only when > 0."""
    client = scripted(pages=[])
    result = post_ocr(client, {**OK, "debug": {"return_upstream_response": True}}).json()
    assert result["upstream_response"]["usage"] == {"requests": 1}
    assert result["text"] == ""


def test_text_skips_empty_pages() -> None:
    """mistral/endpoints/ocr.ts L20-37: empty page texts are dropped before the join."""
    client = scripted(pages=["A", "", "B", ""])
    assert post_ocr(client, OK).json()["text"] == "A\n\nB"


# -- upstream failures ------------------------------------------------------------------------------


def test_provider_402_adds_the_payment_keys() -> None:
    """execute/guards.ts L455-491, core/error-handler.ts L838-844."""
    body = post_ocr(scripted(upstream={"status": 402}), OK).json()
    assert body["error"] == "provider_payment_required"
    keys = list(body)
    assert keys[keys.index("upstream_error") + 1 : keys.index("upstream_error") + 4] == [
        "provider_payment_required_provider", "provider_payment_required_support_notice", "routing_diagnostics"]
    assert body["provider_payment_required_provider"] == "mistral"
    assert body["provider_payment_required_support_notice"] == (
        "Please let us know on GitHub or Discord if you see this error.")


@pytest.mark.parametrize(
    ("payload", "preview"),
    [
        ({"message": "x" * 400}, orjson.dumps({"message": "x" * 400}).decode()[:320] + "...[truncated 94 chars]"),
        ("<html>bad gateway</html>", "null"),  # not JSON
        (None, "null"),
        ([1, 2], "[1,2]"),
    ],
)
def test_payload_preview(payload: Any, preview: str) -> None:
    """execute/index.ts L96-102 (320 characters and a marker), adapter-bridge.ts L468-472 (a body that is
    not JSON is null, previewed as "null"); retryable is null for an HTTP answer (L771-785)."""
    upstream: dict[str, Any] = {"status": 503}
    if payload is not None:
        upstream["payload"] = payload
    sample = post_ocr(scripted(upstream=upstream), OK).json()["failure_sample"][0]
    assert sample["upstream_payload_preview"] == preview
    assert sample["retryable"] is None


def test_long_upstream_fields_are_cut_and_trimmed() -> None:
    """execute/index.ts L96-102: trimmed, 320 characters, then the marker."""
    body = post_ocr(scripted(upstream={"status": 400, "message": "  " + "m" * 330 + " "}), OK).json()
    assert body["upstream_error"]["message"] == "m" * 320 + "...[truncated 10 chars]"
    assert "Upstream message: " + "m" * 179 + "..." in body["description"]  # normalizeText, 180 (guards.ts L29-35)


@pytest.mark.parametrize(
    ("upstream", "category"),
    [
        ({"status": 403, "message": "Forbidden"}, "credentials_invalid_or_forbidden"),
        ({"status": 403, "message": "no"}, None),
        ({"status": 500, "message": "project quota"}, "region_or_project_restriction"),
        ({"status": 400, "code": "MISTRAL_KEY_MISSING"}, "credentials_not_configured"),
        ({"status": 400, "message": "Model not enabled"}, "provider_access_missing"),
        ({"status": 422, "description": "not available for endpoint ocr"}, "model_unavailable_for_endpoint"),
        ({"status": 429, "code": "throttlingexception"}, "rate_limited"),
        ({"status": 400}, None),
    ],
)
def test_failure_diagnostics_are_keyword_driven(upstream: dict[str, Any], category: str | None) -> None:
    """execute/guards.ts L64-261: codes and keywords are checked before the status rules."""
    body = post_ocr(scripted(upstream=upstream), OK).json()
    assert body.get("provider_failure_diagnostics", {}).get("category") == category


# -- model resolution ---------------------------------------------------------------------------------


def test_a_provider_scoped_slug_resolves_to_the_gateway_model(client: TestClient) -> None:
    """supabase/migrations/20260617193000_add_data_policy_to_gateway_context.sql (resolved_model:
    provider_id/provider_model_slug); before/context.ts L727-740. Whether the row is active is production
    data: the mock takes the catalog's rows as active, as the contract page does."""
    result = post_ocr(client, {"model": "mistral/mistral-ocr-2512", "image": IMAGE, "provider": {"diagnostics": True}})
    assert result.status_code == 200
    assert result.json()["model"] == "mistral-ocr-2512"
    assert result.json()["routing_diagnostics"]["workspacePolicy"]["resolvedModel"] == MODEL


def test_a_preset_is_a_500_before_the_key_limits(client: TestClient) -> None:
    """before/guards.ts L471-481: the context RPC raises preset_not_found (caught as
    gateway_context_failed). Workspaces' presets are production data: every preset is unknown here."""
    key = "aistats_v1_sk_preset01_secret"
    client.put("/_mock/keys", json={"keys": [{"key": key, "soft_blocked": True}]})
    response = post_ocr(client, {"model": "@my-preset", "image": IMAGE}, headers={"Authorization": f"Bearer {key}"})
    expect_error(response, 500, "gateway_error", "gateway_context_failed", error_type="system",
                 error_origin="gateway")
    assert response.headers["x-gateway-error-attribution"] == "upstream"


# -- form bodies --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error", "description"),
    [
        ([("model", MODEL), ("image", "abc"), ("model", "zzz")], "validation_error",
         "Invalid input: expected string, received array at model"),
        ([("model", MODEL), ("image[]", "abc")], "validation_error",
         "Invalid input: expected string, received array at image"),
        ([("model", MODEL), ("image[0]", "abc")], "validation_error",
         "Invalid input: expected string, received array at image"),
        ([("model", MODEL), ("image", "abc"), ("provider", '{"only": ["google"]}')], "validation_error",
         "Workspace and request provider filters resulted in no available providers"),
        ([("model", MODEL), ("image", "abc"), ("provider[]", '{"only": []}')], "validation_error",
         "Invalid input: expected object, received array at provider"),
        ([("model", MODEL), ("image", "abc"), ("routing", '{"only": ["google"]}')], "validation_error",
         "Invalid input: expected object, received string at routing"),
        ([("model", MODEL), ("image", "abc"), ("echo_upstream_request", "true")], "validation_error",
         "Invalid input: expected boolean, received string at echo_upstream_request"),
        ([("model", MODEL), ("image", "abc"), ("testing_mode", "1")], "unauthorised", "requires_internal_token"),
        ([("model", MODEL), ("image", "abc"), ("provider", "{broken")], "validation_error",
         "Invalid input: expected object, received string at provider"),
    ],
)
def test_urlencoded_form_fields(client: TestClient, fields: list[tuple[str, str]], error: str,
                                description: str) -> None:
    """before/guards.ts L26-28, L132-141, L184-228: repeats and ``key[]``/``key[N]`` give arrays; only
    provider/debug (and include, timestamp_granularities) are JSON-parsed when they look like JSON."""
    from urllib.parse import urlencode

    response = client.post("/v1/ocr", content=urlencode(fields).encode(),
                           headers={**AUTH, "Content-Type": "application/x-www-form-urlencoded"})
    body = response.json()
    assert (body["error"], body["description"]) == (error, description)


def test_form_json_fields_switch_debug_and_meta(client: TestClient) -> None:
    """before/guards.ts L184-193 (debug parsed), before/index.ts L626 (the raw ``meta``: "true" counts)."""
    result = client.post("/v1/ocr", data={"model": MODEL, "image": "abc", "debug": ' {"enabled": true}'},
                         headers=AUTH).json()
    assert "routing_diagnostics" in result
    result = client.post("/v1/ocr", data={"model": MODEL, "image": "abc", "meta": "true"}, headers=AUTH).json()
    assert result["meta"]["routing"] == ROUTING_META


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/json; x=multipart/form-data", 400),  # read as a form, which the media type refuses
        ("text/plain; x=application/x-www-form-urlencoded", 400),
        ("Application/X-WWW-Form-Urlencoded; charset=utf-8", 200),
    ],
)
def test_form_detection_is_a_substring_match(client: TestClient, content_type: str, status: int) -> None:
    """before/guards.ts L320-332: the lowercased header contains a form type -> ``formData()``, which
    rejects a body whose media type is not that form type (invalid_json)."""
    body = b"model=mistral%2Focr-3&image=abc" if status == 200 else b'{"model": "mistral/ocr-3", "image": "a"}'
    response = client.post("/v1/ocr", content=body, headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == status
    if status == 400:
        assert response.json()["error"] == "invalid_json"


# -- HTTP surface ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_kwargs", "spans"),
    [
        ({"headers": {"Authorization": "Bearer nope"}, "json": OK}, ["guardAuth", "before_start"]),
        ({"headers": AUTH, "json": {}}, ["guardAuth", "guardJson", "guardZod", "before_start"]),
        ({"headers": AUTH, "json": {**OK, "testing_mode": True}},
         ["guardAuth", "guardJson", "guardZod", "guardModel", "resolveTestingMode", "before_start"]),
    ],
)
def test_server_timing_names_the_guards_reached(
    client: TestClient, request_kwargs: dict[str, Any], spans: list[str]
) -> None:
    """pipeline/telemetry/timer.ts L59-82 (name;dur=<3 decimals>, joined with ", "); before/index.ts
    L152-211 (the spans recorded); pipeline/index.ts L56-58 (before_start)."""
    response = client.post("/v1/ocr", **request_kwargs)
    timing = response.headers["server-timing"]
    assert [part.split(";")[0] for part in timing.split(", ")] == spans
    assert all(part.split(";dur=")[1].count(".") == 1 and len(part.split(".")[-1]) == 3 for part in timing.split(", "))


def test_success_server_timing_spans(client: TestClient) -> None:
    """after/http.ts L12-15; execute/index.ts L341-436, L474-713 (the execute spans)."""
    names = [part.split(";")[0] for part in post_ocr(client, OK).headers["server-timing"].split(", ")]
    assert names[0] == "guardAuth" and names[-1] == "ir_encode"
    assert names.index("before_start") < names.index("attempt_1_executor_total")


def test_upstream_error_key_order() -> None:
    """core/error-handler.ts L797-867 (the envelope's optional keys in this order)."""
    body = post_ocr(scripted(upstream={"status": 500}), OK).json()
    assert list(body) == [
        "generation_id", "status_code", "error", "error_type", "error_origin", "description", "reason",
        "attempt_count", "failed_providers", "failed_statuses", "failure_sample", "upstream_error",
        "routing_diagnostics", "provider_failure_diagnostics",
    ]




def test_error_fields_are_read_from_a_json_provider_body() -> None:
    """execute/index.ts L138-232 (extractUpstreamErrorSummary): Mistral's 422 with a null code; the
    description falls back to ``param``; the top-level ``type`` is not the code."""
    payload = {"object": "error", "message": "Invalid document", "type": "invalid_request_error",
               "param": "document", "code": None}
    body = post_ocr(scripted(upstream={"status": 422, "payload": payload}), OK).json()
    assert body["upstream_error"] == {"code": None, "message": "Invalid document", "description": "document",
                                      "param": "document"}
    assert body["description"] == (
        'Provider "mistral" failed with HTTP 422 for endpoint "ocr" on model "mistral/ocr-3". '
        "Upstream message: Invalid document. Upstream detail: document. "
        "Hint: The upstream provider rejected request parameters. "
        "Inspect failure_sample for per-attempt diagnostics."
    )
    assert body["failure_sample"][0]["upstream_payload_preview"] == orjson.dumps(payload).decode()
    nested = {"error": {"code": "ns#Throttled:x", "message": "slow", "param": "p"}}
    sample = post_ocr(scripted(upstream={"status": 429, "payload": nested}), OK).json()["failure_sample"][0]
    assert (sample["upstream_error_code"], sample["upstream_error_description"]) == ("Throttled", "p")


def test_the_response_model_is_the_one_the_provider_names() -> None:
    """providers/mistral/endpoints/ocr.ts L89-94, adapter-bridge.ts L436-446: ``json.model || slug``."""
    client = TestClient(create_app(mock=Mock(Settings())))
    script = {"model": "mistral/ocr-4", "text": "x", "provider_model": "mistral-ocr-2512"}
    assert client.post("/_mock/scripts", json=script).status_code == 201
    body = {"model": "mistral/ocr-4", "image": IMAGE, "debug": {"return_upstream_response": True}}
    result = post_ocr(client, body).json()
    assert result["model"] == "mistral-ocr-2512"
    assert result["upstream_response"]["model"] == "mistral-ocr-2512"
    assert post_ocr(client, {"model": "mistral/ocr-3", "image": IMAGE}).json()["model"] == "mistral-ocr-2512"


def test_error_debug_upstream_of_an_unknown_model(client: TestClient) -> None:
    """before/guards.ts L422-437 (guardContext's err() payload) and before/http.ts L116-133 (err() adds
    the fixed description, status_code, generation_id). The workspace id is production data."""
    response = post_ocr(client, {"model": " nope/x ", "image": "a"}, headers={"x-gateway-debug": "true"})
    upstream = response.json()["debug"]["upstream"]
    assert list(upstream) == [
        "error", "reason", "error_type", "error_origin", "error_operational_kind", "model", "endpoint",
        "request_id", "workspace_id", "provider_candidate_diagnostics", "description", "status_code",
        "generation_id",
    ]
    assert (upstream["model"], upstream["endpoint"], upstream["error_operational_kind"]) == (
        "nope/x", "ocr", "invalid_model_slug")


@pytest.mark.parametrize(
    "options",
    [
        {"routing": {"dataCollection": None, "enforceDistillableText": None, "quantizations": None}},
        {"provider": {"data_collection": None, "dataCollection": None}, "routing": {"quantizations": None}},
    ],
)
def test_null_unsupported_filters_are_accepted_in_every_spelling(client: TestClient, options: dict[str, Any]) -> None:
    """pipeline/requestRouting.ts L276-283: a null or absent value is skipped, in provider and routing."""
    assert post_ocr(client, {**OK, **options}).status_code == 200


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("\xa0", "missing_or_invalid_authorization_header"),  # JavaScript's trim empties it (a latin-1 byte)
        ("\xa0 \xa0", "missing_or_invalid_authorization_header"),
        ("\x85aistats_v1_sk_abcdef_s", "invalid_key_format"),  # JavaScript's trim keeps U+0085
    ],
)
def test_the_token_is_trimmed_as_javascript_trims(token: str, reason: str) -> None:
    """pipeline/before/auth.ts L260-267 (readBearerToken: ``slice(7).trim()``, empty is no bearer). Raw
    bytes over ASGI: the test client would re-encode a latin-1 header value as UTF-8."""
    request = RawRequest(headers=[(b"authorization", ("Bearer " + token).encode("latin-1")),
                                  (b"content-type", b"application/json")], chunks=[orjson.dumps(OK)])
    response = call(create_app(mock=Mock(Settings())), request)
    assert response.status == 401
    assert orjson.loads(response.body)["description"] == reason


def test_a_repeated_authorization_header_is_one_joined_value() -> None:
    """pipeline/before/auth.ts L260-267 reads ``req.headers.get("authorization")``: Fetch joins the values
    of a repeated header with ", ", so the secret is the first key's secret plus the rest."""
    from tests.helpers import KEY

    request = RawRequest(headers=[(b"authorization", f"Bearer {KEY}".encode()), (b"authorization", b"Bearer x"),
                                  (b"content-type", b"application/json")], chunks=[orjson.dumps(OK)])
    response = call(create_app(mock=Mock(Settings(keys=(KEY,)))), request)
    assert (response.status, orjson.loads(response.body)["description"]) == (401, "invalid_secret")


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        ({"beta_capabilities": True}, {}, True),
        ({"beta_capabilities": None, "provider_capabilities_beta": "yes"}, {}, True),
        ({"beta_capabilities": True}, {"x-aistats-beta-capabilities": "0"}, False),
        ({}, {"x-aistats-beta-capabilities": "1"}, True),
    ],
)
def test_provider_capabilities_beta_in_diagnostics(
    client: TestClient, body: dict[str, Any], headers: dict[str, str], expected: bool
) -> None:
    """pipeline/before/index.ts L160-164 (header ?? raw body keys), execute/routing.ts L749."""
    result = post_ocr(client, {**OK, **body, "provider": {"diagnostics": True}}, headers=headers).json()
    assert result["routing_diagnostics"]["providerCapabilitiesBeta"] is expected


@pytest.mark.parametrize(
    ("options", "enabled"),
    [
        ({}, True),
        ({"provider": {"prefer_cache": False}}, False),
        ({"provider": {"preferCache": "no", "cacheAwareRouting": False}}, False),  # the first boolean
        ({"routing": {"cache_aware": False}, "provider": {"prefer_cache_routing": True}}, True),  # provider first
    ],
)
def test_sticky_routing_follows_the_cache_preference(
    client: TestClient, options: dict[str, Any], enabled: bool
) -> None:
    """execute/sticky-routing.ts L291-307, execute/providers.ts L11-17 (team setting: production data,
    default true)."""
    body = {**OK, **options, "debug": {"enabled": True}}
    assert post_ocr(client, body).json()["routing_diagnostics"]["stickyRouting"]["enabled"] is enabled
