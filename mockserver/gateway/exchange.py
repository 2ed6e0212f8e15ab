"""What happened to one request, filled in as it goes through the pipeline: for the journal, the log
line and the HTTP layer (which delivers a scripted connection fault)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mockserver.gateway.errors import GatewayError
from mockserver.gateway.upstream import AnsweredBy, Fault, ProviderAnswer

UNREAD = object()


class Stage(StrEnum):
    """The check a request is at, in the gateway's order; names where an error stopped it."""

    AUTH = "auth"
    PARSE = "parse"
    VALIDATE = "validate"
    KEY_LIMITS = "key_limits"
    MODEL = "model"
    WALLET = "wallet"
    PROVIDER_FILTER = "provider_filter"
    PROVIDER_ENABLEMENT = "provider_enablement"
    UPSTREAM = "upstream"
    SUCCESS = "success"


@dataclass
class Exchange:
    stage: Stage = Stage.AUTH
    body: Any = UNREAD  # the parsed body, once read
    model: str | None = None
    script_id: str | None = None  # the script that answered; None: a default answered
    script_source: str | None = None  # the fixture file (or "runtime") of that script or default
    answered_by: AnsweredBy | None = None  # None: the gateway answered before the provider step
    nearest: list[dict[str, Any]] = field(default_factory=list)  # when no script matched
    fault: Fault | None = None
    upstream_ms: float | None = None  # how long the provider call took
    error: GatewayError | None = None  # the error answered; None: a success
    debug_variants: tuple[str, ...] = ()  # the debug fields a success carries (pipeline.DEBUG_VARIANTS)

    @property
    def body_read(self) -> bool:
        return self.body is not UNREAD

    def note_provider(self, answer: ProviderAnswer) -> None:
        """Who answered the provider call, and the fault to act out, as the provider reported them."""
        self.answered_by = answer.answered_by
        self.script_id = answer.script_id
        self.script_source = answer.source
        self.nearest = answer.nearest
        self.fault = answer.fault
