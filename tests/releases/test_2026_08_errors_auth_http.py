"""2026-08 errors, keys, limits and the HTTP surface: request in, answer out.

Sources at 01ac8aca0, under apps/api/src/: pipeline/before/{auth,guards,http,index}.ts, core/error-handler.ts,
pipeline/requestRouting.ts, routes/v1/index.ts, routes/root.ts.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from mockserver.cli import main
from mockserver.gateway.release import known_releases, load_release
from mockserver.mock import Mock
from mockserver.web.app import Settings, create_app
from tests.helpers import envelope_without_id
from tests.releases.helpers import IMAGE, MODEL, post

MIB = 1024 * 1024
PHASEO_UNSUPPORTED = (
    "Unsupported model or endpoint. Please check https://phaseo.app/models for your model id, or the API Reference "
    "at https://phaseo.app/docs/v1/api-reference for valid endpoints."
)


def unauthorised(client: TestClient, token: str) -> str:
    response = client.post(
        "/v1/ocr", json={"model": MODEL, "image": IMAGE}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    body = envelope_without_id(response)
    assert body["error"] == "unauthorised" and body["error_type"] == "user"
    return str(body["description"])


def jwt(claims: dict[str, Any]) -> str:
    part = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJIUzI1NiJ9.{part}.c2ln"


# -- keys: before/auth.ts 158-181, 377-399, 928-954 ----------------------------------------------------------


def test_phaseo_keys_are_accepted_and_are_the_same_credential(client08: TestClient) -> None:
    """auth.ts 160-177 (phaseo_ parses), 406-411 (the key is looked up by kid only)."""
    assert (
        client08.post(
            "/v1/ocr",
            json={"model": MODEL, "image": IMAGE},
            headers={"Authorization": "Bearer phaseo_v1_sk_test01_s3cret"},
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("phaseo_v1_mk_abcdef_secret", "management_key_not_valid_for_gateway"),  # auth.ts 396-398
        ("aistats_v1_mk_ab_x", "management_key_not_valid_for_gateway"),  # checked before the kid format
        ("Phaseo_v1_sk_abcdef_secret", "invalid_key_format"),  # case-sensitive namespace
        ("phaseo_v2_sk_abcdef_secret", "invalid_key_format"),
        ("phaseo_v1_sk_ab_secret", "invalid_key_format"),  # kid 6-64 alphanumerics (auth.ts 271-274)
        (jwt({"user_id": "u", "workspace_id": "w", "client_id": "c"}), "oauth_delegated_key_required"),  # auth.ts 384
        (jwt({"user_id": "u"}), "invalid_key_format"),  # another 3-part token
        ("phaseo_v1_sk_a.b.c", "invalid_key_format"),  # a key prefix is never a JWT (auth.ts 928-930)
    ],
)
def test_key_format_reasons(client08: TestClient, token: str, reason: str) -> None:
    assert unauthorised(client08, token) == reason


def test_aistats_keys_retire_on_2027_01_01(mock08: Mock) -> None:
    """auth.ts 158, 179-181, 393-395: legacy_key_prefix_retired from 2027-01-01T00:00:00Z, aistats_ keys only."""
    mock08.gateway.clock = lambda: datetime(2027, 1, 1, tzinfo=UTC)
    client = TestClient(create_app(mock=mock08))
    assert unauthorised(client, "aistats_v1_sk_abcdef_secret") == "legacy_key_prefix_retired"
    assert (
        client.post(
            "/v1/ocr",
            json={"model": MODEL, "image": IMAGE},
            headers={"Authorization": "Bearer phaseo_v1_sk_abcdef_secret"},
        ).status_code
        == 200
    )


# -- 413: before/guards.ts 33-34, 217-254, 365-399; before/http.ts 9, 100 -----------------------------------


def _payload_too_large(response: Any) -> None:
    assert response.status_code == 413
    assert envelope_without_id(response) == {
        "status_code": 413,
        "error": "payload_too_large",
        "error_type": "user",
        "error_origin": "user",
        "description": "payload_too_large",
    }
    assert response.headers["x-gateway-error-attribution"] == "user"


def test_json_above_16_mib_is_413_and_exactly_16_mib_is_read(client08: TestClient) -> None:
    body = b'{"model": "' + MODEL.encode() + b'", "image": "' + IMAGE.encode() + b'"}'
    exactly = body + b" " * (16 * MIB - len(body))
    assert post(client08, None, content=exactly).status_code == 200
    _payload_too_large(post(client08, None, content=exactly + b" "))


def test_declared_length_above_the_limit_is_refused_before_reading(client08: TestClient) -> None:
    _payload_too_large(post(client08, None, content=b"{}", headers={"Content-Length": str(16 * MIB + 1)}))


def test_multipart_may_be_up_to_32_mib(client08: TestClient) -> None:
    big = {"model": (None, MODEL), "image": (None, IMAGE), "pad": ("pad.bin", b"x" * (20 * MIB))}
    response = client08.post("/v1/ocr", files=big, headers={"Authorization": "Bearer aistats_v1_sk_test01_s3cret"})
    assert response.status_code == 200, response.text
    huge = {"pad": ("pad.bin", b"x" * (32 * MIB + 1))}
    _payload_too_large(
        client08.post("/v1/ocr", files=huge, headers={"Authorization": "Bearer aistats_v1_sk_test01_s3cret"})
    )


def test_max_body_bytes_stays_a_ceiling() -> None:
    client = TestClient(create_app(Settings(gateway_release="2026-08", max_body_bytes=1000)))
    response = post(client, None, content=b" " * 1001)
    assert response.status_code == 413 and "1000 bytes" in response.json()["description"]


# -- error types and texts -----------------------------------------------------------------------------------


def test_402_and_429_are_user_errors(mock08: Mock) -> None:
    """before/http.ts 30-38; error-handler.ts 687-701: error_type user, attribution user."""
    mock08.keyring.put(
        [
            {"key": "aistats_v1_sk_broke1_s", "balance_usd": 0.5},
            {"key": "aistats_v1_sk_limit1_s", "limits": {"daily": 0}},
        ]
    )
    client = TestClient(create_app(mock=mock08))
    for kid, code in (("broke1", "insufficient_funds"), ("limit1", "key_limit_exceeded")):
        response = post(
            client, {"model": MODEL, "image": IMAGE}, headers={"Authorization": f"Bearer aistats_v1_sk_{kid}_s"}
        )
        body = response.json()
        assert (body["error"], body["error_type"], body["error_origin"]) == (code, "user", "user")
        assert response.headers["x-gateway-error-attribution"] == "user"


def test_unsupported_model_description_has_the_phaseo_urls(client08: TestClient) -> None:
    """before/http.ts 115-118; execute/http.ts 30-35."""
    body = post(client08, {"model": "nope/none", "image": IMAGE}).json()
    assert body["description"] == PHASEO_UNSUPPORTED and body["error_operational_kind"] == "invalid_model_slug"


def test_request_provider_filters_that_match_nothing(client08: TestClient) -> None:
    """before/index.ts 130-139, 758-786; workspacePolicy.ts 744-762 (blockedApiModels, accountPolicyApplied)."""
    body = post(client08, {"model": MODEL, "image": IMAGE, "provider": {"only": ["openai"]}}).json()
    message = "The request provider filters did not match any available routes"
    assert body["description"] == message
    (detail,) = body["details"]
    assert [detail["message"], detail["path"], detail["keyword"]] == [message, ["provider"],
                                                                       "request_provider_filter_no_match"]
    policy = body["routing_diagnostics"]["workspacePolicy"]
    assert policy["blockedApiModels"] == [] and policy["accountPolicyApplied"] is False
    flags = ("privacyEnablePaidMayTrain", "privacyEnableFreeMayTrain", "privacyEnableInputOutputLogging")
    assert [policy[flag] for flag in flags] == [True, True, True]


def test_unsupported_routing_filters_say_phaseo_gateway(client08: TestClient) -> None:
    """requestRouting.ts 527, 533, 539."""
    body = post(client08, {"model": MODEL, "image": IMAGE, "provider": {"quantizations": ["int8"]}}).json()
    assert body["details"][0]["message"] == (
        "Routing by quantization is not yet backed by provider metadata in Phaseo Gateway."
    )


def test_a_scripted_region_error_is_a_403_system_error(mock08: Mock) -> None:
    """execute/guards.ts 452-477; error-handler.ts 565, 627-629, 690-692 (august-delta E6)."""
    mock08.engine.add({"model": MODEL, "error": {"code": "model_region_unavailable"}})
    response = post(TestClient(create_app(mock=mock08)), {"model": MODEL, "image": IMAGE})
    assert response.status_code == 403
    assert envelope_without_id(response) == {
        "status_code": 403,
        "error": "model_region_unavailable",
        "error_type": "system",
        "error_origin": "user",
        "description": "This model is not available from the request's geographic location.",
    }
    assert response.headers["x-gateway-error-attribution"] == "upstream"


# -- provider-qualified model ids: requestRouting.ts 95-333; before/index.ts 275-330, 650-716 ----------------


def test_a_qualified_id_works_like_the_bare_one(client08: TestClient) -> None:
    for model in ("mistral:mistral/ocr-3", " MISTRAL:mistral/ocr-3 "):
        body = post(client08, {"model": model, "image": IMAGE}).json()
        assert body["model"] == "mistral-ocr-2512" and body["provider"] == "mistral"


@pytest.mark.parametrize(
    ("model", "extra", "kind", "message", "path", "params"),
    [
        (
            ":mistral/ocr-3",
            {},
            "invalid_provider_slug",
            'Invalid provider slug "" in model identifier ":mistral/ocr-3". Provider slugs must start with a letter or '
            'number and contain only letters, numbers, ".", "_" or "-".',
            ["model"],
            {"input": ":mistral/ocr-3", "provider": None},
        ),
        (
            "mistral:/ocr-3",
            {},
            "invalid_provider_qualified_model",
            'Invalid provider-qualified model identifier "mistral:/ocr-3". Expected "<provider>:<publisher>/<model>".',
            ["model"],
            {"input": "mistral:/ocr-3", "provider": "mistral"},
        ),
        (
            "google:mistral/ocr-3",
            {},
            "unknown_provider_slug",
            'Unknown provider slug "google" in provider-qualified model "google:mistral/ocr-3". '
            "Use a provider slug returned by Phaseo's provider catalogue.",
            ["model"],
            {"provider": "google", "model": "mistral/ocr-3"},
        ),
        (
            "openai:mistral/ocr-3",
            {},
            "qualified_provider_unavailable",
            'Provider-qualified model "openai:mistral/ocr-3" is not available for this endpoint',
            ["model"],
            {"provider": "openai", "model": "mistral/ocr-3"},
        ),
        (
            "mistral-eu:mistral/ocr-3",
            {},
            "qualified_provider_unavailable",
            'Provider-qualified model "mistral-eu:mistral/ocr-3" is not available for this endpoint',
            ["model"],
            {"provider": "mistral-eu", "model": "mistral/ocr-3"},
        ),
        # august-delta E8: routing.* merges over provider first, so the conflict is reported at provider.only
        (
            "mistral:mistral/ocr-3",
            {"routing": {"only": ["OpenAI"]}},
            None,
            'Provider-qualified model "mistral:mistral/ocr-3" conflicts with provider.only',
            ["provider", "only"],
            {"provider": "mistral", "model": "mistral/ocr-3", "field": "provider.only", "values": ["openai"]},
        ),
    ],
)
def test_qualified_id_errors(
    client08: TestClient,
    model: str,
    extra: dict[str, Any],
    kind: str | None,
    message: str,
    path: list[str],
    params: dict[str, Any],
) -> None:
    body = envelope_without_id(post(client08, {"model": model, "image": IMAGE, **extra}))
    keyword = kind or "provider_qualified_model_conflict"
    assert body["details"] == [{"message": message, "path": path, "keyword": keyword, "params": params}]
    if kind is None:
        assert body["description"] == f"{message} at provider.only" and "error_operational_kind" not in body
    else:
        assert body["description"] == message and body["error_operational_kind"] == kind


def test_colon_after_the_slash_is_not_a_qualifier(client08: TestClient) -> None:
    assert post(client08, {"model": "mistral/ocr-3:free", "image": IMAGE}).json()["error_operational_kind"] == (
        "invalid_model_slug"
    )


# -- HTTP surface: routes/v1/index.ts 16-22, root.ts 28-37, before/index.ts 263-268, error-handler.ts 673-683 --

CORS_0822 = (
    "Authorization, Content-Type, traceparent, tracestate, x-title, http-referer, x-app-id, x-app-name, "
    "x-phaseo-client, x-phaseo-client-version, x-gateway-debug, x-phaseo-debug, X-Phaseo-Strictness, "
    "x-phaseo-cache-revalidate"
)


def test_cors_allow_headers(client08: TestClient) -> None:
    for response in (
        client08.options("/v1/ocr"),
        post(client08, {"model": MODEL, "image": IMAGE}),
        client08.get("/v1/nothing"),
    ):
        assert response.headers["access-control-allow-headers"] == CORS_0822
        assert "access-control-expose-headers" not in response.headers


def test_no_rate_limit_or_request_id_headers(client08: TestClient) -> None:
    """after/http.ts 6-18."""
    names = {name.lower() for name in post(client08, {"model": MODEL, "image": IMAGE}).headers}
    assert not {n for n in names if n.startswith("x-ratelimit") or n in ("retry-after", "x-request-id")}


def test_welcome_text(client08: TestClient) -> None:
    assert client08.get("/").json()["message"] == (
        "Welcome to the Phaseo Gateway API! Documentation is available at https://phaseo.app"
    )


@pytest.mark.parametrize(
    ("headers", "routing"),
    [
        ({"x-phaseo-debug": "true"}, True),
        ({"x-gateway-debug": "1"}, True),
        ({"x-gateway-debug": "false", "x-phaseo-debug": "true"}, False),  # `??`: a present x-gateway-debug decides
        ({"x-ai-stats-debug": "true"}, False),  # dropped
    ],
)
def test_success_debug_headers(client08: TestClient, headers: dict[str, str], routing: bool) -> None:
    body = post(client08, {"model": MODEL, "image": IMAGE}, headers=headers).json()
    assert ("routing" in body["meta"]) is routing


def test_error_debug_is_x_gateway_debug_only(client08: TestClient) -> None:
    assert "debug" not in post(client08, {"model": ""}, headers={"x-phaseo-debug": "true"}).json()
    assert "debug" in post(client08, {"model": ""}, headers={"x-gateway-debug": "true"}).json()


def test_openapi_title_is_phaseo() -> None:
    """apps/docs/openapi/v1/openapi.yaml at 01ac8aca0: title "Phaseo Gateway API", contact https://phaseo.app."""
    info = load_release("2026-08").openapi["info"]
    assert info["title"] == "Phaseo Gateway API" and info["contact"]["url"] == "https://phaseo.app"


