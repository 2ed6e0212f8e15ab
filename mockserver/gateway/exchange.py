"""What happened to one request, filled in as it goes through the pipeline: for the journal, the log
line and the HTTP layer (which delivers a scripted connection fault)."""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import Any

from mockserver.gateway.behaviour import behaviour
from mockserver.gateway.errors import GatewayError
from mockserver.gateway.upstream import NONE_NEAR, AnsweredBy, Fault, Nearest, ProviderAnswer

UNREAD = object()


_TIMED = object()  # ends a group of spans that share a measured duration


@functools.lru_cache(maxsize=256)
def _template(groups: tuple[tuple[Any, ...], ...]) -> str:
    """The Server-Timing value of a sequence of span groups, formatted once per sequence (requests that stop at
    the same check share it): the spans the mock does not time say 0.000, the measured ones are placeholders."""
    entries: list[str] = []
    measured = 0
    for group in groups:
        if group and group[-1] is _TIMED:
            entries.extend(f"{_escaped(name)};dur={{{measured}:.3f}}" for name in group[:-1])
            measured += 1
        else:
            entries.extend(f"{_escaped(name)};dur={0.0:.3f}" for name in group)
    return ", ".join(entries)


def _escaped(name: str) -> str:
    return name.replace("{", "{{").replace("}", "}}")


class Stage(StrEnum):
    """The check a request is at, in the gateway's order; names where an error stopped it."""

    AUTH = "auth"
    PARSE = "parse"
    VALIDATE = "validate"
    TESTING_MODE = "testing_mode"
    KEY_LIMITS = "key_limits"
    MODEL = "model"
    WALLET = "wallet"
    ROUTING_FILTERS = "routing_filters"
    PROVIDER_FILTER = "provider_filter"
    PROVIDER_ENABLEMENT = "provider_enablement"
    ROUTING = "routing"  # the execute stage: routing gates, then the provider call
    UPSTREAM = "upstream"
    SUCCESS = "success"


EXECUTE_STAGES = frozenset({Stage.ROUTING, Stage.UPSTREAM, Stage.SUCCESS})


class Exchange:
    """Made once per request: the fields start as these class-level defaults (a dataclass's generated
    ``__init__`` of thirteen parameters cost more than the few fields most requests set)."""

    stage: Stage = Stage.AUTH
    body: Any = UNREAD  # the parsed body, once read
    model: str | None = None
    script_id: str | None = None  # the script that answered; None: a default answered
    script_source: str | None = None  # the fixture file (or "runtime") of that script or default
    answered_by: AnsweredBy | None = None  # None: the gateway answered before the provider step
    nearest: Nearest = NONE_NEAR  # when no script matched
    fault: Fault | None = None
    upstream_ms: float | None = None  # how long the provider call took
    routing_diagnostics: dict[str, Any] | None = None  # once the routing gates ran
    error: GatewayError | None = None  # the error answered; None: a success
    debug_variants: tuple[str, ...] = ()  # the debug fields a success carries (pipeline.DEBUG_VARIANTS)

    def __init__(self) -> None:
        # Server-Timing's spans, as groups of names in the order recorded (a measured group ends with ``_TIMED``,
        # its duration in ``measured``): recording is an append, the header is formatted once per sequence
        self.spans: list[tuple[Any, ...]] = []
        self.measured: list[float] = []

    @property
    def executing(self) -> bool:
        """Past the before stage: errors from here on are the execute stage's (pipeline/index.ts L54-73)."""
        return self.stage in EXECUTE_STAGES

    def span(self, *names: str, ms: float = 0.0) -> None:
        """Record Server-Timing spans (pipeline/telemetry/timer.ts L59-82). The gateway's clock on Workers
        is coarse; the mock measures only the provider call."""
        if ms:
            self.measured.append(ms)
            self.spans.append((*names, _TIMED))
        else:
            self.spans.append(names)

    def close_spans(self, *, error: bool) -> None:
        """The spans that end a request: ``before_start`` for a before-stage error, the end of the
        execute stage otherwise."""
        timing = behaviour()["server_timing"]
        if not self.executing:
            self.span(timing["before_end"])
        elif self.stage == Stage.ROUTING:
            self.span(*timing["no_candidate_end"])
        elif error:
            self.span(*timing["failure_end"])
        else:
            self.span(*timing["success_end"])

    def server_timing(self) -> str:
        return _template(tuple(self.spans)).format(*self.measured)

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
