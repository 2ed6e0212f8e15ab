"""GET /v1/models under gateway release 2026-08: request in, answer out.

Sources at 01ac8aca0, under apps/api/src/routes/v1/control/: models.ts (the handler 531-706, an item 474-528, the query
parsing 34-128, the texts 154-223) and models.catalogue.ts (fetchCatalogue 1068-1795).

Which models are listed, their providers and endpoints, follow the release's catalog (data/catalog.yaml with
releases/2026-08/catalog.patch.yaml). Names, descriptions, dates, organisations and their colours, provider names and
modalities are the MOCK'S ASSUMPTION: the gateway reads them from its production database (v2_models, v2_labs,
v2_model_provider_routes ...), which the source does not hold; the mock serves the catalogue package's values at
01ac8aca0 (packages/data/catalog/src/data/), taken as what that database was seeded with. The tests pin the shape
and the rules (filters, paging, order, derived fields) and name those values only where a rule turns on them.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.mock import Mock
from mockserver.web.app import Settings, create_app
from tests.releases.helpers import IMAGE, MODEL
from tests.releases.test_2026_08_errors_auth_http import jwt

KEY = {"Authorization": "Bearer phaseo_v1_sk_test01_s3cret"}
ITEM_KEYS = ["id", "base_model_id", "variant", "variants", "name", "description", "organization", "aliases",
             "lifecycle", "modalities", "limits", "capabilities", "availability", "pricing", "offers"]
LIFECYCLE_KEYS = ["status", "released_at", "deprecated_at", "retires_at", "replacement_id", "message"]
AVAILABILITY_KEYS = ["status", "provider_count", "active_provider_count", "coming_soon_provider_count",
                     "inactive_provider_count"]
OFFER_KEYS = ["provider", "model", "status", "status_reason", "routable", "endpoints", "modalities", "capabilities",
              "routing", "effective", "pricing"]
# models.catalogue.ts 281-303: the meters of a pricing summary; OCR is priced per page (input_pages), not one of them.
METERS = ["input_tokens", "input_characters", "input_text_bytes", "input_text_tokens", "input_image_tokens",
          "input_image", "input_video_tokens", "input_audio_tokens", "input_audio_seconds", "output_tokens",
          "output_text_tokens", "output_image_tokens", "output_image", "output_audio_tokens", "output_audio_seconds",
          "web_search", "implicit_cached_input_text_tokens", "cached_read_text_tokens", "cached_write_text_tokens",
          "cached_write_text_tokens_5m", "cached_write_text_tokens_1h"]
UNPRICED = {"pricing_plan": "standard", "meters": dict.fromkeys(METERS)}
# The OCR models the 2026-08 catalog lists by default, and the provider slug each is served under (catalog.yaml,
# catalog.patch.yaml: api_providers/*/models.json at 01ac8aca0).
OCR_OFFERS = {
    "mistral/ocr-4.1": ("mistral", "mistral-ocr-4-1"),
    "mistral/ocr-4": ("mistral", "mistral-ocr-4-0"),
    "mistral/ocr-3": ("mistral", "mistral-ocr-2512"),
    "deepseek/deepseek-ocr": ("atlascloud", "deepseek-ai/DeepSeek-OCR"),
}


def listing(client: TestClient, query: str = "", headers: dict[str, str] | None = None) -> Any:
    response = client.get(f"/v1/models{query}", headers=KEY if headers is None else headers)
    assert response.status_code == 200, response.text
    return response.json()


def ids(body: dict[str, Any]) -> list[str]:
    return [model["id"] for model in body["models"]]


# -- the item: models.ts 474-528 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", OCR_OFFERS)
def test_each_ocr_model_is_an_item_of_the_2026_08_shape(client08: TestClient, model_id: str) -> None:
    """models.ts 480-527: the keys and their order; the lifecycle is `active` for an available model (134-152,
    the assumed database status "Available"); one offer per provider (259-290) under the catalog's provider slug;
    no token meter is priced (models.catalogue.ts 711-717, 1725-1733)."""
    body = listing(client08, f"?model_id={model_id}")
    assert (body["total"], ids(body)) == (1, [model_id])
    item = body["models"][0]
    assert list(item) == ITEM_KEYS
    assert "model_id" not in item  # July's spread of the catalogue row is gone
    assert (item["base_model_id"], item["variant"]) == (model_id, "standard")
    assert item["variants"] == {"standard": {"model_id": model_id, "name": item["name"]}}
    assert list(item["lifecycle"]) == LIFECYCLE_KEYS and item["lifecycle"]["status"] == "active"
    assert item["lifecycle"]["message"] is None
    assert list(item["organization"]) == ["id", "name", "color"]
    assert item["organization"]["id"] == model_id.split("/")[0]
    assert list(item["limits"]) == ["input_tokens", "output_tokens"]
    assert item["capabilities"]["endpoints"] == ["ocr"]
    assert list(item["availability"]) == AVAILABILITY_KEYS
    assert item["availability"] == {"status": "active", "provider_count": 1, "active_provider_count": 1,
                                    "coming_soon_provider_count": 0, "inactive_provider_count": 0}
    assert item["pricing"] == UNPRICED
    [offer] = item["offers"]
    assert list(offer) == OFFER_KEYS
    provider, slug = OCR_OFFERS[model_id]
    assert (offer["provider"]["id"], offer["model"]) == (provider, slug)
    assert (offer["status"], offer["status_reason"], offer["routable"]) == ("active", "active", True)
    assert offer["endpoints"] == ["ocr"]
    assert offer["routing"] == {"provider": "active", "model": "active", "capability": "active"}
    assert offer["pricing"] == UNPRICED


def test_ocr_4_1_in_full(client08: TestClient) -> None:
    """The whole item for mistral/ocr-4.1. Name, description, release date, organisation (and its colour), provider
    name, modalities and the context length are the mock's assumption (the catalogue package's models/mistral/
    ocr-4.1/model.json, organisations/mistral/organisation.json, api_providers/mistral/models.json 3051-3070), since
    the gateway reads them from its production database. Derived by the source's rules: the variants (459-472), no
    replacement (nothing names ocr-4.1 as its previous model, 176-185), limits.input_tokens from the
    context_length detail (194-203, 511), the offer's effective window and modalities (259-290)."""
    [item] = listing(client08, "?model_id=mistral/ocr-4.1")["models"]
    assert item == {
        "id": "mistral/ocr-4.1",
        "base_model_id": "mistral/ocr-4.1",
        "variant": "standard",
        "variants": {"standard": {"model_id": "mistral/ocr-4.1", "name": "OCR 4.1"}},
        "name": "OCR 4.1",
        "description": "OCR 4.1 is Mistral's document understanding model with improved layout fidelity, block "
                       "detection, text preservation, checkbox recognition, and right-to-left table parsing.",
        "organization": {"id": "mistral", "name": "Mistral", "color": "#e97a35"},
        "aliases": [],
        "lifecycle": {"status": "active", "released_at": "2026-08-13T00:00:00", "deprecated_at": None,
                      "retires_at": None, "replacement_id": None, "message": None},
        "modalities": {"input": ["image", "file"], "output": ["text", "image"]},
        "limits": {"input_tokens": 16384, "output_tokens": None},
        "capabilities": {"endpoints": ["ocr"], "parameters": [], "parameter_details": {}},
        "availability": {"status": "active", "provider_count": 1, "active_provider_count": 1,
                         "coming_soon_provider_count": 0, "inactive_provider_count": 0},
        "pricing": UNPRICED,
        "offers": [{
            "provider": {"id": "mistral", "name": "Mistral"},
            "model": "mistral-ocr-4-1",
            "status": "active",
            "status_reason": "active",
            "routable": True,
            "endpoints": ["ocr"],
            "modalities": {"input": ["image", "file"], "output": ["text", "image"]},
            "capabilities": {"parameters": [], "parameter_details": {}},
            "routing": {"provider": "active", "model": "active", "capability": "active"},
            "effective": {"from": "2026-08-13T00:00:00", "to": None},
            "pricing": UNPRICED,
        }],
    }


