"""Counting answered requests against the outcome catalogue, and the ``/_mock/coverage`` document."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mockserver.gateway.catalog import Catalog
from mockserver.gateway.errors import ErrorKind
from mockserver.gateway.exchange import Exchange
from mockserver.gateway.outcomes import DEBUG_PREFIX, OutcomeEntry, model_column, outcomes_of
from mockserver.state.coverage import CoverageKey, CoverageStore

GATEWAY = "gateway"  # answered_by of a request refused before the provider step
MEMO_SIZE = 4096


class OutcomeCounter:
    """Counts each answered request under its outcomes. The catalog, error table and catalogue are asked for
    at each use, so they follow whatever release the mock serves then."""

    def __init__(self, catalog: Callable[[], Catalog], errors: Callable[[], Mapping[str, ErrorKind]],
                 catalogue: Callable[[], tuple[OutcomeEntry, ...]], store: CoverageStore) -> None:
        self._catalog = catalog
        self._errors = errors
        self._catalogue = catalogue
        self.store = store
        # the keys of a success, by what they depend on, for the catalog they were worked out with
        self._memo_catalog: Catalog | None = None
        self._success_keys: dict[tuple[Any, ...], tuple[CoverageKey, ...]] = {}

    def count(self, exchange: Exchange) -> None:
        """The hot path: a few attribute reads and one increment per outcome."""
        catalog = self._catalog()
        plain = exchange.error is None and exchange.fault is None
        memo = (exchange.model, exchange.answered_by, exchange.script_id, exchange.script_source,
                exchange.debug_variants)
        if plain and self._memo_catalog is catalog:  # a success: its keys depend on these alone
            keys = self._success_keys.get(memo)
            if keys is not None:
                self.store.add(keys)
                return
        model = model_column(exchange.model, catalog)
        answered_by = exchange.answered_by.value if exchange.answered_by is not None else GATEWAY
        script, source = exchange.script_id or "", exchange.script_source or ""
        outcomes = outcomes_of(exchange, self._errors())
        keys = tuple(CoverageKey(outcome, model, answered_by, script, source) for outcome in outcomes)
        if plain and model == exchange.model:  # a catalog model: the memo stays as small as the catalog
            if self._memo_catalog is not catalog or len(self._success_keys) >= MEMO_SIZE:
                self._memo_catalog, self._success_keys = catalog, {}
            self._success_keys[memo] = keys
        self.store.add(keys)

    def clear(self) -> None:
        self.store.clear()

    def document(self) -> dict[str, Any]:
        return coverage_document(self._catalogue(), self.store.counts())


def _row(entry: OutcomeEntry) -> dict[str, Any]:
    return {"outcome": entry.outcome, "model": entry.model, "group": entry.group, "label": entry.label,
            "status": entry.status, "count": 0, "models": {}, "answered_by": {}, "producers": []}


def _add(row: dict[str, Any], key: CoverageKey, count: int) -> None:
    row["count"] += count
    row["models"][key.model] = row["models"].get(key.model, 0) + count
    row["answered_by"][key.answered_by] = row["answered_by"].get(key.answered_by, 0) + count
    if key.script or key.source:
        row["producers"].append({"answered_by": key.answered_by, "script": key.script or None,
                                 "source": key.source or None, "model": key.model, "count": count})


def coverage_document(catalogue: Iterable[OutcomeEntry], counts: dict[CoverageKey, int]) -> dict[str, Any]:
    """Every outcome of the catalogue with its count, the models it was met on, who answered and the scripts or
    fixture files that produced it; counts outside the catalogue (an error variant the table does not list)
    under ``uncatalogued``."""
    rows = {entry.key: _row(entry) for entry in catalogue}
    uncatalogued: dict[str, dict[str, Any]] = {}
    requests = 0
    for key, count in sorted(counts.items()):
        row = rows.get((key.outcome, key.model)) or rows.get((key.outcome, None))
        if row is None:
            row = uncatalogued.setdefault(key.outcome, _row(OutcomeEntry(key.outcome, "uncatalogued", key.outcome,
                                                                         None)))
        _add(row, key, count)
        if not key.outcome.startswith(DEBUG_PREFIX):  # a success's debug fields are outcomes of the same request
            requests += count
    covered = sum(1 for row in rows.values() if row["count"])
    return {
        "requests": requests,
        "covered": covered,
        "total": len(rows),
        "percent": round(100 * covered / len(rows), 1) if rows else 100.0,
        "outcomes": list(rows.values()),
        "uncatalogued": list(uncatalogued.values()),
    }
