"""The OCR pipeline: the gateway's checks in the gateway's order, then the success body.

The order (pipeline/before/index.ts L150-626, bff496d80): 1 auth, 2 body, 3 schema, 4 blank model,
5 testing mode, 6 the context (a preset model, key limits, the model, the wallet), 7 the routing
filters not yet supported, 8 the caller's provider filters, 9 provider enabled and priced, then the
execute stage: 10 the routing gates (region, zero data retention, max price), 11 the provider call,
12 the success body. The first failure wins; every failure is a ``GatewayError``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from mockserver.gateway.behaviour import behaviour, first_present, return_flag
from mockserver.gateway.catalog import Catalog
from mockserver.gateway.debug import error_debug
from mockserver.gateway.errors import GatewayError, validation_error
from mockserver.gateway.exchange import Exchange, Stage
from mockserver.gateway.ids import new_generation_id
from mockserver.gateway.images import decoded_size, image_as_sent
from mockserver.gateway.pricing import pricing_breakdown
from mockserver.gateway.routing import (
    ProviderPreferences,
    RoutingHints,
    no_candidates,
    reject_unsupported_filters,
    route,
    routing_decision,
)
from mockserver.gateway.upstream import DefaultUpstream, OcrCall, Upstream, UpstreamDocument
from mockserver.gateway.validation import BodyValidator, js_trim
from mockserver.state.keys import Keyring


@dataclass(frozen=True)
class Answer:
    """What the gateway answers: status, JSON body, extra headers, and what happened on the way."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str]
    exchange: Exchange
    elapsed_ms: float


def debug_header_on(headers: Mapping[str, str]) -> bool:
    """Debug output on a success: the first debug header present, as a return flag (before/index.ts L166-169)."""
    return return_flag(first_present(headers, behaviour()["debug"]["success_headers"]))


def testing_mode_requested(headers: Mapping[str, str], body: Mapping[str, Any]) -> bool:
    """before/testingMode.ts L9-20: the first present source (header, then raw body key), truthy."""
    rules = behaviour()["testing_mode"]
    value: Any = first_present(headers, rules["headers"])
    if value is None:
        for path in rules["body_keys"]:
            node: Any = body
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            if node is not None:
                value = node
                break
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and js_trim(value).lower() in rules["truthy"]


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
            body = await self._run(headers, read_body, generation_id, exchange)
            status, extra_headers = 200, {}
        except GatewayError as error:
            exchange.close_spans(error=True)
            body = error.envelope(generation_id, error_debug(error, headers, exchange, generation_id))
            extra_headers = error.headers()
            status = error.status
        elapsed = (time.perf_counter() - started) * 1000
        return Answer(status, body, extra_headers, exchange, elapsed)

    async def _run(
        self,
        headers: Mapping[str, str],
        read_body: Callable[[], Awaitable[Any]],
        generation_id: str,
        exchange: Exchange,
    ) -> dict[str, Any]:
        exchange.span("guardAuth")
        kid = self.keys.authenticate(headers.get("authorization"))
        exchange.stage = Stage.PARSE
        exchange.span("guardJson")
        body = exchange.body = await read_body()
        exchange.stage = Stage.VALIDATE
        exchange.span("guardZod")
        details = self.validator.validate(body)
        if details:
            raise validation_error(details)
        exchange.span("guardModel")
        model_id = js_trim(body["model"])
        exchange.model = body["model"]
        if not model_id:
            raise GatewayError("model_required")
        exchange.stage = Stage.TESTING_MODE
        exchange.span("resolveTestingMode")
        if testing_mode_requested(headers, body):
            reason = behaviour()["testing_mode"]["reason"]
            raise GatewayError("unauthorised", reason, internal={"reason": reason})
        exchange.span("guardContext")
        exchange.stage = Stage.MODEL
        self.catalog.reject_preset(model_id)
        exchange.stage = Stage.KEY_LIMITS
        self.keys.check_limits(kid)
        exchange.stage = Stage.MODEL
        model = self.catalog.ocr_model(model_id)
        exchange.stage = Stage.WALLET
        self.keys.check_wallet(kid)
        exchange.stage = Stage.ROUTING_FILTERS
        reject_unsupported_filters(body)
        exchange.stage = Stage.PROVIDER_FILTER
        exchange.span("fetchWorkspacePolicy")
        preferences = ProviderPreferences.from_body(body)
        routed = route(model, preferences)
        exchange.stage = Stage.PROVIDER_ENABLEMENT
        offer = self.catalog.executable_offer(model, routed.candidates)
        assert offer.upstream_model is not None and offer.usd_per_1000_pages is not None
        exchange.span("validateCapabilities", "applyServiceTierRouting", "before_start")
        exchange.stage = Stage.ROUTING
        exchange.span(*behaviour()["server_timing"]["execute"])
        hints = RoutingHints.from_body(body)
        # before/index.ts L160-164: header ?? body.beta_capabilities ?? body.provider_capabilities_beta
        sources = (headers.get("x-aistats-beta-capabilities"), body.get("beta_capabilities"),
                   body.get("provider_capabilities_beta"))
        capabilities_beta = return_flag(next((value for value in sources if value is not None), None))
        pool, diagnostics = routing_decision(
            model, [offer], hints, preferences, routed.workspace_policy, capabilities_beta=capabilities_beta
        )
        exchange.routing_diagnostics = diagnostics
        if not pool:
            raise no_candidates(model, diagnostics)
        exchange.stage = Stage.UPSTREAM
        exchange.span(*behaviour()["server_timing"]["attempt"][:-2])
        call = OcrCall(
            gateway_model=model.gateway_id,
            provider=offer.provider,
            upstream_model=offer.upstream_model,
            image=image_as_sent(body["image"]),
            language=body.get("language"),
            body=body,
            headers=headers,
            routing_diagnostics=diagnostics,
        )
        upstream_started = time.perf_counter()
        try:
            provided = await self.upstream.ocr(call)
        finally:
            exchange.upstream_ms = (time.perf_counter() - upstream_started) * 1000
            exchange.span("attempt_1_executor_total", ms=exchange.upstream_ms)
            exchange.span("adapter_start")
        exchange.note_provider(provided)
        if provided.error is not None:
            raise provided.error
        document = provided.document
        assert document is not None
        exchange.stage = Stage.SUCCESS
        pricing = pricing_breakdown(len(document.pages), offer.usd_per_1000_pages)
        self.keys.charge(kid, pricing["total_nanos"])
        success = success_body(generation_id, call, document, pricing, Timings.of(exchange.upstream_ms))
        _add_debug_fields(success, body, headers, call, document, hints, diagnostics)
        exchange.close_spans(error=False)
        return success