def test_ocr_4_lists_its_request_parameters_and_is_replaced_by_ocr_4_1(client08: TestClient) -> None:
    """The one OCR route with parameters (api_providers/mistral/models.json 2969-2999, assumed to be the database's
    route capability): the model lists them sorted, each detail naming its provider (models.catalogue.ts 1704-1711,
    493-500); the offer without providers (1515-1516, models.ts 275-276). ocr-4.1 names ocr-4 as its previous model,
    so ocr-4's replacement is ocr-4.1 (models.ts 176-185, 498); an active model has no message (154-174)."""
    [item] = listing(client08, "?model_id=mistral/ocr-4")["models"]
    parameters = item["capabilities"]["parameters"]
    assert parameters == sorted(parameters) and len(parameters) == 14
    assert {"document", "pages", "include_image_base64", "bbox_annotation_format"} <= set(parameters)
    assert set(item["capabilities"]["parameter_details"]) == set(parameters)
    assert all(detail == {"supported": True, "providers": ["mistral"]}
               for detail in item["capabilities"]["parameter_details"].values())
    [offer] = item["offers"]
    assert offer["capabilities"]["parameters"] == parameters
    assert all(detail == {"supported": True} for detail in offer["capabilities"]["parameter_details"].values())
    assert item["lifecycle"]["replacement_id"] == "mistral/ocr-4.1"
    assert item["lifecycle"]["message"] is None
    assert listing(client08, "?model_id=mistral/ocr-3")["models"][0]["lifecycle"]["replacement_id"] == "mistral/ocr-4"


