"""Key accounts (balances, limits, states) and the admin API under /_mock/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.web.app import create_app
from tests.helpers import expect_error
from tests.targets import Target

MODEL = "mistral/ocr-3"
URL = "https://example.com/a.png"
TEAM = "aistats_v1_sk_team0001_s3cret"


def call(target: Target, key: str = TEAM, body: dict[str, Any] | None = None) -> Any:
    return target.ocr(body or {"model": MODEL, "image": URL}, headers={"Authorization": f"Bearer {key}"})


# -- key accounts ---------------------------------------------------------------------------------


def test_balance_is_charged_per_page_until_below_one_dollar(target: Target) -> None:
    target.keys({"key": TEAM, "balance_usd": 1.003})
    assert call(target).status_code == 200  # 1.003 -> 1.001
    assert call(target).status_code == 200  # 1.001 -> 0.999
    expect_error(call(target), 402, "insufficient_funds", "insufficient_funds", error_type="system")
    (account,) = target.http.get("/_mock/keys").json()["keys"]
    assert account["balance_usd"] == pytest.approx(0.999)
    assert account["spent_usd"] == pytest.approx(0.004)
    assert account["key"] == "aistats_v1_sk_team0001_***"


def test_missing_wallet(target: Target) -> None:
    target.keys({"key": TEAM, "wallet": "missing"})
    expect_error(call(target), 402, "insufficient_funds", "wallet_missing", error_type="system")


@pytest.mark.parametrize("window", ["daily", "weekly", "monthly"])
def test_request_limits(target: Target, window: str) -> None:
    target.keys({"key": TEAM, "limits": {window: 2}})
    assert [call(target).status_code for _ in range(2)] == [200, 200]
    response = call(target)
    expect_error(response, 429, "key_limit_exceeded",
                 f"This API key has reached its {window} request limit (2/2).", error_type="system")
    assert response.headers["x-gateway-error-attribution"] == "upstream"
    assert "retry-after" not in response.headers


def test_soft_blocked_key(target: Target) -> None:
    target.keys({"key": TEAM, "soft_blocked": True})
    expect_error(call(target), 429, "key_limit_exceeded",
                 "This API key is currently soft-blocked and cannot send requests.", error_type="system")


@pytest.mark.parametrize(
    ("state", "reason"),
    [({"revoked": True}, "key_not_found_or_revoked"), ({"expired": True}, "key_expired")],
)
def test_listed_key_states_are_enforced(target: Target, state: dict[str, bool], reason: str) -> None:
    target.keys({"key": TEAM, **state})
    expect_error(call(target), 401, "unauthorised", reason)


def test_a_listed_kid_with_another_secret(target: Target) -> None:
    target.keys({"key": TEAM})
    expect_error(call(target, "aistats_v1_sk_team0001_other"), 401, "unauthorised", "invalid_secret")


def test_unlisted_keys_stay_unlimited(target: Target) -> None:
    target.keys({"key": TEAM, "balance_usd": 0})
    assert call(target, "aistats_v1_sk_someone1_x").status_code == 200


def test_limits_come_before_the_model_check_and_the_wallet_after_it(target: Target) -> None:
    target.keys({"key": TEAM, "soft_blocked": True, "balance_usd": 0})
    assert call(target, body={"model": "acme/none", "image": URL}).json()["error"] == "key_limit_exceeded"
    target.keys({"key": TEAM, "balance_usd": 0})
    assert call(target, body={"model": "acme/none", "image": URL}).json()["error"] == "unsupported_model_or_endpoint"
    assert call(target).json()["error"] == "insufficient_funds"


def test_only_successes_use_up_limits(target: Target) -> None:
    target.keys({"key": TEAM, "limits": {"daily": 1}})
    assert call(target, body={"model": "acme/none", "image": URL}).status_code == 400
    assert call(target).status_code == 200
    assert call(target).status_code == 429


@pytest.mark.parametrize("window", ["daily", "weekly", "monthly"])
def test_spend_limits_beside_request_limits(target: Target, window: str) -> None:
    """before/guards.ts L93-130, L391-414 (bff496d80): a spend limit reached is a 429 whose description
    gives the nanos spent and the limit. The limits live in the gateway's database (production data);
    the mock's key accounts hold them. One call costs 2,000,000 nanos (one page at $2/1000)."""
    target.keys({"key": TEAM, "spend_limits": {window: 0.003}})
    assert call(target).status_code == 200
    assert call(target).status_code == 200
    response = call(target)
    assert response.status_code == 429
    description = f"This API key has reached its {window} spend limit (4000000/3000000)."
    assert response.json()["description"] == description
    assert set(response.json()) == {
        "generation_id", "status_code", "error", "error_type", "error_origin", "description"}


