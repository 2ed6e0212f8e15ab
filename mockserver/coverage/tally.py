"""A test session's outcome tally: which tests met which outcome on which model, merged across mocks and xdist
workers; and the text table the pytest summary and ``ocr-mock coverage`` print."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.gateway.outcomes import OutcomeEntry

EntryKey = tuple[str, str | None]
Cell = tuple[str, str]  # (outcome, model column)


@dataclass(frozen=True)
class Line:
    """One outcome's row: how many tests met it (None outside pytest) and in how many requests."""

    label: str
    tests: int | None
    requests: int


@dataclass
class Tally:
    entries: dict[EntryKey, OutcomeEntry] = field(default_factory=dict)  # the catalogue: every mock's, in order
    cells: dict[Cell, dict[str, int]] = field(default_factory=dict)  # -> {test id: requests}

    def __bool__(self) -> bool:
        return bool(self.entries)

    def add_document(self, document: Mapping[str, Any], test: str) -> None:
        """One mock's ``/_mock/coverage`` document, as met by ``test``."""
        for row in document["outcomes"]:
            entry = OutcomeEntry(row["outcome"], row["group"], row["label"], row["status"], row["model"])
            self.entries.setdefault(entry.key, entry)
        for row in [*document["outcomes"], *document.get("uncatalogued", [])]:
            for model, count in row["models"].items():
                tests = self.cells.setdefault((row["outcome"], model), {})
                tests[test] = tests.get(test, 0) + count

    def merge(self, other: Tally) -> None:
        for key, entry in other.entries.items():
            self.entries.setdefault(key, entry)
        for cell, tests in other.cells.items():
            mine = self.cells.setdefault(cell, {})
            for test, count in tests.items():
                mine[test] = mine.get(test, 0) + count

    # -- what the cells say about the catalogue ----------------------------------------------------

    def tests_of(self, entry: OutcomeEntry) -> dict[str, int]:
        """The tests that met this outcome (on its model, for per-model outcomes), with their requests."""
        met: dict[str, int] = {}
        for (outcome, model), tests in self.cells.items():
            if outcome == entry.outcome and (entry.model is None or model == entry.model):
                for test, count in tests.items():
                    met[test] = met.get(test, 0) + count
        return met

    def uncatalogued(self) -> list[str]:
        known = {outcome for outcome, _ in self.entries}
        return sorted({outcome for outcome, _ in self.cells} - known)

    def lines(self) -> tuple[list[Line], list[str]]:
        """The outcomes met (with tests and requests) and the labels of those no test met."""
        met, unmet = [], []
        for entry in self.entries.values():
            tests = self.tests_of(entry)
            if tests:
                met.append(Line(entry.label, len(tests), sum(tests.values())))
            else:
                unmet.append(entry.label)
        for outcome in self.uncatalogued():
            tests = {test: count for (o, _), per in self.cells.items() if o == outcome for test, count in per.items()}
            met.append(Line(f"{outcome} (not in the catalogue)", len(tests), sum(tests.values())))
        return met, unmet

    @property
    def covered(self) -> int:
        return sum(1 for entry in self.entries.values() if self.tests_of(entry))

    @property
    def percent(self) -> float:
        return 100 * self.covered / len(self.entries) if self.entries else 0.0

    # -- xdist and json ----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "entries": [{"outcome": e.outcome, "group": e.group, "label": e.label, "status": e.status,
                         "model": e.model} for e in self.entries.values()],
            "cells": [{"outcome": outcome, "model": model, "tests": tests}
                      for (outcome, model), tests in self.cells.items()],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Tally:
        tally = cls()
        for row in document["entries"]:
            entry = OutcomeEntry(row["outcome"], row["group"], row["label"], row["status"], row["model"])
            tally.entries[entry.key] = entry
        for cell in document["cells"]:
            tally.cells[(cell["outcome"], cell["model"])] = dict(cell["tests"])
        return tally

    def report(self) -> dict[str, Any]:
        """The ``json:PATH`` report: each outcome with the tests that met it, then the totals."""
        outcomes = []
        for entry in self.entries.values():
            tests = self.tests_of(entry)
            outcomes.append({"outcome": entry.outcome, "model": entry.model, "group": entry.group,
                             "label": entry.label, "status": entry.status, "tests": len(tests),
                             "requests": sum(tests.values()), "met_by": sorted(tests)})
        return {"covered": self.covered, "total": len(self.entries), "percent": round(self.percent, 1),
                "outcomes": outcomes, "uncatalogued": self.uncatalogued(), "cells": self.to_json()["cells"]}


def document_lines(document: Mapping[str, Any]) -> tuple[list[Line], list[str]]:
    """The same rows for one mock's ``/_mock/coverage`` document (no tests: requests only)."""
    met = [Line(row["label"], None, row["count"]) for row in document["outcomes"] if row["count"]]
    met += [Line(f"{row['outcome']} (not in the catalogue)", None, row["count"]) for row in document["uncatalogued"]]
    unmet = [row["label"] for row in document["outcomes"] if not row["count"]]
    return met, unmet


def format_table(met: Iterable[Line], unmet: list[str], covered: int, total: int, *, with_tests: bool) -> list[str]:
    """The table of met outcomes, the totals line, then the outcomes nothing met."""
    met = list(met)
    width = max([len("outcome"), *(len(line.label) for line in met)])
    header = f"{'outcome':<{width}}" + ("  tests" if with_tests else "") + "  requests"
    lines = [header]
    for line in met:
        tests = f"  {line.tests or 0:>5}" if with_tests else ""
        lines.append(f"{line.label:<{width}}{tests}  {line.requests:>8}")
    percent = 100 * covered / total if total else 0.0
    lines.append(f"outcomes met: {covered} of {total} ({percent:.1f}%)")
    if unmet:
        lines.append(f"outcomes {'no test' if with_tests else 'no request'} met ({len(unmet)}):")
        lines += [f"  {label}" for label in unmet]
    return lines
