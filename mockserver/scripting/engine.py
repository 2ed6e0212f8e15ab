"""The script engine: the mock's provider when fixtures are loaded.

For each OCR call it picks the most specific unused script that matches (declared order breaks ties),
consumes one of its answers, and plays it: a document after its delay, a gateway error, a provider
failure, or a document whose delivery a connection fault will spoil. With no match, the model's
default answers (from the fixtures, or the built-in one-page document) and the journal shows the
nearest scripts and why each did not match.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from mockserver.gateway.errors import GatewayError
from mockserver.gateway.upstream import AnsweredBy, Fault, OcrCall, ProviderAnswer, UpstreamDocument, default_page
from mockserver.gateway.upstream_failure import upstream_failure
from mockserver.scripting.loader import FixtureError, FixtureSet, build_script, structural_problems
from mockserver.scripting.matching import Mismatch, RequestFacts
from mockserver.scripting.outcomes import Outcome
from mockserver.scripting.scripts import Script

NEAREST = 3


@dataclass
class Selection:
    outcome: Outcome | None
    script: Script | None
    nearest: list[dict[str, Any]] = field(default_factory=list)


class ScriptEngine:
    """Scripts from the fixture files plus those added at runtime; thread-safe."""

    def __init__(self, fixtures: FixtureSet | None = None) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._files = fixtures or FixtureSet()
        self._scripts: list[Script] = []
        self._defaults: dict[str, Outcome] = {}
        self._default_sources: dict[str, str] = {}  # model -> the file of its default ("runtime": set_default)
        self.reset()

    # -- state ------------------------------------------------------------------------------------

    @property
    def fixtures(self) -> FixtureSet:
        return self._files

    def reset(self) -> None:
        """Back to the fixture files: their scripts unused, runtime scripts gone."""
        with self._lock:
            self._scripts = [_fresh(script) for script in self._files.scripts]
            self._defaults = dict(self._files.defaults)
            self._default_sources = dict(self._files.default_sources)

    def load(self, fixtures: FixtureSet) -> None:
        """New fixture files (a reload): their scripts replace the old file scripts; runtime ones stay."""
        with self._lock:
            runtime = [script for script in self._scripts if script.source == "runtime"]
            self._files = fixtures
            self._scripts = [_fresh(script) for script in fixtures.scripts] + runtime
            self._defaults = dict(fixtures.defaults)
            self._default_sources = dict(fixtures.default_sources)

    def add(self, spec: dict[str, Any]) -> Script:
        """A script in the fixture format, added at runtime (raises ``FixtureError``)."""
        problems = structural_problems({"scripts": [spec]}, "request")
        if problems:
            raise FixtureError([replace(problem, entry="script") for problem in problems])
        with self._lock:
            script_id = spec.get("id") or f"script-{next(self._ids)}"
            if any(script.id == script_id for script in self._scripts):
                raise ValueError(f"a script with id {script_id!r} exists already")
            script, problems = build_script(spec, script_id=script_id, source="runtime", entry="script", base=None)
            if script is None:
                raise FixtureError([replace(problem, source="request") for problem in problems])
            self._scripts.append(script)
            return script

    def set_default(self, model: str, outcome: Outcome) -> None:
        with self._lock:
            self._defaults[model] = outcome
            self._default_sources[model] = "runtime"

    def set_callback(self, script_id: str, callback: Callable[[OcrCall], Awaitable[Outcome | None]],
                     name: str) -> None:
        """Let ``callback`` (listed as ``name``) compute the answers of a script added without one, per call."""
        with self._lock:
            for script in self._scripts:
                if script.id == script_id:
                    script.outcome = Outcome(callback=callback)
                    script.spec = {**script.spec, "callback": name}
                    return
        raise LookupError(f"no script {script_id!r}")

    def remove(self, script_id: str) -> bool:
        with self._lock:
            kept = [script for script in self._scripts if script.id != script_id]
            removed = len(kept) != len(self._scripts)
            self._scripts = kept
            return removed

    def clear(self) -> None:
        with self._lock:
            self._scripts = []

    def scripts(self) -> list[Script]:
        with self._lock:
            return list(self._scripts)

    # -- answering --------------------------------------------------------------------------------

    def select(self, call: OcrCall) -> Selection:
        """Pick and consume the answer for this call (atomically: concurrent calls never share one)."""
        facts = RequestFacts(call)
        with self._lock:
            best: Script | None = None
            misses: list[tuple[int, Script, list[Mismatch]]] = []
            for script in self._scripts:
                mismatches = script.match.mismatches(facts)
                if script.model != call.gateway_model:
                    mismatches.insert(0, Mismatch("model", script.model, call.gateway_model))
                if script.used_up:
                    mismatches.append(Mismatch("times", "calls left", "used up"))
                if mismatches:
                    misses.append((len(mismatches), script, mismatches))
                elif best is None or script.match.specificity > best.match.specificity:
                    best = script
            if best is not None:
                return Selection(best.consume(), best)
            # the scripts added at runtime (by the test, through the admin API) first, then the files' scenery
            misses.sort(key=lambda miss: (miss[1].source != "runtime", miss[0]))
            nearest = [
                {"script": script.id, "mismatches": [m.to_json() for m in mismatches]}
                for _, script, mismatches in misses[:NEAREST]
            ]
            return Selection(self._defaults.get(call.gateway_model), None, nearest)

    async def ocr(self, call: OcrCall) -> ProviderAnswer:
        selection = self.select(call)
        answered_by = (
            AnsweredBy.SCRIPT
            if selection.script
            else AnsweredBy.DEFAULT
            if selection.outcome is not None
            else AnsweredBy.BUILTIN
        )
        script_id = selection.script.id if selection.script else None
        source = (
            selection.script.source
            if selection.script
            else self._default_sources.get(call.gateway_model)
            if selection.outcome is not None
            else None
        )
        try:
            document, fault = await play(selection.outcome, call)
        except GatewayError as error:
            return ProviderAnswer(error=error, answered_by=answered_by, script_id=script_id, source=source,
                                  nearest=selection.nearest)
        return ProviderAnswer(document=document, fault=fault, answered_by=answered_by, script_id=script_id,
                              source=source, nearest=selection.nearest)


async def play(outcome: Outcome | None, call: OcrCall) -> tuple[UpstreamDocument, Fault | None]:
    """Act out one answer for ``call`` (None: the built-in default document): the document and the fault
    that spoils its delivery, or a raised ``GatewayError``."""
    if outcome is not None and outcome.callback is not None:
        outcome = await outcome.callback(call)
    pages = list(outcome.pages) if outcome is not None and outcome.pages is not None else [default_page(call)]
    if outcome is None:
        return UpstreamDocument(pages=pages), None
    document_pages = len(pages) if outcome.kind == "pages" else 0
    delay_ms = outcome.delay.draw_ms(document_pages)
    if delay_ms > 0:
        await sleep_at_least(delay_ms / 1000)
    if outcome.error is not None:
        raise GatewayError(outcome.error.code, outcome.error.description)
    if outcome.upstream is not None:
        raise upstream_failure(outcome.upstream, call.provider, call.gateway_model, dict(call.routing_diagnostics),
                               call.error_body_cap)
    document = UpstreamDocument(pages=pages, document_annotation=outcome.document_annotation,
                                model=outcome.provider_model)
    return document, outcome.fault


async def sleep_at_least(seconds: float) -> None:
    """Sleep ``seconds`` or a little more, never less: uvloop's timers have millisecond ticks and may
    fire up to a millisecond early, and the scripted delay is what ``generation_ms`` reports."""
    end = time.perf_counter() + seconds
    while (left := end - time.perf_counter()) > 0:
        await asyncio.sleep(left)


def _fresh(script: Script) -> Script:
    """A copy of a file script with its call count at zero and its delays' random draws restarted."""
    for outcome in (script.outcome, script.then, *(outcome for outcome, _ in script.sequence)):
        if outcome is not None:
            outcome.delay.reseed()
    return Script(
        id=script.id,
        model=script.model,
        match=script.match,
        outcome=script.outcome,
        times=script.times,
        sequence=script.sequence,
        then=script.then,
        source=script.source,
        entry=script.entry,
        spec=script.spec,
        release=script.release,
    )
