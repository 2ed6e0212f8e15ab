"""The OCR pipeline: the gateway's checks in the gateway's order, then the success body.

1 auth, 2 JSON, 3 schema (then, from 2026-08, a provider-qualified model's syntax and provider; then the
unsupported routing filters), 4 blank model, 5 key limits, 6 model serves OCR, 7 wallet, 8 provider filters
(from 2026-08 after a qualified model's conflicts and availability), 9 provider enabled and priced,
10 upstream call, 11 success. The first failure wins; every failure is a ``GatewayError``, rendered with the
release's error table. What differs between releases is read from the ``Release`` (data), not branched on
its name.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from mockserver.gateway.auth import KeyRules
from mockserver.gateway.catalog import Catalog
from mockserver.gateway.errors import ErrorTable, GatewayError, validation_error
from mockserver.gateway.exchange import Exchange, Stage
from mockserver.gateway.ids import new_generation_id
from mockserver.gateway.images import decoded_size, image_as_sent
from mockserver.gateway.pricing import pricing_breakdown
from mockserver.gateway.qualified import check_constraints, split_model
from mockserver.gateway.release import Release, load_release
from mockserver.gateway.routing import ProviderPreferences, RoutingWords, reject_unsupported_filters, route
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


class Gateway:
    def __init__(
        self,
        *,
        keys: Keyring,
        catalog: Catalog,
        validator: BodyValidator,
        upstream: Upstream | None = None,
        release: Release | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.keys = keys
        self.catalog = catalog
        self.validator = validator
        self.upstream: Upstream = upstream or DefaultUpstream()
        self.release = release or load_release()
        self.errors = ErrorTable(self.release.errors)
        self.key_rules = KeyRules.from_settings(self.release.get("keys"))
        self.words = RoutingWords.from_settings(self.release.get("routing"))
        self.qualified_providers = frozenset(self.release.get("request", "qualified_providers"))
        self.clock = clock

    async def ocr(self, headers: Mapping[str, str], read_body: Callable[[], Awaitable[Any]]) -> Answer:
        started = time.perf_counter()
        started_ms = int(self.clock().timestamp() * 1000)  # the billing timestamp: the request's start
        generation_id = new_generation_id()
        exchange = Exchange()
        try:
            body = await self._run(headers, read_body, generation_id, started, started_ms, exchange)
            status, extra_headers = 200, {}
        except GatewayError as error:
            debug = {"endpoint": "ocr", "stage": exchange.stage, "model": exchange.model}
            wanted = self.release.debug_requested(headers, error=True)
            body = self.errors.envelope(error, generation_id, debug if wanted else None)
            extra_headers = self.errors.headers(error)
            status = self.errors[error.code].status
        elapsed = (time.perf_counter() - started) * 1000
        return Answer(status, body, extra_headers, exchange, elapsed)

    async def _run(
        self,
        headers: Mapping[str, str],
        read_body: Callable[[], Awaitable[Any]],
        generation_id: str,
        started: float,
        started_ms: int,
        exchange: Exchange,
    ) -> dict[str, Any]:
        kid = self.keys.authenticate(self.key_rules.canonical(headers.get("authorization"), self.clock()))
        exchange.stage = Stage.PARSE
        body = exchange.body = await read_body()
        exchange.stage = Stage.VALIDATE
        details = self.validator.validate(body)
        if details:
            raise validation_error(details)
        selection = split_model(body["model"], self.qualified_providers) if self.qualified_providers else None
        reject_unsupported_filters(body, self.words)
        model_id = selection.model if selection else js_trim(body["model"])
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
        preferences = ProviderPreferences.from_body(body)
        if selection is not None:
            check_constraints(selection, body, [offer.provider for offer in model.ocr_offers])
            preferences = replace(preferences, only=(selection.provider,))
        routing = route(model, preferences, self.words)
        exchange.stage = Stage.PROVIDER_ENABLEMENT
        offer = self.catalog.executable_offer(routing.candidates)
        assert offer.upstream_model is not None and offer.usd_per_1000_pages is not None
        exchange.stage = Stage.UPSTREAM
        call = provider_call(self.release, model_id, offer.provider, offer.upstream_model, body, headers)
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
        billing_ms = started_ms if self.release.get("success", "billing_timestamps") else None
        pricing = pricing_breakdown(len(document.pages), offer.usd_per_1000_pages, billing_ms)
        self.keys.charge(kid, pricing["total_nanos"])
        timings = Timings(
            latency_ms=round((upstream_started - started) * 1000),
            generation_ms=round(exchange.upstream_ms),
        )
        success = success_body(generation_id, call, document, pricing, timings, self.release)
        _add_debug_fields(success, body, headers, call, document, routing.diagnostics, self.release)
        return success


def provider_call(release: Release, model_id: str, provider: str, upstream_model: str, body: Mapping[str, Any],
                  headers: Mapping[str, str]) -> OcrCall:
    """The provider call: the request's input, and the body the provider (Mistral) receives
    (2026-08: providers/mistral/endpoints/ocr.ts 58-83)."""
    raw_image = body.get("image")
    image = image_as_sent(raw_image) if isinstance(raw_image, str) and raw_image else None
    document = body.get("document") if image is None else None
    sent_document = document if document is not None else {"type": "image_url", "image_url": image}
    provider_request: dict[str, Any] = {"model": upstream_model, "document": sent_document}
    for name in release.get("request", "provider_fields"):
        if name in body:
            provider_request[name] = body[name]
    forwarded = release.get("request", "echoed_fields")
    return OcrCall(
        gateway_model=model_id,
        provider=provider,
        upstream_model=upstream_model,
        image=image,
        language=body.get("language") if "language" in forwarded else None,
        body=body,
        headers=headers,
        document=document,
        provider_request=provider_request,
        error_body_cap=release.get("upstream", "error_body_cap"),
    )


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
    release: Release | None = None,
) -> dict[str, Any]:
    """The 200 body in the release's shape (2026-08: pipeline/after/payload.ts 98-117, after/index.ts 496-553)."""
    shape = (release or load_release("2026-07")).get("success")
    body: dict[str, Any] = {
        "requestId": generation_id,
        "id": generation_id,
        "object": "ocr",
        "model": call.upstream_model,
        "provider": call.provider,
        "text": document.text,
    }
    if shape["pages"]:
        body["pages"] = [page.to_json(index) for index, page in enumerate(document.pages)]
    if shape["document_annotation"] and document.document_annotation is not None:
        body["document_annotation"] = document.document_annotation
    body["usage"] = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0, "pricing_breakdown": pricing}
    body["nativeResponseId"] = None
    if shape["meta"] == "timings":
        body["meta"] = {
            "throughput_tps": 0,
            "generation_ms": timings.generation_ms,
            "latency_ms": timings.latency_ms,
            "end_to_end_ms": timings.latency_ms + timings.generation_ms,
        }
    else:
        body["meta"] = dict.fromkeys(shape["meta_null_keys"])
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
    release: Release,
) -> None:
    debug: Mapping[str, Any] = body.get("debug") or {}
    return_request = _flag(debug, "return_upstream_request", "returnUpstreamRequest")
    if return_request is None:
        return_request = body.get("echo_upstream_request") is True
    if return_request:
        success["upstream_request"] = orjson.dumps(_echo(call, release)).decode()
    if _flag(debug, "return_upstream_response", "returnUpstreamResponse"):
        success["upstream_response"] = _upstream_response(call, document, release)
    if debug.get("enabled") is True or release.debug_requested(headers):
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


