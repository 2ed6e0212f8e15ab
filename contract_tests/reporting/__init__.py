"""The run's reports: console summary and progress, JUnit XML, HAR, and a one-page Markdown or HTML report."""

from __future__ import annotations

from pathlib import Path

from ..results import RunResult
from .har import write_har
from .junit import write_junit
from .page import write_page


def write_reports(
    result: RunResult, *, junit_xml: Path | None = None, har: Path | None = None, report: Path | None = None
) -> list[Path]:
    """Write the reports asked for; returns their paths."""
    written = []
    if junit_xml is not None:
        write_junit(result, junit_xml)
        written.append(junit_xml)
    if har is not None:
        write_har(result, har)
        written.append(har)
    if report is not None:
        write_page(result, report)
        written.append(report)
    return written


__all__ = ["write_har", "write_junit", "write_page", "write_reports"]