# -- which models: the release's catalog (models.catalogue.ts 1446-1794) ---------------------------------------------


def test_the_default_listing_follows_the_2026_08_catalog(client08: TestClient) -> None:
    """`availability` defaults to active (models.ts 121-128): only models with a routable route in its effective
    window (models.catalogue.ts 1250-1258, 1521-1523, 1591-1593). So ocr-4.1 (added in 2026-08) is listed and
    ocr-2 (is_active_gateway false, api_providers/mistral/models.json 2854) is not. Newest release first, undated
    last, then by name, then id (555-567; the dates are the mock's assumption)."""
    body = listing(client08)
    assert body["ok"] is True and body["availability_mode"] == "active"
    listed = ids(body)
    assert "mistral/ocr-4.1" in listed and "mistral/ocr-2" not in listed
    assert listed[:4] == ["mistral/ocr-4.1", "mistral/ocr-4", "mistral/ocr-3", "deepseek/deepseek-ocr"]
    assert body["total"] == len(listed) == 11
    assert listed[-2:] == ["anthropic/claude-sonnet-4-5", "mistral/mistral-large-2411"]  # undated: by name


def test_ocr_2_is_listed_inactive_with_every_availability(client08: TestClient) -> None:
    """`?availability=all` keeps routes that are not active (models.catalogue.ts 1521-1523): ocr-2's only route is
    not routable, so its offer is inactive for reason "inactive" (738-791, 903-905) and so is the model (1713-1723).
    The catalogue package has no model row named mistral/ocr-2, so the mock lists no name, dates or modalities for
    it: the name falls back to the id and the description is the generated sentence (models.ts 205-223, 485)."""
    body = listing(client08, "?availability=all")
    assert body["availability_mode"] == "all" and "mistral/ocr-2" in ids(body)
    [item] = listing(client08, "?availability=ALL&model_id=mistral/ocr-2")["models"]
    assert item["availability"] == {"status": "inactive", "provider_count": 1, "active_provider_count": 0,
                                    "coming_soon_provider_count": 0, "inactive_provider_count": 1}
    [offer] = item["offers"]
    assert (offer["status"], offer["status_reason"], offer["routable"]) == ("inactive", "inactive", False)
    assert item["name"] == "mistral/ocr-2" and item["lifecycle"]["status"] is None
    assert item["description"] == (
        "mistral/ocr-2 by Mistral accepts unspecified input and produces unspecified output. inactive through "
        "Phaseo. Supports ocr."
    )


