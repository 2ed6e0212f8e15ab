"""What a script answers with: a document, a gateway error, an upstream failure or a connection fault,
optionally after a delay."""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from mockserver.gateway.upstream import Fault, OcrCall, Page
from mockserver.gateway.upstream_failure import ProviderError


@dataclass(frozen=True)
class ScriptedError:
    """A gateway error by its code; the description defaults to the gateway's."""

    code: str
    description: str | None = None


@dataclass
class Delay:
    """How long the provider takes: fixed, uniform or capped lognormal (seeded), plus a per-page cost."""

    fixed_ms: float = 0.0
    uniform: tuple[float, float] | None = None
    lognormal: tuple[float, float, float] | None = None  # median_ms, sigma, cap_ms
    per_page_ms: float = 0.0
    seed: int | None = None
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        """Start the random draws again from the seed."""
        self._rng = random.Random(self.seed)

    def draw_ms(self, pages: int) -> float:
        """The delay for one call of ``pages`` pages (draws from the seeded generator)."""
        base = self.fixed_ms
        if self.uniform is not None:
            base += self._rng.uniform(*self.uniform)
        if self.lognormal is not None:
            median, sigma, cap = self.lognormal
            base += min(cap, self._rng.lognormvariate(math.log(median), sigma))
        return base + self.per_page_ms * pages


@dataclass(frozen=True)
class Outcome:
    """One answer: a document (``pages``; None means the model's default document), a gateway error,
    or a provider failure; a connection fault may spoil the delivery of a document; and a delay.

    ``callback`` (the pytest plugin's ``add(callback=fn)``): the answer is computed per call instead, and this
    outcome's other fields are unused; the callback's outcome None means the model's default document."""

    pages: tuple[Page, ...] | None = None
    error: ScriptedError | None = None
    upstream: ProviderError | None = None
    fault: Fault | None = None
    delay: Delay = field(default_factory=Delay)
    document_annotation: Any = None  # the provider's, with the pages (None: none)
    provider_model: str | None = None  # the model the provider names (mistral/endpoints/ocr.ts L91)
    callback: Callable[[OcrCall], Awaitable[Outcome | None]] | None = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        if self.error is not None:
            return "error"
        if self.upstream is not None:
            return "upstream"
        return "pages"
