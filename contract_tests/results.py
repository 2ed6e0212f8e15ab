"""What a run found: findings grouped by check, counts per check and phase, what it cost."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .redact import Redactor
from .safety import Exchange


@dataclass
class Finding:
    """One kind of departure (a check and a title), its first example, and how often it was seen."""

    check: str
    title: str
    message: str
    phase: str
    sample: str
    request: str  # reproducible request (curl), redacted
    answer: str  # status and the start of the body
    count: int = 1


@dataclass
class CheckTally:
    name: str
    description: str
    checked: int = 0
    failed: int = 0


@dataclass
class RunResult:
    target: str
    seed: int
    checks: dict[str, CheckTally]
    findings: list[Finding] = field(default_factory=list)
    phases: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)  # by phase
    errors: list[str] = field(default_factory=list)
    not_sent_budget: int = 0
    billable: int = 0
    spent_usd: float = 0.0
    budget_usd: float | None = None
    elapsed: float = 0.0
    exchanges: list[Exchange] = field(default_factory=list)
    interrupted: bool = False
    redact: Redactor = field(default_factory=lambda: Redactor([]), repr=False)

    @property
    def cases(self) -> int:
        return sum(self.phases.values())

    @property
    def passed(self) -> bool:
        return not self.findings and not self.errors and not self.interrupted

    def findings_for(self, check: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.check == check]

    @property
    def failed_checks(self) -> set[str]:
        return {finding.check for finding in self.findings}

    def summary(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "passed": self.passed,
            "cases": self.cases,
            "findings": {name: len(self.findings_for(name)) for name in sorted(self.failed_checks)},
            "errors": len(self.errors),
        }


class Collector:
    """Thread-safe accumulation of one run's results."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self._lock = threading.Lock()
        self._index: dict[tuple[str, str], Finding] = {}

    def case_done(self, phase: str, status: int | None) -> None:
        with self._lock:
            self.result.phases[phase] += 1
            if status is not None:
                self.result.statuses.setdefault(phase, Counter())[status] += 1

    def checked(self, check: str, failed: bool) -> None:
        with self._lock:
            tally = self.result.checks[check]
            tally.checked += 1
            tally.failed += int(failed)

    def finding(self, finding: Finding) -> None:
        key = (finding.check, finding.title)
        with self._lock:
            known = self._index.get(key)
            if known is not None:
                known.count += 1
                return
            self._index[key] = finding
            self.result.findings.append(finding)

    def error(self, message: str) -> None:
        with self._lock:
            if len(self.result.errors) < 50:
                self.result.errors.append(message)