# -- selecting a release ----------------------------------------------------------------------------------------


def test_default_release_is_2026_08(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OCR_MOCK_GATEWAY_RELEASE")
    assert Mock(Settings()).release.name == "2026-08"
    monkeypatch.setenv("OCR_MOCK_GATEWAY_RELEASE", "2026-07")
    assert Mock(Settings()).release.name == "2026-07"


def test_an_unknown_release_is_refused_with_the_known_ones() -> None:
    result = CliRunner().invoke(main, ["serve", "--gateway-release", "2026-09", "--no-fixtures"])
    assert result.exit_code == 2
    assert "unknown gateway release '2026-09'; known releases: 2026-07, 2026-08" in result.output
    assert known_releases() == ["2026-07", "2026-08"]


def test_fixtures_check_validates_against_the_selected_release(tmp_path: Any) -> None:
    (tmp_path / "f.yaml").write_text("scripts:\n  - {model: mistral/ocr-3, error: {code: model_region_unavailable}}\n")
    august = CliRunner().invoke(main, ["fixtures", "check", str(tmp_path), "--gateway-release", "2026-08"])
    assert august.exit_code == 0, august.output
    assert "gateway release 2026-08" in august.output
    july = CliRunner().invoke(main, ["fixtures", "check", str(tmp_path), "--gateway-release", "2026-07"])
    assert july.exit_code == 1 and "model_region_unavailable" in july.output


def test_an_upstream_error_body_over_32_kib_is_cut(mock08: Mock) -> None:
    """execute/index.ts 101, 286-344: 32 KiB read; the cut text is no JSON, so the error fields are unknown,
    and the preview ends with "...[upstream error body truncated]"."""
    big = {"error": {"code": "bad", "message": "x" * (40 * 1024)}}
    mock08.engine.add({"id": "big", "model": MODEL, "upstream": {"status": 500, "code": "bad", "message": "m",
                                                                  "payload": big}})
    body = post(TestClient(create_app(mock=mock08)), {"model": MODEL, "image": IMAGE}).json()
    assert body["upstream_error"] == {"code": None, "message": None, "description": None, "param": None}
    sample = body["failure_sample"][0]
    assert sample["upstream_error_code"] is None
    assert sample["upstream_payload_preview"].endswith("...[upstream error body truncated]")
    assert sample["upstream_payload_preview"].startswith('{"error":{"code":"bad","message":"xxx')


def test_a_small_upstream_error_body_is_read_whole(mock08: Mock) -> None:
    mock08.engine.add({"model": MODEL, "upstream": {"status": 500, "code": "bad", "payload": {"error": "small"}}})
    body = post(TestClient(create_app(mock=mock08)), {"model": MODEL, "image": IMAGE}).json()
    assert body["upstream_error"]["code"] == "bad"
    assert not body["failure_sample"][0]["upstream_payload_preview"].endswith("truncated]")


def test_testing_mode_headers(client08: TestClient) -> None:
    """pipeline/before/testingMode.ts 9-19: x-phaseo-testing-mode added, x-ai-stats-testing-mode dropped; without the
    internal token a testing-mode request is a 401."""
    for header, refused in (("x-phaseo-testing-mode", True), ("x-aistats-testing-mode", True),
                            ("x-gateway-testing-mode", True), ("x-ai-stats-testing-mode", False)):
        response = post(client08, {"model": MODEL, "image": IMAGE}, headers={header: "true"})
        assert (response.status_code == 401) is refused, header


def test_a_before_stage_error_shows_debug_whatever_the_body(client08: TestClient) -> None:
    """pipeline/index.ts 90-99 (since 2e81d994b): the error handler gets the request itself, so x-gateway-debug adds
    `debug` to a before-stage error whatever the content type (July: JSON or urlencoded up to 256 KiB only)."""
    response = post(client08, None, content=b"not json", headers={"x-gateway-debug": "true",
                                                                   "content-type": "text/plain"})
    assert response.status_code == 400 and response.json()["debug"]["upstream"]["error"] == "invalid_json"


def test_a_413_debug_names_the_limit(client08: TestClient) -> None:
    """august-delta U4 (pipeline/index.ts 90-99; guards.ts 386-396; error-handler.ts 896-918): with x-gateway-debug the
    413 carries debug.upstream, the internal body with max_bytes and endpoint (32 MiB for multipart)."""
    response = post(client08, None, content=b" " * (16 * MIB + 1), headers={"x-gateway-debug": "1"})
    upstream = response.json()["debug"]["upstream"]
    assert list(upstream) == ["error", "request_id", "workspace_id", "max_bytes", "endpoint", "status_code",
                              "error_type", "error_origin", "generation_id"]
    assert (upstream["max_bytes"], upstream["endpoint"]) == (16 * MIB, "ocr")


@pytest.mark.parametrize(("model", "answer"), [
    ("mistral/mistral-ocr-4-0", "mistral-ocr-4-0"),
    ("mistral/mistral-ocr-4-1", "mistral-ocr-4-1"),
    ("mistral/mistral-ocr-2512", "mistral-ocr-2512"),
    ("mistral/mistral-ocr-latest", None),  # no route carries that slug at 01ac8aca0
])
def test_provider_scoped_slugs_follow_the_catalog(client08: TestClient, model: str, answer: str | None) -> None:
    """august-delta U12 (before/context.sql 149-165; context.ts 511-567): "<provider>/<provider slug>" names the
    model of an active route, so the 2026-08 slugs resolve and July's mistral-ocr-latest no longer does."""
    body = post(client08, {"model": model, "image": IMAGE}).json()
    assert body.get("model") == answer if answer else body["error_operational_kind"] == "invalid_model_slug"
