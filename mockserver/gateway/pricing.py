"""The gateway's pricing breakdown for OCR: pages priced per 1,000, money in nanos (1e-9 USD)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from mockserver.gateway.isotime import iso_ms

NANOS_PER_USD = 10**9
NANOS_PER_CENT = 10**7
UNIT_SIZE = 1000


def _usd(nanos: int) -> Decimal:
    return Decimal(nanos) / NANOS_PER_USD


def _fixed9(value: Decimal) -> str:
    return f"{value:.9f}"


def _plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 0.002, 2, 0."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Figures(NamedTuple):
    line_nanos: int
    billable_units: float
    unit_price_usd: str
    line_cost_usd: str
    total_usd_str: str


@lru_cache(maxsize=1024)
def _figures(pages: int, usd_per_1000_pages: Decimal) -> _Figures:
    """The decimal arithmetic and formatting, done once per (pages, price): a few microseconds a request."""
    line_nanos = int(usd_per_1000_pages * NANOS_PER_USD * pages / UNIT_SIZE) if pages > 0 else 0
    return _Figures(
        line_nanos=line_nanos,
        billable_units=float(Decimal(pages) / UNIT_SIZE),
        unit_price_usd=_fixed9(usd_per_1000_pages),
        line_cost_usd=_fixed9(_usd(line_nanos)),
        total_usd_str=_plain(_usd(line_nanos)),
    )


def pricing_breakdown(pages: int, usd_per_1000_pages: Decimal, billing_ms: int | None = None) -> dict[str, Any]:
    """``usage.pricing_breakdown`` for ``pages`` pages; an empty ``lines`` list for zero pages. With
    ``billing_ms`` (2026-08, pipeline/pricing/engine.ts 866-879) each line names the request's start."""
    figures = _figures(pages, usd_per_1000_pages)
    lines: list[dict[str, Any]] = []
    if pages > 0:
        lines.append(
            {
                "dimension": "input_pages",
                "quantity": pages,
                "billable_units": figures.billable_units,
                "unit_size": UNIT_SIZE,
                "unit_price_usd": figures.unit_price_usd,
                "line_cost_usd": figures.line_cost_usd,
                "line_nanos": figures.line_nanos,
                "billing_timestamp_basis": "request_start",
                "billing_timestamp_basis_configured": "request_start",
                **({} if billing_ms is None else {"billing_timestamp_ms": billing_ms,
                                                  "billing_timestamp_iso": iso_ms(billing_ms)}),
                "pricing_time_window": None,
            }
        )
    total = figures.line_nanos
    return {
        "total_nanos": total,
        "total_usd_str": figures.total_usd_str,
        "total_cents": total // NANOS_PER_CENT,
        "currency": "USD",
        "lines": lines,
    }