def test_keys_from_fixture_files(tmp_path: Path) -> None:
    (tmp_path / "keys.yaml").write_text(
        "keys:\n"
        f"  - {{key: {TEAM}, balance_usd: 0.5}}\n"
    )
    client = TestClient(create_app(mock=Mock(Settings(fixtures=tmp_path))))
    response = client.post("/v1/ocr", json={"model": MODEL, "image": URL}, headers={"Authorization": f"Bearer {TEAM}"})
    assert response.json()["error"] == "insufficient_funds"


# -- admin API ------------------------------------------------------------------------------------


def test_health(target: Target) -> None:
    health = target.http.get("/_mock/health").json()
    assert health["status"] == "ok"
    assert health["reload_error"] is None
    assert health["journal"] == {"entries": 0, "dropped": 0, "limit": 10_000}


def test_reset_restores_scripts_journal_and_keys(target: Target) -> None:
    target.script(model=MODEL, text="scripted")
    target.keys({"key": TEAM, "soft_blocked": True})
    call(target)
    assert target.http.post("/_mock/reset").json() == {"status": "reset"}
    assert target.http.get("/_mock/scripts").json() == {"scripts": []}
    assert target.journal() == []
    assert target.http.get("/_mock/keys").json() == {"keys": []}


def test_scripts_are_listed_deleted_one_by_one_or_all(target: Target) -> None:
    first = target.script(id="first", model=MODEL, text="a", times=3)
    second = target.script(model=MODEL, match={"language": "fr"}, text="b")
    assert first["id"] == "first" and second["id"].startswith("script-")
    listed = target.http.get("/_mock/scripts").json()["scripts"]
    assert [(s["id"], s["calls"], s["remaining"], s["source"]) for s in listed] == [
        ("first", 0, 3, "runtime"), (second["id"], 0, None, "runtime")]
    assert target.http.delete("/_mock/scripts/first").status_code == 204
    assert target.http.delete("/_mock/scripts/first").status_code == 404
    assert target.http.delete("/_mock/scripts").status_code == 204
    assert target.http.get("/_mock/scripts").json() == {"scripts": []}


def test_several_scripts_at_once(target: Target) -> None:
    response = target.http.post("/_mock/scripts", json={"scripts": [{"model": MODEL, "text": "a"},
                                                                    {"model": MODEL, "text": "b"}]})
    assert response.status_code == 201
    assert len(response.json()["scripts"]) == 2


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"text": "no model"}, "script: 'model' is a required property"),
        ({"model": MODEL, "text": "a", "pages": ["b"]}, "script: text: give one answer, not pages and text"),
        ({"model": MODEL, "upstream": {"status": 200}}, "script: upstream.status: 200 is less than the minimum of 400"),
        ({"model": MODEL, "error": {"code": "unauthorised"}},
         "script: error.description: unauthorised has no default description; give one"),
        ({"model": MODEL, "match": {"image": {"file": "x.png"}}},
         "script: match.image.file: image files need a fixtures directory"),
    ],
)
def test_invalid_scripts_are_refused_with_the_field(target: Target, spec: dict[str, Any], problem: str) -> None:
    response = target.http.post("/_mock/scripts", json=spec)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_fixture"
    assert any(problem in line for line in response.json()["problems"]), response.json()


