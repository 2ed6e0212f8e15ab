"""The spending cap: a billable request is forwarded only while the spend so far plus its price fits.

A request is billable when the contract expects it to succeed on a priced model (``oracle.judge``); its
price is estimated at one page (``contract_tests.safety.price_of``, the suite's own rule). The spend counts what the
answers report (``cost_nanos``), so a failed or free answer costs nothing.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

from contract_tests.safety import NANOS_PER_USD
from contract_tests.safety import price_of as estimated_nanos

__all__ = ["NANOS_PER_USD", "Ledger", "estimated_nanos", "reported_nanos", "usd"]


def reported_nanos(status: int, body: Any) -> int:
    cost = body.get("cost_nanos") if status == 200 and isinstance(body, dict) else None
    return cost if isinstance(cost, int) and not isinstance(cost, bool) and cost > 0 else 0


def usd(nanos: int) -> str:
    return f"{Decimal(nanos) / NANOS_PER_USD:.6f}".rstrip("0").rstrip(".") or "0"


class Ledger:
    """Spend and counts; ``cap`` None means no cap (the spend is still counted)."""

    def __init__(self, cap_usd: Decimal | None) -> None:
        self.cap = int(cap_usd * NANOS_PER_USD) if cap_usd is not None else None
        self.spent = 0
        self.billable = 0
        self.refused = 0
        self._in_flight = 0
        self._lock = threading.Lock()

    def admit(self, price: int) -> bool:
        """Reserve ``price`` for a billable request; False (and counted) when it would pass the cap."""
        with self._lock:
            if self.cap is not None and self.spent + self._in_flight + price > self.cap:
                self.refused += 1
                return False
            self._in_flight += price
            self.billable += 1
            return True

    def settle(self, reserved: int, reported: int) -> None:
        with self._lock:
            self._in_flight -= reserved
            self.spent += reported

    def to_json(self) -> dict[str, Any]:
        return {
            "cap_usd": usd(self.cap) if self.cap is not None else None,
            "spent_usd": usd(self.spent),
            "spent_nanos": self.spent,
            "billable_forwarded": self.billable,
            "refused": self.refused,
        }
