"""A script: which requests it answers (model and conditions) and what, for how many calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.scripting.matching import Match
from mockserver.scripting.outcomes import Outcome


@dataclass
class Script:
    """A scripted answer. Stateful: each call consumes one answer; a used-up script matches nothing.

    Without a sequence, ``outcome`` answers ``times`` calls (None: every call). With a sequence, each
    step answers ``times`` calls in turn, then ``then`` answers every call (None: the script is used up).
    """

    id: str
    model: str
    match: Match = field(default_factory=Match)
    outcome: Outcome | None = None
    times: int | None = None
    sequence: list[tuple[Outcome, int]] = field(default_factory=list)
    then: Outcome | None = None
    source: str = "runtime"
    entry: str = "script"  # where it was declared, for messages: scripts[2] (invoice)
    spec: dict[str, Any] = field(default_factory=dict)  # as declared, for listings
    calls: int = 0
    release: str | None = None  # used only under this gateway release (None: every release)

    @property
    def remaining(self) -> int | None:
        """Calls left (None: unlimited)."""
        if self.sequence:
            if self.then is not None:
                return None
            return max(0, sum(times for _, times in self.sequence) - self.calls)
        if self.times is None:
            return None
        return max(0, self.times - self.calls)

    @property
    def used_up(self) -> bool:
        return self.remaining == 0

    def consume(self) -> Outcome:
        """The answer for this call; the caller checked that the script is not used up."""
        position = self.calls
        self.calls += 1
        for outcome, times in self.sequence:
            if position < times:
                return outcome
            position -= times
        if self.sequence:
            assert self.then is not None
            return self.then
        assert self.outcome is not None
        return self.outcome

    def to_json(self) -> dict[str, Any]:
        return {**self.spec, "id": self.id, "source": self.source, "calls": self.calls, "remaining": self.remaining}
