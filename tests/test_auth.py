"""Auth: only ``Authorization: Bearer <key>``, checked before the body; the four 401 reasons."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockserver.web.app import Settings, create_app
from tests.helpers import KEY, expect_error, post_ocr

VALID_BODY = {"model": "mistral/ocr-3", "image": "https://example.com/a.png"}


def unauthorised(response: object, reason: str) -> None:
    expect_error(response, 401, "unauthorised", reason)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": KEY},
        {"Authorization": f"bearer {KEY}"},
        {"Authorization": f"Token {KEY}"},
        {"x-api-key": KEY},
    ],
    ids=["no-header", "no-prefix", "lowercase-bearer", "other-scheme", "x-api-key-only"],
)
def test_missing_or_invalid_authorization_header(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/v1/ocr", json=VALID_BODY, headers=headers)
    unauthorised(response, "missing_or_invalid_authorization_header")


def test_query_string_key_is_not_a_key(client: TestClient) -> None:
    response = client.post(f"/v1/ocr?api_key={KEY}", json=VALID_BODY)
    unauthorised(response, "missing_or_invalid_authorization_header")


@pytest.mark.parametrize(
    "token",
    [
        "sk-abc",
        "aistats_v1_sk_short_secret",  # kid under 6 characters
        "aistats_v1_sk_abc-123_secret",  # kid with a non-alphanumeric character
        "aistats_v1_sk_abcdef",  # no secret
        "aistats_v2_sk_abcdef_secret",
    ],
)
def test_invalid_key_format(client: TestClient, token: str) -> None:
    response = post_ocr(client, VALID_BODY, headers={"Authorization": f"Bearer {token}"})
    unauthorised(response, "invalid_key_format")


@pytest.mark.parametrize("value", ["Bearer ", "Bearer \t", " Bearer  "])
def test_a_bearer_without_a_token_is_a_missing_bearer(client: TestClient, value: str) -> None:
    """An HTTP field value has no surrounding white space (the gateway's runtime trims it): "Bearer"."""
    response = post_ocr(client, VALID_BODY, headers={"Authorization": value})
    unauthorised(response, "missing_or_invalid_authorization_header")


def test_secret_may_contain_underscores(client: TestClient) -> None:
    response = post_ocr(client, VALID_BODY, headers={"Authorization": "Bearer aistats_v1_sk_abcdef_s_e_c_r_e_t"})
    assert response.status_code == 200


def test_auth_is_checked_before_the_body(client: TestClient) -> None:
    response = client.post("/v1/ocr", content=b"{not json", headers={"Authorization": "Bearer nope"})
    unauthorised(response, "invalid_key_format")


@pytest.fixture
def keyed_client(tmp_path: Path) -> TestClient:
    keys = tmp_path / "keys.yaml"
    keys.write_text(
        "keys:\n"
        "  - {key: aistats_v1_sk_active01_right_secret, name: ci}\n"
        "  - {key: aistats_v1_sk_revoked01_secret, revoked: true}\n"
        "  - {key: aistats_v1_sk_expired01_secret, expired: true}\n"
    )
    return TestClient(create_app(Settings(keys_file=keys)))


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("aistats_v1_sk_unknown01_secret", "key_not_found_or_revoked"),
        ("aistats_v1_sk_revoked01_secret", "key_not_found_or_revoked"),
        ("aistats_v1_sk_expired01_secret", "key_expired"),
        ("aistats_v1_sk_active01_wrong_secret", "invalid_secret"),
    ],
)
def test_configured_keys_reject(keyed_client: TestClient, token: str, reason: str) -> None:
    response = post_ocr(keyed_client, VALID_BODY, headers={"Authorization": f"Bearer {token}"})
    unauthorised(response, reason)


def test_configured_key_is_accepted(keyed_client: TestClient) -> None:
    token = "aistats_v1_sk_active01_right_secret"
    response = post_ocr(keyed_client, VALID_BODY, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_inline_key_list_makes_other_keys_unknown() -> None:
    client = TestClient(create_app(Settings(keys=("aistats_v1_sk_inline01_secret",))))
    accepted = post_ocr(client, VALID_BODY, headers={"Authorization": "Bearer aistats_v1_sk_inline01_secret"})
    assert accepted.status_code == 200
    unauthorised(post_ocr(client, VALID_BODY), "key_not_found_or_revoked")


def test_each_401_has_a_new_generation_id(client: TestClient) -> None:
    first = client.post("/v1/ocr", json=VALID_BODY).json()["generation_id"]
    second = client.post("/v1/ocr", json=VALID_BODY).json()["generation_id"]
    assert first != second
