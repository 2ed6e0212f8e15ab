"""Outcome coverage in pytest: after each test, the outcomes its gateways met; at the end, the "OCR gateway
outcomes" summary, the json/html reports and ``--ocr-gateway-coverage-fail-under``.

Under xdist each worker keeps its own tally and hands it to the controller in ``workeroutput``; the controller
merges them as the workers finish (``pytest_testnodedown``) and reports once. The tally's module (and the
gateway code under it) is imported only once a test used a gateway or a worker sent one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mockserver.coverage.tally import Tally
    from mockserver.pytest_plugin.gateway import OcrGateway

SECTION = "OCR gateway outcomes"
WORKER_OUTPUT = "ocr_gateway_outcomes"
PLUGIN_NAME = "ocr_gateway_coverage"


@dataclass(frozen=True)
class Reports:
    term: bool = True
    json: tuple[Path, ...] = ()
    html: tuple[Path, ...] = ()
    fail_under: float | None = None


def parse_reports(values: list[str] | None, fail_under: float | None) -> Reports | None:
    """The ``--ocr-gateway-coverage`` values (None: off)."""
    values = values or ["term"]
    if "off" in values:
        if len(values) > 1 or fail_under is not None:
            raise pytest.UsageError("--ocr-gateway-coverage=off cannot go with other reports or a fail-under")
        return None
    term = False
    json: list[Path] = []
    html: list[Path] = []
    for value in values:
        kind, _, path = value.partition(":")
        if kind == "term" and not path:
            term = True
        elif kind in ("json", "html") and path:
            (json if kind == "json" else html).append(Path(path))
        else:
            raise pytest.UsageError(f"--ocr-gateway-coverage: expected term, json:PATH, html:PATH or off, "
                                    f"got {value!r}")
    if fail_under is not None and not 0 <= fail_under <= 100:
        raise pytest.UsageError("--ocr-gateway-coverage-fail-under takes a percentage from 0 to 100")
    return Reports(term=term, json=tuple(json), html=tuple(html), fail_under=fail_under)


@dataclass
class OutcomeCoverage:
    """The session's tally and its reports (registered as a plugin unless coverage is off)."""

    reports: Reports
    tally: Tally | None = None
    failed_under: bool = field(default=False, init=False)

    def _tally(self) -> Tally:
        if self.tally is None:
            from mockserver.coverage.tally import Tally

            self.tally = Tally()
        return self.tally

    def record(self, test: str, gateway: OcrGateway) -> None:
        """What ``gateway`` met during ``test`` (call before the gateway closes)."""
        self._tally().add_document(gateway.coverage(), test)

    # -- xdist ------------------------------------------------------------------------------------

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None and self.tally:
            workeroutput[WORKER_OUTPUT] = self.tally.to_json()

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        sent = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT)
        if sent:
            from mockserver.coverage.tally import Tally

            self._tally().merge(Tally.from_json(sent))

    # -- the end of the session (the controller, or the only process) --------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Any:
        result = yield
        checked = not hasattr(session.config, "workerinput") and not session.config.option.collectonly
        if self.reports.fail_under is not None and checked:
            percent = self.tally.percent if self.tally else 0.0
            if percent < self.reports.fail_under:
                self.failed_under = True
                session.testsfailed += 1  # the exit status of failed tests, as pytest-cov does
        return result

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        if hasattr(config, "workerinput"):
            return
        tally = self.tally
        if tally:
            self._write_reports(tally, terminalreporter)
        if self.failed_under:
            met = f"{tally.percent:.1f}% ({tally.covered} of {len(tally.entries)} outcomes)" if tally else \
                "no test used ocr_gateway"
            terminalreporter.write_line(f"FAIL Required OCR gateway outcome coverage of {self.reports.fail_under:g}% "
                                        f"not reached: {met}", red=True, bold=True)

    def _write_reports(self, tally: Tally, terminalreporter: Any) -> None:
        import json

        from mockserver.coverage.html import render_html
        from mockserver.coverage.tally import format_table

        if self.reports.term:
            terminalreporter.write_sep("=", SECTION)
            met, unmet = tally.lines()
            for line in format_table(met, unmet, tally.covered, len(tally.entries), with_tests=True):
                terminalreporter.write_line(line)
        for path in self.reports.json:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(tally.report(), indent=2) + "\n", encoding="utf-8")
            terminalreporter.write_line(f"{SECTION}: JSON report written to {path}")
        for path in self.reports.html:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_html(tally), encoding="utf-8")
            terminalreporter.write_line(f"{SECTION}: HTML report written to {path}")


def configure(config: pytest.Config) -> None:
    reports = parse_reports(config.getoption("ocr_gateway_coverage"),
                            config.getoption("ocr_gateway_coverage_fail_under"))
    if reports is not None:
        config.pluginmanager.register(OutcomeCoverage(reports), PLUGIN_NAME)


def record(config: pytest.Config, test: str, gateway: OcrGateway) -> None:
    coverage: OutcomeCoverage | None = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if coverage is not None:
        coverage.record(test, gateway)
