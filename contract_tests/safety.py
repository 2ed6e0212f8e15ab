"""Live safety: which targets need ``--live``, the spending cap, the rate limit, and the one host the key may reach.

Every request of a case goes through a guarded ``requests`` session, so these rules hold in one place:

- the request goes to the target's host and port, or it is not sent (the key never leaves for elsewhere);
- a request the contract says would be billed (a valid request to an OCR model: ``oracle.judge`` expects a
  success) is priced from the catalog, one page at the model's price, and is not sent if the spend so far
  plus its price would pass the cap; the spend then follows what the answers report;

schemathesis' own probes (``ignored_auth`` resends a successful request without credentials, at most twice
a run) bypass the session; they carry no key and go to the same base URL. The rate limit is schemathesis'
``rate-limit`` setting, which spaces every request, probes included.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests
from schemathesis.python.asgi import ASGIClient

from .config import LIVE_ENV
from .oracle import Verdict, judge, sent
from .reference import contract

NANOS_PER_USD = 10**9


class UnsafeTarget(ValueError):
    """A target the options do not allow (a non-loopback host without --live)."""


class BudgetReached(RuntimeError):
    """The request would be billed and the budget cannot pay for it; it was not sent."""


class ForeignHost(RuntimeError):
    """A request to a host other than the target's; it was not sent."""


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Target:
    """Where the run sends its requests: the in-process mock (``url`` None) or a base URL ending in /v1."""

    url: str | None = None

    @classmethod
    def from_option(cls, url: str | None) -> Target:
        if url is None:
            return cls(None)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UnsafeTarget(f"--target must be an http(s) URL, got {url!r}")
        path = parts.path.rstrip("/") or "/v1"
        return cls(f"{parts.scheme}://{parts.netloc}{path}")

    @property
    def in_process(self) -> bool:
        return self.url is None

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc.lower() if self.url else "testserver"

    @property
    def loopback(self) -> bool:
        return self.url is None or is_loopback(urlsplit(self.url).hostname or "")

    @property
    def label(self) -> str:
        return self.url or "the in-process mock"

    def check_allowed(self, live: bool) -> None:
        if not self.loopback and not live:
            raise UnsafeTarget(
                f"{self.url} is not a loopback address: pass --live (or set {LIVE_ENV}=1) to run against a live, "
                "billed gateway"
            )


class Budget:
    """Spending cap in nanos (1e-9 USD); None means no cap, but spend is still counted."""

    def __init__(self, cap_usd: Decimal | None) -> None:
        self.cap = int(cap_usd * NANOS_PER_USD) if cap_usd is not None else None
        self.spent = 0
        self.billable = 0
        self.refused = 0
        self._lock = threading.Lock()

    def reserve(self, nanos: int) -> None:
        with self._lock:
            if self.cap is not None and self.spent + nanos > self.cap:
                self.refused += 1
                raise BudgetReached(f"spent ${self.spent / NANOS_PER_USD}, next request costs ${nanos / NANOS_PER_USD}")
            self.spent += nanos
            self.billable += 1

    def settle(self, reserved: int, reported: int) -> None:
        """The answer said what it cost; count the more expensive of that and the reservation."""
        if reported > reserved:
            with self._lock:
                self.spent += reported - reserved


def billed_price(request: requests.PreparedRequest) -> int:
    """What the request costs if it succeeds on one page, in nanos; 0 when the contract says it is refused."""
    return price_of(judge(sent(request)))


def price_of(verdict: Verdict) -> int:
    """One page at the model's price, in nanos; 0 when the contract says the request is refused before
    billing. The suite's budget and the proxy's both estimate a request this way."""
    if not verdict.judged or verdict.broken or verdict.model is None:
        return 0
    offer = contract().priced_offer(verdict.model)
    if offer is None or offer.usd_per_1000_pages is None:
        return 0
    return int(offer.usd_per_1000_pages * NANOS_PER_USD / 1000)


@dataclass
class Exchange:
    """One request and its answer, kept for the HAR file (redacted when written)."""

    started: float
    request: requests.PreparedRequest
    response: requests.Response | None
    elapsed: float


@dataclass
class Guard:
    target: Target
    budget: Budget
    record_limit: int = 0
    exchanges: list[Exchange] = field(default_factory=list)
    sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(
        self, session: requests.Session, send: Any, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        netloc = urlsplit(request.url or "").netloc.lower()
        if netloc != self.target.netloc:
            raise ForeignHost(f"refusing to send a request to {netloc!r}: the target is {self.target.netloc!r}")
        price = billed_price(request)
        if price:
            self.budget.reserve(price)
        started = time.time()
        response: requests.Response | None = None
        try:
            response = send(request, **kwargs)
            return response
        finally:
            with self._lock:
                self.sent += 1
                if len(self.exchanges) < self.record_limit:
                    self.exchanges.append(Exchange(started, request, response, time.time() - started))
            if response is not None and price:
                self.budget.settle(price, _reported_cost(response))


def _reported_cost(response: requests.Response) -> int:
    if response.status_code != 200:
        return 0
    try:
        cost = response.json().get("cost_nanos", 0)
    except (ValueError, AttributeError):
        return 0
    return cost if isinstance(cost, int) else 0


class GuardedSession(requests.Session):
    """An HTTP session whose every request passes the guard."""

    def __init__(self, guard: Guard) -> None:
        super().__init__()
        self.guard = guard

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        return self.guard.send(self, super().send, request, **kwargs)


class GuardedASGIClient(ASGIClient):
    """The in-process client, guarded the same way (no money, but the same counting and recording)."""

    def __init__(self, app: Any, guard: Guard) -> None:
        super().__init__(app)
        self.guard = guard

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        return self.guard.send(self, super().send, request, **kwargs)