def test_the_journal_records_every_request_with_the_key_redacted(target: Target) -> None:
    script = target.script(model=MODEL, text="scripted")
    call(target)
    target.http.post("/v1/ocr", content=b"{", headers={"Authorization": f"Bearer {TEAM}"})
    target.http.get("/v1/nothing")
    first, second, third = target.journal()
    assert (first["method"], first["path"], first["status"], first["model"], first["script"]) == (
        "POST", "/v1/ocr", 200, MODEL, script["id"])
    assert first["body"] == {"model": MODEL, "image": URL}
    assert first["headers"]["authorization"] == "[redacted]"
    assert first["response"]["text"] == "scripted"
    assert first["latency_ms"] >= 0 and first["time"].endswith("Z")
    assert (second["status"], second["body"], second["response"]["error"]) == (400, None, "invalid_json")
    assert (third["path"], third["status"]) == ("/v1/nothing", 404)
    assert TEAM not in str(target.http.get("/_mock/requests").text)


def test_journal_filters_and_clearing(target: Target) -> None:
    call(target)
    call(target, body={"model": "mistral/ocr-4", "image": URL})
    call(target, body={"model": "acme/x", "image": URL})
    assert [e["model"] for e in target.journal(model="mistral/ocr-4")] == ["mistral/ocr-4"]
    assert [e["model"] for e in target.journal(status=400)] == ["acme/x"]
    assert target.http.get("/_mock/requests", params={"status": "bad"}).status_code == 400
    assert target.http.delete("/_mock/requests").status_code == 204
    assert target.journal() == []


def test_the_journal_is_bounded() -> None:
    client = TestClient(create_app(mock=Mock(Settings(journal_limit=3))))
    for _ in range(5):
        client.get("/")
    journal = client.get("/_mock/requests").json()
    assert [entry["id"] for entry in journal["requests"]] == [3, 4, 5]
    assert (journal["dropped"], journal["limit"]) == (2, 3)


def test_the_journal_keeps_a_digest_of_large_images() -> None:
    client = TestClient(create_app(mock=Mock(Settings())))
    image = "A" * 200_000
    client.post("/v1/ocr", json={"model": MODEL, "image": image}, headers={"Authorization": f"Bearer {TEAM}"})
    (entry,) = client.get("/_mock/requests").json()["requests"]
    assert entry["body"]["image"].startswith("<200000 characters, sha256 ")


def test_keys_can_be_put_and_listed(target: Target) -> None:
    accounts = target.keys({"key": TEAM, "name": "team", "balance_usd": 5, "limits": {"daily": 100},
                            "spend_limits": {"monthly": 2.5}})
    assert accounts == [{
        "key": "aistats_v1_sk_team0001_***", "name": "team", "revoked": False, "expired": False,
        "soft_blocked": False, "wallet": "present", "balance_usd": 5.0, "spent_usd": 0.0,
        "limits": {"daily": 100}, "spend_limits": {"monthly": 2.5},
        "requests": {"daily": 0, "weekly": 0, "monthly": 0},
    }]
    bad = target.http.put("/_mock/keys", json={"keys": [{"key": "sk-nope"}]})
    assert bad.status_code == 400
    assert "sk-nope" not in bad.text


def test_the_admin_api_describes_itself(target: Target) -> None:
    response = target.http.get("/_mock/openapi.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert b"/_mock/scripts" in response.content


def test_an_admin_token_guards_the_admin_api_only() -> None:
    client = TestClient(create_app(mock=Mock(Settings(admin_token="t0ken"))))
    assert client.get("/_mock/health").status_code == 401
    assert client.get("/_mock/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/_mock/health", headers={"Authorization": "Bearer t0ken"}).status_code == 200
    assert client.get("/_mock/health", headers={"X-Mock-Admin-Token": "t0ken"}).status_code == 200
    ocr = client.post("/v1/ocr", json={"model": MODEL, "image": URL}, headers={"Authorization": f"Bearer {TEAM}"})
    assert ocr.status_code == 200
