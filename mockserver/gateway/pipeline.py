"""The OCR pipeline: the gateway's checks in the gateway's order, then the success body.

1 auth, 2 JSON, 3 schema (then the unsupported routing filters), 4 blank model, 5 key limits,
6 model serves OCR, 7 wallet, 8 provider filters, 9 provider enabled and priced, 10 upstream call,
11 success. The first failure wins; every failure is a ``GatewayError``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from mockserver.gateway.catalog import Catalog
from mockserver.gateway.errors import GatewayError, validation_error
from mockserver.gateway.exchange import Exchange, Stage
from mockserver.gateway.ids import new_generation_id
from mockserver.gateway.images import decoded_size, image_as_sent
from mockserver.gateway.pricing import pricing_breakdown
from mockserver.gateway.routing import ProviderPreferences, reject_unsupported_filters, route
from mockserver.gateway.upstream import DefaultUpstream, OcrCall, Upstream, UpstreamDocument
from mockserver.gateway.validation import BodyValidator, js_trim
from mockserver.state.keys import Keyring

DEBUG_HEADER_VALUES = frozenset({"true", "1", "yes"})
# The debug fields a success can carry, each asked for on its own (the outcome catalogue counts each).
UPSTREAM_REQUEST, UPSTREAM_RESPONSE, ROUTING = DEBUG_VARIANTS = ("upstream_request", "upstream_response", "routing")


@dataclass(frozen=True)
class Answer:
    """What the gateway answers: status, JSON body, extra headers, and what happened on the way."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str]
    exchange: Exchange
    elapsed_ms: float


def debug_header_on(headers: Mapping[str, str]) -> bool:
    return headers.get("x-gateway-debug", "").strip().lower() in DEBUG_HEADER_VALUES


class Gateway:
    def __init__(
        self,
        *,
        keys: Keyring,
        catalog: Catalog,
        validator: BodyValidator,
        upstream: Upstream | None = None,
    ) -> None:
        self.keys = keys
        self.catalog = catalog
        self.validator = validator
        self.upstream: Upstream = upstream or DefaultUpstream()

    async def ocr(self, headers: Mapping[str, str], read_body: Callable[[], Awaitable[Any]]) -> Answer:
        started = time.perf_counter()
        generation_id = new_generation_id()
        exchange = Exchange()
        try:
            body = await self._run(headers, read_body, generation_id, started, exchange)
            status, extra_headers = 200, {}
        except GatewayError as error:
            exchange.error = error
            debug = {"endpoint": "ocr", "stage": exchange.stage, "model": exchange.model}
            body = error.envelope(generation_id, debug if debug_header_on(headers) else None)
            extra_headers = error.headers()
            status = error.status
        elapsed = (time.perf_counter() - started) * 1000
        return Answer(status, body, extra_headers, exchange, elapsed)

    async def _run(
        self,
        headers: Mapping[str, str],
        read_body: Callable[[], Awaitable[Any]],
        generation_id: str,
        started: float,
        exchange: Exchange,
    ) -> dict[str, Any]:
        kid = self.keys.authenticate(headers.get("authorization"))
        exchange.stage = Stage.PARSE
        body = exchange.body = await read_body()
        exchange.stage = Stage.VALIDATE
        details = self.validator.validate(body)
        if details:
            raise validation_error(details)
        reject_unsupported_filters(body)
        model_id = js_trim(body["model"])
        exchange.model = body["model"]
        if not model_id:
            raise GatewayError("model_required")
        exchange.stage = Stage.KEY_LIMITS
        self.keys.check_limits(kid)
        exchange.stage = Stage.MODEL
        model = self.catalog.ocr_model(model_id)
        exchange.stage = Stage.WALLET
        self.keys.check_wallet(kid)
        exchange.stage = Stage.PROVIDER_FILTER
        routing = route(model, ProviderPreferences.from_body(body))
        exchange.stage = Stage.PROVIDER_ENABLEMENT
        offer = self.catalog.executable_offer(routing.candidates)
        assert offer.upstream_model is not None and offer.usd_per_1000_pages is not None
        exchange.stage = Stage.UPSTREAM
        image = image_as_sent(body["image"])
        call = OcrCall(
            gateway_model=model_id,
            provider=offer.provider,
            upstream_model=offer.upstream_model,
            image=image,
            language=body.get("language"),
            body=body,
            headers=headers,
        )
        upstream_started = time.perf_counter()
        try:
            provided = await self.upstream.ocr(call)
        finally:
            exchange.upstream_ms = (time.perf_counter() - upstream_started) * 1000
        exchange.note_provider(provided)
        if provided.error is not None:
            raise provided.error
        document = provided.document
        assert document is not None
        exchange.stage = Stage.SUCCESS
        pricing = pricing_breakdown(len(document.pages), offer.usd_per_1000_pages)
        self.keys.charge(kid, pricing["total_nanos"])
        timings = Timings(
            latency_ms=round((upstream_started - started) * 1000),
            generation_ms=round(exchange.upstream_ms),
        )
        success = success_body(generation_id, call, document, pricing, timings)
        exchange.debug_variants = _add_debug_fields(success, body, headers, call, document, routing.diagnostics)
        return success


