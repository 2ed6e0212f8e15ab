"""What happened to one request, filled in as it goes through the pipeline: for the journal, the log
line and the HTTP layer (which delivers a scripted connection fault)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.scripting.outcomes import Fault

UNREAD = object()


@dataclass
class Exchange:
    stage: str = "auth"  # the check the request is at; names where an error stopped it
    body: Any = UNREAD  # the parsed body, once read
    model: str | None = None
    script_id: str | None = None  # the script that answered; None: a default answered
    # who answered the provider call: "script", "default" (the fixture files' default for the model),
    # "builtin" (the built-in document); None: the gateway answered before the provider step
    answered_by: str | None = None
    nearest: list[dict[str, Any]] = field(default_factory=list)  # when no script matched
    fault: Fault | None = None
    upstream_ms: float | None = None  # how long the provider call took

    @property
    def body_read(self) -> bool:
        return self.body is not UNREAD
