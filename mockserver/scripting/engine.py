"""The script engine: the mock's provider when fixtures are loaded.

For each OCR call it picks the most specific unused script that matches (declared order breaks ties),
consumes one of its answers, and plays it: a document after its delay, a gateway error, a provider
failure, or a document whose delivery a connection fault will spoil. With no match, the model's
default answers (from the fixtures, or the built-in one-page document) and the journal shows the
nearest scripts and why each did not match.
"""

from __future__ import annotations

import asyncio
import marshal
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from mockserver.gateway.errors import GatewayError
from mockserver.gateway.upstream import (
    NONE_NEAR,
    AnsweredBy,
    CompactNearest,
    Fault,
    Nearest,
    OcrCall,
    ProviderAnswer,
    UpstreamDocument,
    default_page,
)
from mockserver.gateway.upstream_failure import upstream_failure
from mockserver.scripting.loader import FixtureError, FixtureSet, build_script, structural_problems
from mockserver.scripting.matching import Mismatch, RequestFacts
from mockserver.scripting.outcomes import Outcome
from mockserver.scripting.scripts import Script
from mockserver.state.stores import ScriptStore, StoredScript

NEAREST = 3


@dataclass
class Selection:
    outcome: Outcome | None
    script: Script | None
    nearest: Nearest = NONE_NEAR


class PendingNearest(Nearest):
    """The nearest scripts of an unmatched call, from the scripts and counts it was matched against."""

    __slots__ = ("_calls", "_facts", "_scripts")

    def __init__(self, scripts: list[Script], calls: Mapping[str, int], facts: RequestFacts) -> None:
        super().__init__(None)
        self._scripts, self._calls, self._facts = scripts, calls, facts

    def found(self) -> list[dict[str, Any]]:
        if self._found is None:
            self._found = nearest_scripts(self._scripts, self._calls, self._facts)
        return self._found

    def compact(self) -> CompactNearest | None:
        if self._found is not None:
            return None
        facts = self._facts
        return _resolve_compact, self._scripts, marshal.dumps((tuple(self._calls.items()), facts.model,
                                                               facts.language))


def _resolve_compact(scripts: list[Script], data: bytes, body: Any, headers: Mapping[str, str]) -> list[dict[str, Any]]:
    calls, model, language = marshal.loads(data)
    return nearest_scripts(scripts, dict(calls), RequestFacts.rebuilt(model, language, body, headers))


def nearest_scripts(scripts: list[Script], calls: Mapping[str, int], facts: RequestFacts) -> list[dict[str, Any]]:
    """The ``NEAREST`` scripts with the fewest mismatches, the scripts added at runtime (by the test, through the
    admin API) before the files' scenery, each with what did not match."""
    misses: list[tuple[int, Script, list[Mismatch]]] = []
    for script in scripts:
        mismatches = script.match.mismatches(facts)
        if script.model != facts.model:
            mismatches.insert(0, Mismatch("model", script.model, facts.model))
        limit = script.limit
        if limit is not None and calls.get(script.id, 0) >= limit:
            mismatches.append(Mismatch("times", "calls left", "used up"))
        if mismatches:
            misses.append((len(mismatches), script, mismatches))
    misses.sort(key=lambda miss: (miss[1].source != "runtime", miss[0]))
    return [{"script": script.id, "mismatches": [m.to_json() for m in mismatches]}
            for _, script, mismatches in misses[:NEAREST]]