@dataclass(frozen=True)
class Timings:
    latency_ms: int
    generation_ms: int


def success_body(
    generation_id: str,
    call: OcrCall,
    document: UpstreamDocument,
    pricing: dict[str, Any],
    timings: Timings,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "requestId": generation_id,
        "id": generation_id,
        "object": "ocr",
        "model": call.upstream_model,
        "provider": call.provider,
        "text": document.text,
        "usage": {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0, "pricing_breakdown": pricing},
        "nativeResponseId": None,
        "meta": {
            "throughput_tps": 0,
            "generation_ms": timings.generation_ms,
            "latency_ms": timings.latency_ms,
            "end_to_end_ms": timings.latency_ms + timings.generation_ms,
        },
    }
    if pricing["total_nanos"] > 0:
        body["cost_nanos"] = pricing["total_nanos"]
        body["cost_cents"] = pricing["total_cents"]
        body["currency"] = pricing["currency"]
        body["pricing_lines"] = pricing["lines"]
    return body


def _flag(options: Mapping[str, Any], *names: str) -> bool | None:
    """The first of ``names`` present in ``options`` (snake_case before its camelCase alias)."""
    for name in names:
        if name in options:
            value: bool = options[name]
            return value
    return None


def _add_debug_fields(
    success: dict[str, Any],
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    call: OcrCall,
    document: UpstreamDocument,
    routing_diagnostics: dict[str, Any],
) -> tuple[str, ...]:
    """Adds the debug fields the request asks for; returns which (``DEBUG_VARIANTS``)."""
    added: list[str] = []
    debug: Mapping[str, Any] = body.get("debug") or {}
    return_request = _flag(debug, "return_upstream_request", "returnUpstreamRequest")
    if return_request is None:
        return_request = body.get("echo_upstream_request") is True
    if return_request:
        sent: dict[str, Any] = {"model": call.upstream_model, "image": call.image}
        if call.language is not None:
            sent["language"] = call.language
        success["upstream_request"] = orjson.dumps(sent).decode()
        added.append(UPSTREAM_REQUEST)
    if _flag(debug, "return_upstream_response", "returnUpstreamResponse"):
        success["upstream_response"] = _upstream_response(call, document)
        added.append(UPSTREAM_RESPONSE)
    if debug.get("enabled") is True or debug_header_on(headers):
        candidates = routing_diagnostics["workspacePolicy"]["afterCount"]
        success["meta"]["routing"] = {
            "selected_provider": call.provider,
            "requested_params": [],
            "param_provider_count_before": candidates,
            "param_provider_count_after": candidates,
            "param_dropped_providers": [],
        }
        success["routing_diagnostics"] = {
            **routing_diagnostics,
            "selectedProvider": call.provider,
            "attempts": [{"provider": call.provider, "status": 200}],
        }
        added.append(ROUTING)
    return tuple(added)


def _upstream_response(call: OcrCall, document: UpstreamDocument) -> dict[str, Any]:
    pages = len(document.pages)
    size = decoded_size(call.image)  # the provider reports the document's size
    return {
        "text": document.text,
        "model": call.upstream_model,
        "usage": {
            "requests": 1,
            "input_pages": pages,
            "pages_processed": pages,
            "doc_size_bytes": size,
        },
        "rawResponse": {
            "pages": [
                {
                    "index": index,
                    "markdown": page.markdown,
                    "images": page.images,
                    "dimensions": page.dimensions,
                }
                for index, page in enumerate(document.pages)
            ],
            "model": call.upstream_model,
            "document_annotation": None,
            "usage_info": {"pages_processed": pages, "doc_size_bytes": size},
        },
    }
