"""What the gateway asks of its OCR provider, and the mock's default provider.

The gateway calls the provider's OCR endpoint with ``{model: <slug>, document: {type: "image_url",
image_url: <image>}}``. In the mock an ``Upstream`` answers that call instead: by default with a
deterministic one-page document (the same request gives the same text); scripted fixtures plug in
another ``Upstream``.

The call, the page, the document and the answer are made per request and read only, but not frozen: a frozen
dataclass sets each field through ``object.__setattr__``, about a microsecond per object of eleven fields
(issue 16). Scripted pages are shared between the requests a script answers, so nothing may change one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol

import orjson

from mockserver.gateway.errors import GatewayError
from mockserver.gateway.ids import sha256_of_text


@dataclass(slots=True)
class OcrCall:
    """One upstream OCR call and the request it came from (for scripts that match on it)."""

    gateway_model: str
    provider: str
    upstream_model: str
    image: str | None  # as sent upstream; None when the request gave a document instead
    language: str | None
    body: Mapping[str, Any]
    headers: Mapping[str, str]
    document: Mapping[str, Any] | None = None  # the request's document (2026-08), verbatim
    provider_request: Mapping[str, Any] = field(default_factory=dict)  # the body the provider receives
    error_body_cap: int | None = None  # how much of a failed call's body the gateway reads (None: all)

    @property
    def source(self) -> str:
        """What was read, as text: the image, else the document (for the default answer's digest)."""
        if self.image is not None:
            return self.image
        return orjson.dumps(self.document, option=orjson.OPT_SORT_KEYS).decode()

    @property
    def input_name(self) -> str:
        """Which input the request used: ``image`` or ``document.<type>``."""
        return "image" if self.document is None else f"document.{self.document.get('type')}"
    # shown on a provider failure; shared with other requests (routing.DefaultRoutes): read only
    routing_diagnostics: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Page:
    markdown: str
    images: list[Any] = field(default_factory=list)
    dimensions: dict[str, int] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # other provider fields (index, blocks, tables...)

    def to_json(self, position: int) -> dict[str, Any]:
        """The page as the provider (Mistral) returns it; ``index`` defaults to its position."""
        fields = {key: value for key, value in self.extra.items() if key != "index"}
        page = {"index": self.extra.get("index", position), "markdown": self.markdown, "images": self.images,
                "dimensions": self.dimensions}
        return {**page, **fields}


@dataclass(slots=True)
class UpstreamDocument:
    """The provider's answer."""

    pages: list[Page]
    document_annotation: Any = None  # None: the provider gave none
    model: str | None = None  # the model the provider names in its answer; None: the slug asked for

    @property
    def text(self) -> str:
        """mistral/endpoints/ocr.ts L20-37: the pages' markdown, empty pages skipped."""
        return "\n\n".join(page.markdown for page in self.pages if page.markdown)


FaultKind = Literal["drop", "truncate", "dribble"]


@dataclass(frozen=True)
class Fault:
    """A connection-level failure, for client resilience tests."""

    kind: FaultKind
    keep_bytes: int | None = None  # truncate: bytes of the body sent before the connection closes
    chunk_bytes: int = 16  # dribble
    interval_ms: float = 100.0  # dribble


class AnsweredBy(StrEnum):
    """Who answered a provider call."""

    SCRIPT = "script"  # a script that matched
    DEFAULT = "default"  # the fixture files' default for the model
    BUILTIN = "builtin"  # the built-in one-page document


class Nearest:
    """The scripts nearest to a request none answered, and why each did not match. The script engine's kind is
    worked out when first asked for (the journal asks when it is read), not on the request's way."""

    __slots__ = ("_found",)

    def __init__(self, found: list[dict[str, Any]] | None) -> None:
        self._found = found  # None: not worked out yet (a subclass's work, done in its ``found``)

    def found(self) -> list[dict[str, Any]]:
        assert self._found is not None
        return self._found

    def compact(self) -> CompactNearest | None:
        """The pending work in a form that holds no per-request containers (a full journal of them would be a
        long walk for the garbage collector); None when there is none."""
        return None


# (resolve, shared context, bytes): ``resolve(context, data, body, headers)`` gives the list, from the request's
# body and headers as the journal parses them again
CompactNearest = tuple[Callable[[Any, bytes, Any, Mapping[str, str]], list[dict[str, Any]]], Any, bytes]


NONE_NEAR = Nearest([])  # a script answered, or none was asked


@dataclass(slots=True)
class ProviderAnswer:
    """What the provider step returns: the document, or the error the gateway renders as-is; a connection
    fault that spoils the document's delivery; and who answered, for the journal."""

    document: UpstreamDocument | None = None
    error: GatewayError | None = None
    fault: Fault | None = None
    answered_by: AnsweredBy = AnsweredBy.BUILTIN
    script_id: str | None = None
    source: str | None = None  # the fixture file (or "runtime") of the script or default that answered
    nearest: Nearest = NONE_NEAR  # when no script matched


class Upstream(Protocol):
    async def ocr(self, call: OcrCall) -> ProviderAnswer:
        """Answer the call: a document, or an error for the gateway to render."""
        ...


DEFAULT_DIMENSIONS = {"dpi": 200, "height": 2200, "width": 1700}


def default_page(call: OcrCall) -> Page:
    """A page whose text depends only on the model, the image and the language."""
    digest = sha256_of_text(call.gateway_model, call.source, call.language or "")
    markdown = (
        f"# Mock OCR document {digest[:8]}\n\n"
        f"This page was read by {call.gateway_model} (the aistats-ocr-mock default answer).\n\n"
        f"Reference: {digest[8:24]}"
    )
    return Page(markdown=markdown, dimensions=dict(DEFAULT_DIMENSIONS))


class DefaultUpstream:
    """The mock's answer when nothing is scripted: one deterministic page, no delay."""

    async def ocr(self, call: OcrCall) -> ProviderAnswer:
        return ProviderAnswer(document=UpstreamDocument(pages=[default_page(call)]))
