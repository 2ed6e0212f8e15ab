"""``pricing_arithmetic``: the 200 body's price, recomputed from the catalog (contract, "Success (200)").

pages x price / 1,000 = nanos (floored), lines sum to the total, cents floored, ``total_usd_str`` without
trailing zeros, and the top-level ``cost_*``/``pricing_lines`` present exactly when the cost is not zero.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import schemathesis
from schemathesis import CheckContext, Response

from ..oracle import js_trim
from ..reference import contract
from ._common import NOT_APPLICABLE, AnyCase, Problems, answer_json, is_ocr_call, sent_json

NANOS_PER_USD = 10**9
NANOS_PER_CENT = 10**7


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@schemathesis.check
def pricing_arithmetic(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """200 bodies: pages x catalog price = nanos (floored), lines sum, floored cents, cost fields when not free."""
    if not is_ocr_call(response) or response.status_code != 200:
        return NOT_APPLICABLE
    body = answer_json(response)
    usage = body.get("usage") if isinstance(body, dict) else None
    breakdown = usage.get("pricing_breakdown") if isinstance(usage, dict) else None
    problems = Problems("pricing_arithmetic")
    if not isinstance(body, dict) or not isinstance(breakdown, dict):
        problems.add("usage.pricing_breakdown is missing")
        problems.raise_if_any()
        return None
    request = sent_json(response)
    model = js_trim(str(request.get("model", ""))) if isinstance(request, dict) else ""
    offer = contract().priced_offer(model)
    price = offer.usd_per_1000_pages if offer is not None else None
    lines = breakdown.get("lines")
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        problems.add("pricing_breakdown.lines is not a list of lines")
        problems.raise_if_any()
        return None
    for line in lines:
        _check_line(problems, line, price)
    _check_pages(problems, body, lines)
    total = sum(line.get("line_nanos", 0) for line in lines if isinstance(line.get("line_nanos"), int))
    problems.expect(
        breakdown.get("total_nanos") == total,
        "total_nanos is not the sum of the lines",
        f"{breakdown.get('total_nanos')!r}, lines sum to {total}",
    )
    problems.expect(
        breakdown.get("total_cents") == total // NANOS_PER_CENT,
        "total_cents is not floored nanos",
        f"{breakdown.get('total_cents')!r} for {total} nanos, expected {total // NANOS_PER_CENT}",
    )
    usd = _plain(Decimal(total) / NANOS_PER_USD)
    problems.expect(
        breakdown.get("total_usd_str") == usd,
        "total_usd_str is not the total without trailing zeros",
        f"{breakdown.get('total_usd_str')!r}, expected {usd!r}",
    )
    problems.expect(breakdown.get("currency") == "USD", "currency is not USD", repr(breakdown.get("currency")))
    _check_cost_fields(problems, body, breakdown, total)
    problems.raise_if_any()
    return None


def _check_line(problems: Problems, line: dict[str, Any], price: Decimal | None) -> None:
    if not problems.require(line, contract().facts["pricing_line_keys"], "pricing line"):
        return
    quantity, unit_size = line["quantity"], line["unit_size"]
    if not problems.expect(
        isinstance(quantity, int) and quantity > 0 and unit_size == 1000,
        "a line is not a positive page count per 1,000 pages",
        f"{quantity!r} / {unit_size!r}",
    ):
        return
    problems.expect(line["dimension"] == "input_pages", "a line does not price input_pages", repr(line["dimension"]))
    if price is not None:
        problems.expect(
            line["unit_price_usd"] == f"{price:.9f}",
            "unit_price_usd is not the catalog price",
            f"{line['unit_price_usd']!r}, the catalog says {price:.9f}",
        )
    try:
        unit_price = Decimal(str(line["unit_price_usd"]))
    except ArithmeticError:
        problems.add("unit_price_usd is not a decimal", repr(line["unit_price_usd"]))
        return
    nanos = int(unit_price * NANOS_PER_USD * quantity / unit_size)
    problems.expect(
        line["line_nanos"] == nanos,
        "line_nanos is not pages x price / 1,000 (floored)",
        f"{line['line_nanos']!r} for {quantity} pages at {unit_price}, expected {nanos}",
    )
    problems.expect(
        line["line_cost_usd"] == f"{Decimal(nanos) / NANOS_PER_USD:.9f}",
        "line_cost_usd is not line_nanos in dollars",
        repr(line["line_cost_usd"]),
    )
    problems.expect(
        line["billable_units"] == quantity / unit_size,
        "billable_units is not quantity / unit_size",
        repr(line["billable_units"]),
    )


def _check_pages(problems: Problems, body: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    upstream = body.get("upstream_response")
    usage = upstream.get("usage") if isinstance(upstream, dict) else None
    if not isinstance(usage, dict) or not isinstance(usage.get("pages_processed"), int):
        return
    priced = sum(line.get("quantity", 0) for line in lines if isinstance(line.get("quantity"), int))
    problems.expect(
        priced == usage["pages_processed"],
        "priced pages differ from pages processed",
        f"{priced} priced, {usage['pages_processed']} processed",
    )


def _check_cost_fields(problems: Problems, body: dict[str, Any], breakdown: dict[str, Any], total: int) -> None:
    present = [key for key in contract().facts["cost_keys"] if key in body]
    if total == 0:
        problems.expect(not present, "cost fields on a free answer", ", ".join(present))
        return
    if not problems.expect(
        len(present) == len(contract().facts["cost_keys"]),
        "cost fields missing on a paid answer",
        f"present: {', '.join(present) or 'none'}",
    ):
        return
    problems.expect(body["cost_nanos"] == breakdown.get("total_nanos"), "cost_nanos differs from total_nanos")
    problems.expect(body["cost_cents"] == breakdown.get("total_cents"), "cost_cents differs from total_cents")
    problems.expect(body["currency"] == breakdown.get("currency"), "currency differs from the breakdown's")
    problems.expect(body["pricing_lines"] == breakdown.get("lines"), "pricing_lines differ from the breakdown's lines")