def test_the_july_release_serves_no_model_listing() -> None:
    """July (bff496d80) answered GET /v1/models with each raw catalogue row spread into the item (control/models.ts
    465-503 there: model_id, providers, supported_parameters, lifecycle.replacement_model_id, architecture, ...).
    That shape is not imitated: under 2026-07 the route is the gateway's plain-text 404, as any unknown route."""
    with TestClient(create_app(mock=Mock(Settings(gateway_release="2026-07")))) as client:
        response = client.get("/v1/models", headers={"Authorization": "Bearer aistats_v1_sk_test01_s3cret"})
    assert (response.status_code, response.text) == (404, "404 Not Found")


# -- filters: models.ts 589-618, 660-661; models.catalogue.ts 1432-1623 -------------------------------------------


def test_model_id_filters_on_the_id(client08: TestClient) -> None:
    """models.ts 610-613, 660-661: `model_id` and `id`, each a list (comma/space separated or {a,b}, 58-87), match
    the id exactly; the filter applies after the replacement links are made (658-668), and total counts the
    filtered list."""
    assert ids(listing(client08, "?model_id=mistral/ocr-4.1")) == ["mistral/ocr-4.1"]
    assert ids(listing(client08, "?id=mistral/ocr-4.1")) == ["mistral/ocr-4.1"]
    assert ids(listing(client08, "?model_id=mistral/ocr-3,%20mistral/ocr-4")) == ["mistral/ocr-4", "mistral/ocr-3"]
    assert ids(listing(client08, "?model_id=%7Bmistral/ocr-3,%22deepseek/deepseek-ocr%22%7D")) == [
        "mistral/ocr-3", "deepseek/deepseek-ocr"]
    assert ids(listing(client08, "?model_id=mistral/ocr-3&id=mistral/ocr-4.1")) == ["mistral/ocr-4.1", "mistral/ocr-3"]
    assert listing(client08, "?model_id=MISTRAL/OCR-4.1") | {"models": None} == {
        "ok": True, "availability_mode": "active", "limit": 50, "offset": 0, "total": 0, "models": None}
    assert ids(listing(client08, "?model_id=mistral/ocr-2")) == []  # not routable: only with ?availability=all


def test_the_ts_sdk_lifecycle_lookup_finds_the_model_by_id(client08: TestClient) -> None:
    """The TS SDK (packages/sdk/sdk-ts/src/index.ts 616-646 at 01ac8aca0) asks GET /models?model_id=<id>&limit=1
    before a call and takes the entry whose `model_id ?? id` is the id. 2026-08 items have no model_id, so the id
    is what matches; lifecycle.status is read (1647-1662). The SDK also reads lifecycle.deprecation_date,
    retirement_date and replacement_model_id, July's names: 2026-08 sends deprecated_at, retires_at and
    replacement_id, which it ignores."""
    for model_id in OCR_OFFERS:
        body = listing(client08, f"?model_id={model_id}&limit=1")
        found = [m for m in body["models"] if (m.get("model_id") or m.get("id")) == model_id]
        assert len(found) == 1 and found[0]["lifecycle"]["status"] == "active"
        assert not {"deprecation_date", "retirement_date", "replacement_model_id"} & set(found[0]["lifecycle"])


def test_endpoint_provider_and_type_filters(client08: TestClient) -> None:
    """models.catalogue.ts 1525-1622: `endpoints` (with the aliases of 575-606), `provider`, `input_types` /
    `input_modalities` (models.ts 615), `status` (637-663), `organisation` (1460-1463), `params`."""
    ocr = ids(listing(client08, "?endpoints=ocr"))
    assert ocr == list(OCR_OFFERS)
    chat = ids(listing(client08, "?endpoints=chat/completions"))
    assert chat == ids(listing(client08, "?endpoints=chat.completions")) and "openai/gpt-5" in chat
    assert not set(chat) & set(ocr)
    assert ids(listing(client08, "?provider=AtlasCloud")) == ["deepseek/deepseek-ocr"]
    assert ids(listing(client08, "?input_modalities=file")) == ["mistral/ocr-4.1", "mistral/ocr-4", "mistral/ocr-3"]
    assert ids(listing(client08, "?status=deprecated")) == ["openai/gpt-5", "openai/gpt-5-mini", "openai/gpt-5-nano"]
    assert ids(listing(client08, "?organisation=deepseek")) == ["deepseek/deepseek-ocr"]
    assert ids(listing(client08, "?params=include_blocks")) == ["mistral/ocr-4"]
    assert ids(listing(client08, "?provider_availability_status=active&endpoints=ocr")) == ocr


