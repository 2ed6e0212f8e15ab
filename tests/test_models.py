"""The model catalog: each row's OCR outcome (checks 6 and 9) and provider filters (check 8)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.helpers import expect_error, post_ocr

IMAGE = "https://example.com/invoice.png"
UNSUPPORTED = (
    "Unsupported model or endpoint. Please check https://ai-stats.phaseo.app/models for your model id, "
    "or the API Reference at https://docs.ai-stats.phaseo.app/v1/api-reference for valid endpoints."
)


def expect_unsupported(response: Any, **extra: Any) -> None:
    expect_error(response, 400, "unsupported_model_or_endpoint", UNSUPPORTED, **extra)


@pytest.mark.parametrize(("model", "upstream"), [("mistral/ocr-3", "mistral-ocr-2512"),
                                                 ("mistral/ocr-4", "mistral-ocr-latest")])
def test_ocr_models_succeed_with_their_upstream_slug(client: TestClient, model: str, upstream: str) -> None:
    response = post_ocr(client, {"model": model, "image": IMAGE})
    assert response.status_code == 200
    assert response.json()["model"] == upstream
    assert response.json()["provider"] == "mistral"


def test_model_id_is_trimmed(client: TestClient) -> None:
    assert post_ocr(client, {"model": "  mistral/ocr-3 ", "image": IMAGE}).status_code == 200


ONE_CANDIDATE = {
    "totalProviders": 1,
    "supportsEndpointCount": 1,
    "droppedUnsupportedEndpoint": [],
    "droppedMissingAdapter": [],
    "candidateCount": 1,
}


def test_unpriced_model_is_pricing_not_configured(client: TestClient) -> None:
    """pipeline/before/index.ts L560-621, core/error-handler.ts L849-864 (bff496d80): the pricing
    refusal also carries the candidate diagnostics and the enablement (dropped for pricing_missing)."""
    expect_unsupported(
        post_ocr(client, {"model": "mistral/ocr-2", "image": IMAGE}),
        reason="pricing_not_configured",
        provider_candidate_diagnostics=ONE_CANDIDATE,
        provider_enablement={
            "capability": "ocr",
            "providersBefore": ["mistral"],
            "providersAfter": [],
            "dropped": [{"providerId": "mistral", "reason": "pricing_missing"}],
        },
        missing_pricing_providers=["mistral"],
    )


def test_model_without_ocr_executor_has_no_enabled_providers(client: TestClient) -> None:
    """pipeline/before/index.ts L560-621 (bff496d80): with the candidate diagnostics too."""
    expect_unsupported(
        post_ocr(client, {"model": "deepseek/deepseek-ocr", "image": IMAGE}),
        reason="no_enabled_providers",
        provider_candidate_diagnostics=ONE_CANDIDATE,
        provider_enablement={
            "capability": "ocr",
            "providersBefore": ["atlascloud"],
            "providersAfter": [],
            "dropped": [{"providerId": "atlascloud", "reason": "capability_disabled"}],
        },
    )


def test_real_model_without_ocr_is_unsupported_endpoint(client: TestClient) -> None:
    expect_unsupported(
        post_ocr(client, {"model": "openai/gpt-5-nano", "image": IMAGE}),
        error_operational_kind="unsupported_endpoint_for_model",
        reason="unsupported_endpoint_for_model",
        provider_candidate_diagnostics={
            "totalProviders": 1,
            "supportsEndpointCount": 0,
            "droppedUnsupportedEndpoint": ["openai"],
            "droppedMissingAdapter": [],
            "candidateCount": 0,
        },
    )


@pytest.mark.parametrize("model", ["acme/ocr-9000", "mistral/OCR-3", "mistral-ocr-2512"])
def test_unknown_model_is_invalid_model_slug(client: TestClient, model: str) -> None:
    expect_unsupported(
        post_ocr(client, {"model": model, "image": IMAGE}),
        error_operational_kind="invalid_model_slug",
        reason="model_not_found_or_inactive",
        provider_candidate_diagnostics={
            "totalProviders": 0,
            "supportsEndpointCount": 0,
            "droppedUnsupportedEndpoint": [],
            "droppedMissingAdapter": [],
            "candidateCount": 0,
        },
    )


NO_PROVIDERS = "Workspace and request provider filters resulted in no available providers"


@pytest.mark.parametrize(
    ("options", "only", "ignore"),
    [
        ({"only": ["google"]}, ["google"], []),
        ({"ignore": ["mistral"]}, [], ["mistral"]),
        ({"ignore": ["  MISTRAL "]}, [], ["mistral"]),
        # lib/config/providerAliases.ts L5-20: aliases mapped, blank ids kept (and so match nothing)
        ({"only": ["XAI"]}, ["spacex-ai"], []),
        ({"only": [" Novita-AI", "x-ai"]}, ["novita", "spacex-ai"], []),
        ({"only": [""]}, [""], []),
        ({"only": ["  "], "ignore": [""]}, [""], [""]),
    ],
)
def test_provider_filters_that_leave_nothing(
    client: TestClient, options: dict[str, Any], only: list[str], ignore: list[str]
) -> None:
    """pipeline/before/workspacePolicy.ts L513-600, before/index.ts L418-444 (bff496d80): the policy
    diagnostics are both the detail's params and routing_diagnostics.workspacePolicy (no workspace policy
    and default team settings assumed: those are production data)."""
    response = post_ocr(client, {"model": "mistral/ocr-3", "image": IMAGE, "provider": options})
    policy = {
        "resolvedModel": "mistral/ocr-3",
        "allowedApiModels": [],
        "providerAllowlist": [],
        "providerAllowlistConfigured": False,
        "providerBlocklist": [],
        "requestProviderOnly": only,
        "requestProviderIgnore": ignore,
        "privacyZdrOnly": False,
        "privacyEnablePaidMayTrain": True,
        "privacyEnableFreeMayTrain": True,
        "privacyEnableInputOutputLogging": True,
        "droppedByPrivacy": [],
        "activeGuardrailIds": [],
        "beforeCount": 1,
        "afterCount": 0,
    }
    expect_error(
        response,
        400,
        "validation_error",
        NO_PROVIDERS,
        details=[
            {"message": NO_PROVIDERS, "path": ["provider"], "keyword": "no_providers_after_workspace_policy_filter",
             "params": policy}
        ],
        error_operational_kind="request_provider_filter_no_match",
        routing_diagnostics={"workspacePolicy": policy},
    )
    # core/error-handler.ts L753-867: error_operational_kind comes before details
    assert list(response.json())[6:] == ["error_operational_kind", "details", "routing_diagnostics"]


@pytest.mark.parametrize(
    "options",
    [
        {"only": [" Mistral "]},
        {"order": ["google", "mistral"]},
        {"order": ["nobody"]},
        {"only": []},
        {"include_alpha": True},
        {"ignore": ["google"]},
    ],
)
def test_provider_options_that_keep_mistral(client: TestClient, options: dict[str, Any]) -> None:
    response = post_ocr(client, {"model": "mistral/ocr-3", "image": IMAGE, "provider": options})
    assert response.status_code == 200


def test_routing_is_merged_over_provider(client: TestClient) -> None:
    body = {
        "model": "mistral/ocr-3",
        "image": IMAGE,
        "provider": {"only": ["google"]},
        "routing": {"only": ["mistral"]},
    }
    assert post_ocr(client, body).status_code == 200
    body = {"model": "mistral/ocr-3", "image": IMAGE, "routing": {"ignore": ["mistral"]}}
    assert post_ocr(client, body).json()["error_operational_kind"] == "request_provider_filter_no_match"


def test_filters_apply_before_the_enablement_check(client: TestClient) -> None:
    body = {"model": "deepseek/deepseek-ocr", "image": IMAGE, "provider": {"only": ["mistral"]}}
    assert post_ocr(client, body).json()["error"] == "validation_error"
    body["provider"] = {"only": ["atlascloud"]}
    assert post_ocr(client, body).json()["reason"] == "no_enabled_providers"


def test_unknown_model_is_reported_before_provider_filters(client: TestClient) -> None:
    body = {"model": "acme/none", "image": IMAGE, "provider": {"only": ["google"]}}
    assert post_ocr(client, body).json()["reason"] == "model_not_found_or_inactive"


def test_a_catalog_file_replaces_the_bundled_one(tmp_path: Any) -> None:
    from mockserver.web.app import Settings, create_app

    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        "ocr_executors: [mistral]\n"
        "models:\n"
        "  acme/ocr-1:\n"
        "    providers:\n"
        "      mistral: {endpoints: [ocr], upstream_model: acme-ocr-1, usd_per_1000_pages: '10'}\n"
    )
    custom = TestClient(create_app(Settings(catalog=catalog)))
    body = post_ocr(custom, {"model": "acme/ocr-1", "image": IMAGE}).json()
    assert body["model"] == "acme-ocr-1"
    assert body["cost_nanos"] == 10_000_000
    stale = post_ocr(custom, {"model": "mistral/ocr-3", "image": IMAGE}).json()
    assert stale["reason"] == "model_not_found_or_inactive"