@dataclass(frozen=True)
class Timings:
    """The success body's ``meta`` timing (execute/index.ts L553-565, after/timing.ts L27-46): both
    ``latency_ms`` and ``generation_ms`` time the provider call."""

    latency_ms: int
    generation_ms: int

    @classmethod
    def of(cls, upstream_ms: float | None) -> Timings:
        measured = round(upstream_ms or 0)
        return cls(latency_ms=measured, generation_ms=measured)

    def meta(self) -> dict[str, Any]:
        generating = self.generation_ms > 0
        return {
            "throughput_tps": 0 if generating else None,
            "generation_ms": self.generation_ms,
            "latency_ms": self.latency_ms,
            "end_to_end_ms": self.latency_ms + self.generation_ms if generating else self.latency_ms,
        }


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
        "model": document.model or call.upstream_model,
        "provider": call.provider,
        "text": document.text,
        "usage": {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0, "pricing_breakdown": pricing},
        "nativeResponseId": None,
        "meta": timings.meta(),
    }
    body.update(_cost_fields(pricing))
    return body


COST_KEYS = ("cost_nanos", "cost_cents", "currency", "pricing_lines")


def _cost_fields(pricing: dict[str, Any]) -> dict[str, Any]:
    if pricing["total_nanos"] <= 0:
        return {}
    return {
        "cost_nanos": pricing["total_nanos"],
        "cost_cents": pricing["total_cents"],
        "currency": pricing["currency"],
        "pricing_lines": pricing["lines"],
    }


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
    hints: RoutingHints,
    routing_diagnostics: dict[str, Any],
) -> None:
    """The optional parts of the success body, in the gateway's key order (after/payload.ts L98-119,
    L537-546, L789-799, L920-927; after/index.ts L250-298, L499-517)."""
    debug: Mapping[str, Any] = body.get("debug") or {}
    debug_on = debug_header_on(headers) or return_flag(debug.get("enabled"))
    if debug_on or return_flag(body.get("meta")):
        candidates = routing_diagnostics["finalCandidateCount"]
        success["meta"]["routing"] = {
            "selected_provider": call.provider,
            "requested_params": [],
            "param_provider_count_before": candidates,
            "param_provider_count_after": candidates,
            "param_dropped_providers": [],
        }
    return_request = _flag(debug, "return_upstream_request", "returnUpstreamRequest")
    if return_request is None:
        return_request = body.get("echo_upstream_request") is True
    if return_request:
        sent: dict[str, Any] = {"model": call.upstream_model, "image": body["image"]}
        if "language" in body:
            sent["language"] = body["language"]
        success["upstream_request"] = orjson.dumps(sent).decode()
    if _flag(debug, "return_upstream_response", "returnUpstreamResponse"):
        success["upstream_response"] = _upstream_response(call, document)
    for key in COST_KEYS:  # the cost keys come after upstream_request and upstream_response
        if key in success:
            success[key] = success.pop(key)
    if debug_on or hints.return_diagnostics:
        success["routing_diagnostics"] = routing_diagnostics


def _upstream_response(call: OcrCall, document: UpstreamDocument) -> dict[str, Any]:
    """mistral/endpoints/ocr.ts L20-48, L89-94: meters only when positive; the provider's model."""
    pages = len(document.pages)
    size = decoded_size(call.image)  # the provider reports the document's size
    usage: dict[str, Any] = {"requests": 1}
    if pages > 0:
        usage["input_pages"] = pages
        usage["pages_processed"] = pages
    if size:
        usage["doc_size_bytes"] = size
    model = document.model or call.upstream_model
    return {
        "text": document.text,
        "model": model,
        "usage": usage,
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
            "model": model,
            "document_annotation": None,
            "usage_info": {"pages_processed": pages, "doc_size_bytes": size},
        },
    }