# -- paging: models.ts 34-56, 544-557, 669, 687-698 ------------------------------------------------------------------


def test_limit_and_offset_page_the_list(client08: TestClient) -> None:
    """models.ts 669, 693: the page is models[offset:offset+limit]; total is the whole list."""
    everything = ids(listing(client08))
    page = listing(client08, "?limit=2&offset=1")
    assert (page["limit"], page["offset"], page["total"]) == (2, 1, len(everything))
    assert ids(page) == everything[1:3]
    assert ids(listing(client08, f"?offset={len(everything)}")) == []


@pytest.mark.parametrize(("limit", "expected"), [
    ("", 50), ("0", 50), ("-3", 50), ("abc", 50), ("Infinity", 50), ("0.5", 50),
    ("2.9", 2), ("%202%20", 2), ("0x10", 16), ("1e2", 100), ("250", 250), ("1000", 250),
])
def test_a_limit_is_floored_and_bounded_else_the_default(client08: TestClient, limit: str, expected: int) -> None:
    """models.ts 41-49: Number(raw), floored; missing, not finite or < 1 is the default 50; above 250 is 250."""
    assert listing(client08, f"?limit={limit}")["limit"] == expected


@pytest.mark.parametrize(("offset", "expected"), [("", 0), ("-1", 0), ("abc", 0), ("3.7", 3), ("5000.9", 5000)])
def test_an_offset_is_floored_else_zero(client08: TestClient, offset: str, expected: int) -> None:
    """models.ts 51-56: Number(raw), floored; not finite or negative is 0; 5000 after flooring is still allowed."""
    assert listing(client08, f"?offset={offset}")["offset"] == expected


def test_an_offset_above_5000_is_a_400_before_the_key(client08: TestClient) -> None:
    """models.ts 546-557, before guardAuth (559): the route's own body, Cache-Control: no-store."""
    response = client08.get("/v1/models?offset=5001")
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "invalid_request", "message": "offset must be <= 5000",
                               "max_offset": 5000}
    assert response.headers["cache-control"] == "no-store"


# -- the key and the route's other refusals: models.ts 531-629 ------------------------------------------------------


