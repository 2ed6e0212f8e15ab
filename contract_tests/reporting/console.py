"""The console: a progress line while the run goes, a summary when it ends."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from ..results import RunResult


class ProgressLine:
    """``phase done/planned`` on one line, redrawn at most 10 times a second on a terminal, once per phase elsewhere."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._lock = threading.Lock()
        self._phase: str | None = None
        self._shown = 0.0
        self._last = (0, 0)

    def __call__(self, phase: str, done: int, planned: int) -> None:
        with self._lock:
            if phase != self._phase:
                self._end_phase()
                self._phase = phase
            self._last = (done, planned)
            now = time.monotonic()
            if self.tty and now - self._shown > 0.1:
                self._shown = now
                self.stream.write(f"\r  {phase:<9} {done:>5}/{planned}")
                self.stream.flush()

    def _end_phase(self) -> None:
        if self._phase is not None:
            done, _ = self._last
            self.stream.write(f"\r  {self._phase:<9} {done:>5} cases\n")
            self.stream.flush()

    def close(self) -> None:
        with self._lock:
            self._end_phase()
            self._phase = None


def summary(result: RunResult, *, details: int = 10) -> str:
    lines = [
        f"Conformance of {result.target} (seed {result.seed}): {result.cases} cases in {result.elapsed:.1f} s "
        f"({result.cases / max(result.elapsed, 1e-9):.0f}/s)"
    ]
    for phase, count in result.phases.items():
        answers = " ".join(f"{status}x{n}" for status, n in sorted(result.statuses.get(phase, {}).items()))
        lines.append(f"  {phase:<9} {count:>5}  {answers}")
    if result.budget_usd is not None:
        lines.append(
            f"  billable {result.billable}, spent ${result.spent_usd:.4f} of ${result.budget_usd:.4f}, "
            f"not sent for the budget: {result.not_sent_budget}"
        )
    width = max(len(name) for name in result.checks) if result.checks else 10
    lines.append(f"  {'check':<{width}}  answers  findings")
    for name, tally in result.checks.items():
        lines.append(f"  {name:<{width}}  {tally.checked:>7}  {len(result.findings_for(name)):>8}")
    for finding in result.findings[:details]:
        lines += [
            f"[{finding.check}] {finding.title} (x{finding.count}; {finding.phase}: {finding.sample})",
            *("    " + line for line in finding.message.splitlines()[:6]),
            f"    request: {finding.request[:400]}",
            f"    answer:  {finding.answer[:160]}",
        ]
    if len(result.findings) > details:
        lines.append(f"... and {len(result.findings) - details} more findings (see the reports)")
    lines += [f"error: {error}" for error in result.errors[:details]]
    verdict = "PASS" if result.passed else "INTERRUPTED" if result.interrupted else "FAIL"
    lines.append(f"{verdict}: {len(result.findings)} findings, {len(result.errors)} requests without an answer")
    return result.redact("\n".join(lines))
