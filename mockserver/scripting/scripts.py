"""A script: which requests it answers (model and conditions) and what, for how many calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.scripting.matching import Match
from mockserver.scripting.outcomes import Outcome


@dataclass
class Script:
    """A scripted answer. Each call consumes one answer (the store counts them: ``calls`` is a snapshot of that
    count); a used-up script matches nothing.

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
    def limit(self) -> int | None:
        """How many calls it answers in all (None: every call)."""
        if self.sequence:
            return None if self.then is not None else sum(times for _, times in self.sequence)
        return self.times

    @property
    def remaining(self) -> int | None:
        """Calls left after ``calls`` (None: unlimited)."""
        limit = self.limit
        return None if limit is None else max(0, limit - self.calls)

    @property
    def used_up(self) -> bool:
        return self.remaining == 0

    def outcome_at(self, position: int) -> Outcome:
        """The answer of the call at ``position`` (0 for the first), which the store gave this call."""
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
