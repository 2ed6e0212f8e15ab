"""``ocr_gateway.add(model, callback=fn)``: an answer computed in Python from the request, per call.

``fn(call)`` gets a ``CallbackCall`` and returns an answer in the vocabulary of ``add()`` (a dict with
``pages``, ``text``, ``error``, ``upstream``, ``fault``, ``delay_ms``...; None: the model's default document),
or an awaitable of one (``async def``). The engine plays that answer as it plays a scripted one. An exception,
or an answer the fixture schema refuses, becomes the gateway's 500 for the client and is kept for the plugin,
which fails the test with it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from mockserver.gateway.errors import GatewayError
from mockserver.gateway.images import image_bytes
from mockserver.gateway.upstream import OcrCall
from mockserver.pytest_plugin import specs
from mockserver.scripting.engine import ScriptEngine
from mockserver.scripting.loader import FixtureError, parse_document
from mockserver.scripting.matching import RequestFacts
from mockserver.scripting.outcomes import Outcome

Callback = Callable[["CallbackCall"], Any]
INTERNAL_ERROR = ("pipeline_execution_error", "Internal pipeline execution error.")  # what the gateway answers


@dataclass(frozen=True)
class CallbackCall:
    """The request a callback answers, as the gateway parsed it."""

    json: Any  # the parsed request body
    headers: Mapping[str, str] = field(repr=False)  # lower-case names, as received (the key too: not in repr)
    model: str  # the model, trimmed as the gateway trims it
    language: str | None
    image: str | None  # the image read: ``image``, or a ``{type: image_url}`` document's URL; None otherwise

    @cached_property
    def image_bytes(self) -> bytes | None:
        """The decoded bytes of an inline image (data URL or base64); None for an image URL or no image."""
        return None if self.image is None else image_bytes(self.image)


class CallbackAnswerError(ValueError):
    """A callback returned something that is not an answer."""


@dataclass
class CallbackRunner:
    """Wraps a test's callback for the engine; remembers what went wrong, for the plugin to report."""

    function: Callback
    script_id: str
    seed: int | None = None
    errors: list[BaseException] = field(default_factory=list)

    async def __call__(self, call: OcrCall) -> Outcome | None:
        view = CallbackCall(json=call.body, headers=dict(call.headers), model=call.gateway_model,
                            language=call.language, image=RequestFacts.of(call).image)
        try:
            answer = self.function(view)
            if inspect.isawaitable(answer):
                answer = await answer
            return self._outcome(call.gateway_model, answer)
        except Exception as exc:  # anything the test's code raises: the client gets the gateway's 500
            exc.add_note(f"(raised by the ocr_gateway callback of script {self.script_id!r}; the client got "
                         f"500 {INTERNAL_ERROR[0]})")
            self.errors.append(exc)
            raise GatewayError(*INTERNAL_ERROR) from None

    def _outcome(self, model: str, answer: Any) -> Outcome | None:
        if answer is None:
            return None
        if not isinstance(answer, Mapping):
            raise CallbackAnswerError(f"the callback returned {answer!r}; return a dict with the keywords of add(): "
                                      "pages, text, error, upstream, fault, delay_ms... (or None)")
        step = specs.step(answer, self.seed)
        try:
            fixtures = parse_document({"defaults": {model: step}}, "callback", None)
        except FixtureError as exc:
            problems = "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in exc.problems)
            raise CallbackAnswerError(f"the callback's answer {answer!r} is not an answer: {problems}") from None
        return fixtures.defaults[model]


def callback_engine(backend: object) -> ScriptEngine:
    """The engine a callback script goes to: only a mock in this process can call back into the test."""
    from mockserver.pytest_plugin.backends import LocalBackend, ScriptError

    if not isinstance(backend, LocalBackend):
        raise ScriptError("add(callback=...) needs the mock in this process: the mock at --ocr-gateway-url cannot "
                          "call back into the test (use an ocr_gateway_factory() gateway for such a test)")
    return backend.host.mock.engine
