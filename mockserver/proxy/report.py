"""A proxy's deviations as a conformance report: the suite's RunResult, so the JUnit XML, the HTML or
Markdown page and the console summary are written by the suite's own writers (contract_tests.reporting)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from contract_tests.results import CheckTally, Collector, Finding, RunResult
from mockserver.proxy.checking import proxy_checks

PHASE = "proxy"


def run_result(deviations: dict[str, Any], requests: list[dict[str, Any]], health: dict[str, Any]) -> RunResult:
    """From ``GET /_mock/deviations``, ``/_mock/requests`` and ``/_mock/health`` of a running proxy."""
    checks = {check.name: CheckTally(check.name, check.description) for check in proxy_checks()}
    result = RunResult(target=f"{deviations.get('target')} (through ocr-mock proxy, release "
                              f"{deviations.get('release')})", seed=0, checks=checks)
    collector = Collector(result)
    result.elapsed = float(health.get("uptime_s") or 0.0)
    budget = health.get("budget") or {}
    if budget.get("cap_usd") is not None:
        result.budget_usd = float(budget["cap_usd"])
        result.spent_usd = float(budget["spent_usd"])
        result.billable = int(budget["billable_forwarded"])
        result.not_sent_budget = int(budget["refused"])
    forwarded = [entry for entry in requests if entry.get("answered_by") == "target"]
    result.phases = Counter({PHASE: len(forwarded)})
    result.statuses = {PHASE: Counter(entry["status"] for entry in forwarded)}
    failed_by_check = Counter(item["check"] for item in deviations.get("deviations", []))
    for name, tally in checks.items():
        tally.checked = len(forwarded)
        tally.failed = failed_by_check.get(name, 0)
    for item in deviations.get("deviations", []):
        if item["check"] not in checks:
            checks[item["check"]] = CheckTally(item["check"], item["check"])
        collector.finding(Finding(
            check=item["check"], title=item["title"], message=item["message"], phase=PHASE,
            sample=f"request #{item['request_id']}", request=f"{item['method']} {item['path']}",
            answer=f"{item['status']} (the contract expects {item['expected']})"))
    return result