def _echo(call: OcrCall, release: Release) -> dict[str, Any]:
    """``upstream_request``: the model slug, then the forwarded fields the body has, in the release's order
    (2026-08: adapter-bridge.ts 331-350, 657-665; explicit nulls kept)."""
    sent: dict[str, Any] = {"model": call.upstream_model}
    as_sent = release.get("request", "echo_image") == "as_sent"
    for name in release.get("request", "echoed_fields"):
        if name == "image" and as_sent:
            sent["image"] = call.image
        elif name == "language":
            if call.language is not None:
                sent["language"] = call.language
        elif name in call.body:
            sent[name] = call.body[name]
    return sent


def _upstream_response(call: OcrCall, document: UpstreamDocument, release: Release) -> dict[str, Any]:
    pages = len(document.pages)
    size = decoded_size(call.image) if call.image is not None else None  # the provider reports the size
    shape = release.get("success")
    return {
        "text": document.text,
        "model": call.upstream_model,
        **({"pages": [page.to_json(i) for i, page in enumerate(document.pages)]} if shape["pages"] else {}),
        **({"document_annotation": document.document_annotation}
           if shape["document_annotation"] and document.document_annotation is not None else {}),
        "usage": {
            "requests": 1,
            "input_pages": pages,
            "pages_processed": pages,
            "doc_size_bytes": size,
        },
        "rawResponse": {
            "pages": [page.to_json(index) for index, page in enumerate(document.pages)],
            "model": call.upstream_model,
            "document_annotation": document.document_annotation,
            "usage_info": {"pages_processed": pages, "doc_size_bytes": size},
        },
    }