def test_without_a_key_the_answer_is_guard_auths_401(client08: TestClient) -> None:
    """models.ts 559-562 return guardAuth's own response: err("unauthorised", {reason, request_id})
    (before/guards.ts 298-306; before/http.ts err()), not the OCR pipeline's envelope: the reason, the request id
    repeated as generation_id, no description, no X-Gateway-Error-* headers; CORS from routes/v1/index.ts."""
    response = client08.get("/v1/models")
    assert response.status_code == 401
    body = response.json()
    assert list(body) == ["error", "reason", "request_id", "status_code", "error_type", "error_origin",
                          "generation_id"]
    assert body | {"request_id": None, "generation_id": None} == {
        "error": "unauthorised", "reason": "missing_or_invalid_authorization_header", "request_id": None,
        "status_code": 401, "error_type": "user", "error_origin": "user", "generation_id": None}
    assert body["request_id"] == body["generation_id"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["access-control-allow-origin"] == "*"
    assert "x-gateway-error-attribution" not in response.headers


@pytest.mark.parametrize("token", ["", "nope", "aistats_v1_mk_test01_s3cret", "phaseo_v1_sk_x_s3cret"])
def test_the_key_check_is_the_ocr_routes(client08: TestClient, token: str) -> None:
    """The same authenticate() as POST /v1/ocr (before/auth.ts 366-399): each refused token's reason here is the
    description /v1/ocr gives it."""
    headers = {"Authorization": f"Bearer {token}"}
    ocr = client08.post("/v1/ocr", json={"model": MODEL, "image": IMAGE}, headers=headers)
    models = client08.get("/v1/models", headers=headers)
    assert (ocr.status_code, models.status_code) == (401, 401)
    assert models.json()["reason"] == ocr.json()["description"]


def test_a_gateway_oauth_token_takes_the_oauth_path(client08: TestClient) -> None:
    """models.ts 559 passes allowOAuthJwt: a gateway-shaped JWT is validated (before/auth.ts 377-385, 760-824)
    instead of refused with oauth_delegated_key_required as on /v1/ocr. The mock holds no signing keys (production
    data), so validation fails with the validator's message."""
    token = jwt({"user_id": "u", "workspace_id": "w", "client_id": "c"})
    headers = {"Authorization": f"Bearer {token}"}
    ocr = client08.post("/v1/ocr", json={"model": MODEL, "image": IMAGE}, headers=headers).json()
    assert ocr["description"] == "oauth_delegated_key_required"
    reason = client08.get("/v1/models", headers=headers).json()["reason"]
    assert reason != "oauth_delegated_key_required"
    assert reason in ("Missing kid in JWT header", "Public key not found in JWKS", "Invalid JWT format")


@pytest.mark.parametrize(("query", "body"), [
    ("?privacy_scope=shared", {"ok": False, "error": "invalid_request",
                               "message": "privacy_scope query is no longer supported. Use /models."}),
    ("?privacy=", {"ok": False, "error": "invalid_request",
                   "message": "privacy_scope query is no longer supported. Use /models."}),
    ("?availability=some", {"ok": False, "error": "invalid_request",
                            "message": "availability must be one of: active, all"}),
    ("?format=%20XML", {"ok": False, "error": "invalid_request", "message": "format must be one of: json, rss, atom",
                        "provided": " XML"}),
    ("?feed=csv", {"ok": False, "error": "invalid_request", "message": "format must be one of: json, rss, atom",
                   "provided": "csv"}),
])
def test_the_routes_own_400s(client08: TestClient, query: str, body: dict[str, Any]) -> None:
    """models.ts 533-543 (privacy_scope, before everything), 566-578 (format, after the key; models.feeds.ts
    132-142), 618-629 (availability)."""
    response = client08.get(f"/v1/models{query}", headers=KEY)
    assert (response.status_code, response.json()) == (400, body)
    assert response.headers["cache-control"] == "no-store"


def test_the_order_of_the_checks(client08: TestClient) -> None:
    """models.ts 533-557: privacy_scope and the offset are refused before the key; format and availability after it
    (566-578, 618-629), so without a key those two get the key check's 401."""
    early = client08.get("/v1/models?privacy_scope=x")
    assert (early.status_code, early.json()["error"]) == (400, "invalid_request")
    for query in ("?availability=some", "?format=xml"):
        late = client08.get(f"/v1/models{query}")
        assert (late.status_code, late.json()["error"]) == (401, "unauthorised")


def test_a_success_is_cached_privately_and_journaled(client08: TestClient, mock08: Mock) -> None:
    """models.ts 580-587, 670; routes/utils.ts 226-248: no Vary (varyHeaders is empty). The request is journaled
    like any other route's."""
    response = client08.get("/v1/models?limit=1", headers=KEY)
    assert response.headers["cache-control"] == "private, max-age=1800, stale-while-revalidate=1800"
    assert "vary" not in response.headers and response.headers["content-type"] == "application/json"
    entry = mock08.journal.entries()[-1].to_json()
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/v1/models", 200)


def test_feeds_are_not_imitated(client08: TestClient) -> None:
    """`format=rss|atom` (models.ts 671-686, models.feeds.ts) answer an XML feed at the gateway; the mock does not
    build feeds and answers its 404 (README)."""
    assert client08.get("/v1/models?format=rss", headers=KEY).status_code == 404
