"""The key swap, an unreachable or slow target, the budget, and the live-target guard."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from click.testing import CliRunner
from proxy_helpers import INVOICE, TINY, ocr, proxying

from contract_tests.reference import contract
from mockserver.cli import main
from mockserver.web.app import Settings, create_app
from tests.contract.contract_helpers import free_port, serving

REAL_KEY = "aistats_v1_sk_realkey1_TOPsecretValue42"
APP_KEY = "aistats_v1_sk_test01_s3cret"  # what the app under test holds (proxy_helpers' client sends it)


@pytest.fixture(scope="module")
def strict_target() -> object:
    """A target that knows only the real key."""
    with serving(create_app(Settings(keys=(REAL_KEY,)))) as url:
        yield url


def test_the_proxy_key_replaces_the_clients_bearer(strict_target: str) -> None:
    with proxying(strict_target, api_key=REAL_KEY) as (client, _):
        assert ocr(client).status_code == 200


def test_without_a_proxy_key_the_clients_bearer_goes_through(strict_target: str) -> None:
    with proxying(strict_target) as (client, _):
        answer = ocr(client)
    assert (answer.status_code, answer.json()["description"]) == (401, "key_not_found_or_revoked")


def test_a_malformed_bearer_is_not_replaced(strict_target: str) -> None:
    """The key must never turn a request the gateway refuses into a billed one."""
    with proxying(strict_target, api_key=REAL_KEY) as (client, _):
        answer = client.post("/v1/ocr", json={"model": "mistral/ocr-3", "image": TINY},
                             headers={"Authorization": "Bearer not-a-key"})
    assert (answer.status_code, answer.json()["description"]) == (401, "invalid_key_format")


def test_an_unreachable_target_gets_the_gateways_502_naming_the_proxy() -> None:
    closed = f"http://127.0.0.1:{free_port()}/v1"
    with proxying(closed) as (client, proxy):
        started = time.monotonic()
        answer = ocr(client)
        took = time.monotonic() - started
        assert client.get("/_mock/health").json()["status"] == "ok"  # still serving
    assert took < 5
    body = answer.json()
    assert (answer.status_code, body["error"], body["error_origin"]) == (502, "upstream_error", "upstream")
    assert body["description"].startswith(f"ocr-mock proxy: the target {closed} could not be reached")
    assert proxy.journal.entries()[-1].answered_by == "proxy"


def test_a_slow_target_is_cut_off_at_the_target_timeout() -> None:
    app = create_app(Settings())
    app.state.mock.engine.add({"model": "mistral/ocr-3", "delay_ms": 1500, "text": "late"})
    with serving(app) as slow, proxying(slow, target_timeout_s=0.2) as (client, _):
        started = time.monotonic()
        answer = ocr(client)
        took = time.monotonic() - started
    assert took < 1.2
    assert answer.status_code == 502
    assert "did not answer within 0.2 s (--target-timeout)" in answer.json()["description"]


def test_the_budget_stops_billable_requests_and_says_so() -> None:
    offer = contract().priced_offer("mistral/ocr-3")
    assert offer is not None and offer.usd_per_1000_pages is not None
    page = offer.usd_per_1000_pages / 1000
    with serving(create_app(Settings())) as target, proxying(target, budget_usd=page * 2) as (client, proxy):
        paid = [ocr(client, image=image) for image in (TINY, INVOICE)]
        refused = ocr(client)
        free = client.post("/v1/ocr", json={"model": "mistral/ocr-3"})  # refused by the contract: not billable
        budget = client.get("/_mock/health").json()["budget"]
    assert [answer.status_code for answer in paid] == [200, 200]
    body = refused.json()
    assert (refused.status_code, body["error_origin"], refused.headers["x-gateway-error-origin"]) == (
        402, "gateway", "gateway")
    assert "ocr-mock proxy: the budget (--budget-usd" in body["description"]
    assert free.status_code == 400
    spent = sum(answer.json()["cost_nanos"] for answer in paid)
    assert (budget["spent_nanos"], budget["billable_forwarded"], budget["refused"]) == (spent, 2, 1)
    assert proxy.ledger.spent == spent <= page * 2 * 10**9 + Decimal(0)


def test_a_non_loopback_target_needs_live() -> None:
    result = CliRunner().invoke(main, ["proxy", "--target", "https://api.phaseo.app/v1", "--port", "0"],
                                env={"OCR_CONTRACT_LIVE": ""})
    assert result.exit_code == 2
    assert "is not a loopback address: pass --live" in result.output


def test_the_proxy_key_must_be_in_the_environment() -> None:
    result = CliRunner().invoke(main, ["proxy", "--target", "http://127.0.0.1:1/v1", "--api-key-env", "NO_SUCH_VAR"],
                                env={"NO_SUCH_VAR": ""})
    assert result.exit_code == 2
    assert "--api-key-env NO_SUCH_VAR: that environment variable is empty or not set" in result.output


def test_only_known_releases_are_accepted() -> None:
    result = CliRunner().invoke(main, ["proxy", "--target", "http://127.0.0.1:1/v1", "--gateway-release", "2099-01"])
    assert result.exit_code == 2 and "2026-07" in result.output


def test_a_body_over_the_proxys_limit_is_refused_by_the_proxy() -> None:
    with serving(create_app(Settings())) as target, proxying(target, max_body_bytes=1000) as (client, proxy):
        answer = ocr(client, image=INVOICE)
    body = answer.json()
    assert (answer.status_code, body["error"]) == (413, "payload_too_large")
    assert body["description"].startswith("ocr-mock proxy: ")
    assert proxy.journal.entries() == []  # never forwarded


def test_the_admin_api_wants_the_token_when_the_proxy_has_one() -> None:
    with serving(create_app(Settings())) as target, proxying(target, admin_token="adm1n-t0ken") as (client, _):
        refused = client.get("/_mock/deviations")
        allowed = client.get("/_mock/deviations", headers={"X-Mock-Admin-Token": "adm1n-t0ken"})
        forwarded = ocr(client)  # the gateway's routes are not the admin API's
    assert (refused.status_code, allowed.status_code, forwarded.status_code) == (401, 200, 200)