class ScriptEngine:
    """Scripts from the fixture files plus those added at runtime, kept in a ``ScriptStore``; thread-safe.

    Each process keeps the parsed scripts (file scripts from its own fixture set, runtime scripts parsed
    once from their definition) and asks the store, per call, for the list's version and the call counts;
    the one write per scripted answer is the store's atomic ``claim``.
    """

    def __init__(self, store: ScriptStore, fixtures: FixtureSet | None = None) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._files = fixtures or FixtureSet()
        self._defaults: dict[str, Outcome] = dict(self._files.defaults)
        self._default_sources: dict[str, str] = dict(self._files.default_sources)  # model -> its file ("runtime")
        self._version = -1
        self._cached: list[Script] = []
        self._parsed: dict[str, tuple[dict[str, Any], Script]] = {}  # runtime scripts: id -> (spec, script)

    # -- state ------------------------------------------------------------------------------------

    @property
    def fixtures(self) -> FixtureSet:
        return self._files

    def reset(self) -> None:
        """Back to the fixture files: their scripts unused, runtime scripts gone, delays' draws restarted."""
        for script in self._files.scripts:
            _reseed(script)
        self._defaults = dict(self._files.defaults)
        self._default_sources = dict(self._files.default_sources)
        self.store.replace([StoredScript(script.id, script.source) for script in self._files.scripts])

    def load(self, fixtures: FixtureSet) -> None:
        """New fixture files (a reload): their scripts replace the old file scripts; runtime ones stay."""
        self._files = fixtures
        self._defaults = dict(fixtures.defaults)
        self._default_sources = dict(fixtures.default_sources)
        view = self.store.view(-1)
        runtime = [stored for stored in view.scripts or [] if stored.runtime]
        self.store.replace(
            [StoredScript(script.id, script.source) for script in fixtures.scripts] + runtime,
            calls={stored.id: view.calls.get(stored.id, 0) for stored in runtime},
        )

    def add(self, spec: dict[str, Any]) -> Script:
        """A script in the fixture format, added at runtime (raises ``FixtureError``)."""
        problems = structural_problems({"scripts": [spec]}, "request")
        if problems:
            raise FixtureError([replace(problem, entry="script") for problem in problems])
        script_id = spec.get("id") or f"script-{self.store.new_id()}"
        script, problems = build_script(spec, script_id=script_id, source="runtime", entry="script", base=None)
        if script is None:
            raise FixtureError([replace(problem, source="request") for problem in problems])
        if not self.store.add(StoredScript(script_id, "runtime", spec)):
            raise ValueError(f"a script with id {script_id!r} exists already")
        with self._lock:
            self._parsed[script_id] = (spec, script)
        return script

    def set_default(self, model: str, outcome: Outcome) -> None:
        """This process's default answer for ``model`` (defaults are not shared state: they come from files)."""
        self._defaults[model] = outcome
        self._default_sources[model] = "runtime"

    def set_callback(self, script_id: str, callback: Callable[[OcrCall], Awaitable[Outcome | None]],
                     name: str) -> None:
        """Let ``callback`` (listed as ``name``) compute the answers of a script added without one, per call.
        A Python function lives in this process: the script parsed here is changed, its stored definition is
        not (another process sharing the store answers it as declared)."""
        with self._lock:
            known = self._parsed.get(script_id)
            if known is not None:
                script = known[1]
                script.outcome = Outcome(callback=callback)
                script.spec = {**script.spec, "callback": name}
                return
        raise LookupError(f"no script {script_id!r}")

    def remove(self, script_id: str) -> bool:
        return self.store.remove(script_id)

    def clear(self) -> None:
        self.store.clear()

    def scripts(self) -> list[Script]:
        """Every script, with its call count as the store has it now."""
        scripts, calls = self._current()
        return [replace(script, calls=calls.get(script.id, 0)) for script in scripts]

    def _current(self) -> tuple[list[Script], dict[str, int]]:
        view = self.store.view(self._version)
        if view.scripts is None:
            return self._cached, view.calls
        files = {script.id: script for script in self._files.scripts}
        built = [script for stored in view.scripts if (script := self._build(stored, files)) is not None]
        with self._lock:
            self._cached, self._version = built, view.version
        return built, view.calls

    def _build(self, stored: StoredScript, files: dict[str, Script]) -> Script | None:
        """The parsed script of a stored one: from this process's files, or parsed once from its spec."""
        if stored.spec is None:
            return files.get(stored.id)
        with self._lock:
            known = self._parsed.get(stored.id)
        if known is not None and known[0] == stored.spec:
            return known[1]
        script, _ = build_script(stored.spec, script_id=stored.id, source=stored.source, entry="script", base=None)
        if script is not None:
            with self._lock:
                self._parsed[stored.id] = (stored.spec, script)
        return script

    # -- answering --------------------------------------------------------------------------------

    def select(self, call: OcrCall) -> Selection:
        """Pick the answer for this call and claim it in the store (concurrent calls, in any process, never
        share one). A claim refused because the script was used up or removed meanwhile picks again."""
        facts = RequestFacts.of(call)
        while True:
            scripts, calls = self._current()
            best: Script | None = None
            for script in scripts:  # the model, the count and the rank first: a condition only if it could win
                if script.model != facts.model or (best is not None and
                                                   script.match.specificity <= best.match.specificity):
                    continue
                limit = script.limit
                if (limit is None or calls.get(script.id, 0) < limit) and script.match.holds(facts):
                    best = script
            if best is None:
                return Selection(self._defaults.get(call.gateway_model), None, PendingNearest(scripts, calls, facts))
            position = self.store.claim(best.id, best.limit)
            if position is not None:
                return Selection(best.outcome_at(position), replace(best, calls=position + 1))

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


def _reseed(script: Script) -> None:
    """Restart the random draws of a script's delays from their seeds."""
    for outcome in (script.outcome, script.then, *(outcome for outcome, _ in script.sequence)):
        if outcome is not None:
            outcome.delay.reseed()
