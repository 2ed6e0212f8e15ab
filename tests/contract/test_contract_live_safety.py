"""Pointing the suite at the live gateway is safe: opt-in, capped spend, one host, and the key never shown."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from contract_helpers import SEED, serving
from starlette.types import ASGIApp, Receive, Scope, Send

from contract_tests.config import RunConfig, config_from
from contract_tests.reporting import write_reports
from contract_tests.runner import run_suite
from contract_tests.safety import Budget, BudgetReached, ForeignHost, Guard, GuardedSession, Target, UnsafeTarget
from mockserver.web.app import Settings, create_app

KEY = "aistats_v1_sk_livekey01_Sup3r-s3cret_value"


@pytest.mark.parametrize("url", ["https://api.phaseo.app/v1", "http://10.0.0.7:8080", "http://example.com"])
def test_a_non_loopback_target_needs_live(url: str) -> None:
    with pytest.raises(UnsafeTarget, match="--live"):
        run_suite(RunConfig(target=url, phases=("examples",)))
    Target.from_option(url).check_allowed(live=True)  # allowed once opted in (nothing is sent here)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9", "http://localhost:9/v1", "http://[::1]:9"])
def test_loopback_targets_need_no_opt_in(url: str) -> None:
    Target.from_option(url).check_allowed(live=False)


def test_the_environment_can_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_CONTRACT_LIVE", "1")
    assert config_from({}).live is True


def test_the_budget_stops_billable_requests_before_the_cap() -> None:
    cap = Decimal("0.005")  # two pages at $0.002; a third would pass the cap
    with serving(create_app(Settings())) as base_url:
        result = run_suite(RunConfig(target=base_url, live=True, budget_usd=cap, seed=SEED, phases=("examples",)))

    assert result.passed, result.summary()
    assert result.billable == 2
    assert result.spent_usd == pytest.approx(0.004)
    assert result.not_sent_budget > 0
    assert result.statuses["examples"][200] == 2


def test_a_local_target_is_not_capped() -> None:
    with serving(create_app(Settings())) as base_url:
        result = run_suite(RunConfig(target=base_url, budget_usd=Decimal("0.005"), seed=SEED, phases=("examples",)))

    assert result.passed, result.summary()
    assert result.budget_usd is None
    assert result.not_sent_budget == 0
    assert result.billable > 2


def test_the_budget_option_needs_live() -> None:
    with pytest.raises(ValueError, match="--budget-usd caps --live runs only"):
        config_from({"budget_usd": "0.01"})
    assert config_from({"budget_usd": "0.01", "live": True}).budget_usd == Decimal("0.01")


def test_a_budget_reservation_past_the_cap_is_refused() -> None:
    budget = Budget(Decimal("0.002"))
    budget.reserve(2_000_000)
    with pytest.raises(BudgetReached):
        budget.reserve(1)
    assert (budget.spent, budget.billable, budget.refused) == (2_000_000, 1, 1)


def test_requests_to_another_host_are_not_sent() -> None:
    session = GuardedSession(Guard(Target.from_option("http://127.0.0.1:9"), Budget(None)))
    with pytest.raises(ForeignHost):
        session.get("http://example.com/v1/ocr", headers={"Authorization": f"Bearer {KEY}"})


def test_the_key_comes_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISSING_KEY", raising=False)
    with pytest.raises(ValueError, match="MISSING_KEY"):
        run_suite(RunConfig(api_key_env="MISSING_KEY", phases=("examples",)))


def test_the_key_is_sent_to_the_target_and_redacted_from_every_report(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from broken_mocks import wrong_envelope_key  # findings too, so every report has content

    monkeypatch.setenv("LIVE_KEY", KEY)
    seen: list[str] = []

    class Spy:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            seen.extend(v.decode() for k, v in scope.get("headers", []) if k == b"authorization")
            await self.app(scope, receive, send)

    paths = {name: tmp_path / name for name in ("junit.xml", "run.har", "report.md", "report.html")}
    with serving(Spy(wrong_envelope_key())) as base_url:
        config = RunConfig(
            target=base_url,
            api_key_env="LIVE_KEY",
            max_examples=10,
            seed=SEED,
            budget_usd=Decimal(1),
            har=paths["run.har"],
        )
        result = run_suite(config)
    write_reports(result, junit_xml=paths["junit.xml"], har=paths["run.har"], report=paths["report.md"])
    write_reports(result, report=paths["report.html"])

    assert f"Bearer {KEY}" in seen  # the target got the key
    assert not result.passed and result.exchanges
    for path in paths.values():
        text = path.read_text()
        assert KEY not in text and "Sup3r-s3cret_value" not in text, path
        assert "[REDACTED]" in text or path.suffix != ".har", path
    entries = json.loads(paths["run.har"].read_text())["log"]["entries"]
    assert any(h["value"] == "Bearer [REDACTED]" for e in entries for h in e["request"]["headers"])
    assert all(KEY not in f.request + f.message for f in result.findings)
