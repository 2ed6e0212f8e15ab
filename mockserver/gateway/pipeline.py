"""The OCR pipeline: the gateway's checks in the gateway's order, then the success body.

The order (pipeline/before/index.ts L150-626, bff496d80): 1 auth, 2 body, 3 schema, 4 blank model,
5 testing mode, 6 the context (a preset model, key limits, the model, the wallet), 7 the routing
filters not yet supported, 8 the caller's provider filters, 9 provider enabled and priced, then the
execute stage: 10 the routing gates (region, zero data retention, max price), 11 the provider call,
12 the success body. The first failure wins; every failure is a ``GatewayError``, rendered with the
release's error table. From 2026-08 a provider-qualified model's syntax and provider are checked after the
schema, its conflicts and availability after the unsupported routing filters. What differs between releases
is read from the ``Release`` (data), not branched on its name.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from mockserver.gateway.auth import KeyRules
from mockserver.gateway.behaviour import behaviour, first_present, return_flag
from mockserver.gateway.catalog import Catalog
from mockserver.gateway.debug import error_debug
from mockserver.gateway.errors import ErrorTable, GatewayError, validation_error
from mockserver.gateway.exchange import Exchange, Stage
from mockserver.gateway.ids import new_generation_id
from mockserver.gateway.images import decoded_size, image_of
from mockserver.gateway.pricing import pricing_breakdown
from mockserver.gateway.qualified import check_constraints, split_model
from mockserver.gateway.release import Release, load_release
from mockserver.gateway.routing import (
    DefaultRoutes,
    ProviderPreferences,
    RoutingHints,
    RoutingWords,
    no_candidates,
    reject_unsupported_filters,
)
from mockserver.gateway.upstream import DefaultUpstream, OcrCall, Upstream, UpstreamDocument
from mockserver.gateway.validation import BodyValidator, js_trim
from mockserver.state.keys import Keyring
from mockserver.state.stores import StoreUnavailable

# The debug fields a success can carry, each asked for on its own (the outcome catalogue counts each).
ROUTING, ROUTING_DIAGNOSTICS, UPSTREAM_REQUEST, UPSTREAM_RESPONSE = DEBUG_VARIANTS = (
    "meta_routing", "routing_diagnostics", "upstream_request", "upstream_response")

@dataclass(slots=True)
class Answer:
    """What the gateway answers: status, JSON body, extra headers, and what happened on the way (read only; not
    frozen, as upstream.py says why)."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str]
    exchange: Exchange
    elapsed_ms: float


def store_error(exc: StoreUnavailable) -> GatewayError:
    """The mock's state store is down: a 503 in the gateway's envelope, naming the store (no stack trace)."""
    return GatewayError("state_store_unavailable", str(exc))


def debug_header_on(headers: Mapping[str, str], rules: Mapping[str, Any] | None = None) -> bool:
    """Debug output on a success: the first debug header present, as a return flag (before/index.ts L166-169);
    ``rules``: a release's debug switches (default: the base ones)."""
    return return_flag(first_present(headers, (rules or behaviour()["debug"])["success_headers"]))


def testing_mode_requested(headers: Mapping[str, str], body: Mapping[str, Any],
                           rules: Mapping[str, Any] | None = None) -> bool:
    """before/testingMode.ts L9-20: the first present source (header, then raw body key), truthy."""
    rules = rules or behaviour()["testing_mode"]
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
        self.routes = DefaultRoutes(self.words)
        self.qualified_providers = frozenset(self.release.get("request", "qualified_providers") or ())
        self.debug_rules: Mapping[str, Any] = self.release.get("debug")
        self.clock = clock

    async def ocr(self, headers: Mapping[str, str], read_body: Callable[[], Awaitable[Any]]) -> Answer:
        started = time.perf_counter()
        now = self.clock()
        started_ms = int(now.timestamp() * 1000)  # the billing timestamp: the request's start
        generation_id = new_generation_id()
        exchange = Exchange()
        try:
            body = await self._run(headers, read_body, generation_id, now, started_ms, exchange)
            status, extra_headers = 200, {}
        except (GatewayError, StoreUnavailable) as failure:
            error = failure if isinstance(failure, GatewayError) else store_error(failure)
            exchange.error = error
            exchange.close_spans(error=True)
            debug = error_debug(error, headers, exchange, generation_id, self.debug_rules, self.errors)
            body = self.errors.envelope(error, generation_id, debug)
            extra_headers = self.errors.headers(error)
            status = self.errors[error.code].status
        elapsed = (time.perf_counter() - started) * 1000
        return Answer(status, body, extra_headers, exchange, elapsed)

    async def _run(
        self,
        headers: Mapping[str, str],
        read_body: Callable[[], Awaitable[Any]],
        generation_id: str,
        now: datetime,
        started_ms: int,
        exchange: Exchange,
    ) -> dict[str, Any]:
        exchange.span("guardAuth")
        caller = self.keys.authenticate(self.key_rules.canonical(headers.get("authorization"), now))
        exchange.stage = Stage.PARSE
        exchange.span("guardJson")
        body = exchange.body = await read_body()
        exchange.stage = Stage.VALIDATE
        exchange.span("guardZod")
        details = self.validator.validate(body)
        if details:
            raise validation_error(details)
        selection = split_model(body["model"], self.qualified_providers) if self.qualified_providers else None
        exchange.span("guardModel")
        model_id = selection.model if selection else js_trim(body["model"])
        exchange.model = body["model"]
        if not model_id:
            raise GatewayError("model_required")
        exchange.stage = Stage.TESTING_MODE
        exchange.span("resolveTestingMode")
        if testing_mode_requested(headers, body, self.release.get("testing_mode")):
            reason = self.release.get("testing_mode", "reason")
            raise GatewayError("unauthorised", reason, internal={"reason": reason})
        exchange.span("guardContext")
        exchange.stage = Stage.MODEL
        self.catalog.reject_preset(model_id)
        exchange.stage = Stage.KEY_LIMITS
        self.keys.check_limits(caller)
        exchange.stage = Stage.MODEL
        model = self.catalog.ocr_model(model_id)
        exchange.stage = Stage.WALLET
        self.keys.check_wallet(caller)
        exchange.stage = Stage.ROUTING_FILTERS
        reject_unsupported_filters(body, self.words)
        exchange.stage = Stage.PROVIDER_FILTER
        exchange.span("fetchWorkspacePolicy")
        preferences = ProviderPreferences.from_body(body)
        if selection is not None:  # before/index.ts 650-716: the pair pins its provider
            check_constraints(selection, body, [offer.provider for offer in model.ocr_offers])
            preferences = replace(preferences, only=(selection.provider,))
        routed = self.routes.route(model, preferences)
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
        pool, diagnostics = self.routes.decision(model, offer, hints, preferences, routed.workspace_policy,
                                                 capabilities_beta=capabilities_beta)
        exchange.routing_diagnostics = diagnostics
        if not pool:
            raise no_candidates(model, diagnostics)
        exchange.stage = Stage.UPSTREAM
        exchange.span(*behaviour()["server_timing"]["attempt"][:-2])
        call = provider_call(self.release, model.gateway_id, offer.provider, offer.upstream_model, body, headers,
                             diagnostics)
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
        billing_ms = started_ms if self.release.get("success", "billing_timestamps") else None
        pricing = pricing_breakdown(len(document.pages), offer.usd_per_1000_pages, billing_ms)
        self.keys.charge(caller, pricing["total_nanos"])
        success = success_body(generation_id, call, document, pricing, Timings.of(exchange.upstream_ms), self.release)
        exchange.debug_variants = _add_debug_fields(success, body, headers, call, document, hints, diagnostics,
                                                    self.release)
        exchange.close_spans(error=False)
        return success


def provider_call(release: Release, model_id: str, provider: str, upstream_model: str, body: Mapping[str, Any],
                  headers: Mapping[str, str], routing_diagnostics: Mapping[str, Any] | None = None) -> OcrCall:
    """The provider call: the request's input, and the body the provider (Mistral) receives
    (2026-08: providers/mistral/endpoints/ocr.ts 58-83)."""
    image = image_of(body)
    document = body.get("document") if image is None else None
    sent_document = document if document is not None else {"type": "image_url", "image_url": image}
    provider_request: dict[str, Any] = {"model": upstream_model, "document": sent_document}
    for name in release.get("request", "provider_fields") or ():
        if name in body:
            provider_request[name] = body[name]
    forwarded = release.get("request", "echoed_fields") or ()
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
        routing_diagnostics=routing_diagnostics or {},
    )


@dataclass(slots=True)
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
    release: Release | None = None,
) -> dict[str, Any]:
    """The 200 body in the release's shape (2026-08: pipeline/after/payload.ts 98-117, after/index.ts 496-553)."""
    shape = (release or load_release()).get("success")
    body: dict[str, Any] = {
        "requestId": generation_id,
        "id": generation_id,
        "object": "ocr",
        "model": document.model or call.upstream_model,
        "provider": call.provider,
        "text": document.text,
    }
    if shape["pages"]:
        body["pages"] = [page.to_json(index) for index, page in enumerate(document.pages)]
    if shape["document_annotation"] and document.document_annotation is not None:
        body["document_annotation"] = document.document_annotation
    body["usage"] = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0, "pricing_breakdown": pricing}
    body["nativeResponseId"] = None
    body["meta"] = timings.meta() if shape["meta"] == "timings" else dict.fromkeys(shape["meta_null_keys"])
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
    release: Release,
) -> tuple[str, ...]:
    """The optional parts of the success body, in the gateway's key order (after/payload.ts L98-119,
    L537-546, L789-799, L920-927; after/index.ts L250-298, L499-517); returns which (``DEBUG_VARIANTS``)."""
    debug: Mapping[str, Any] = body.get("debug") or {}
    debug_on = debug_header_on(headers, release.get("debug")) or return_flag(debug.get("enabled"))
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
        success["upstream_request"] = orjson.dumps(_echo(call, release)).decode()
    if _flag(debug, "return_upstream_response", "returnUpstreamResponse"):
        success["upstream_response"] = _upstream_response(call, document, release)
    if return_request or "upstream_response" in success:  # the cost keys come after these two
        for key in COST_KEYS:
            if key in success:
                success[key] = success.pop(key)
    if debug_on or hints.return_diagnostics:
        success["routing_diagnostics"] = routing_diagnostics
    return debug_fields_of(success)


def debug_fields_of(success: Mapping[str, Any]) -> tuple[str, ...]:
    """The debug fields a success body carries, named as in ``DEBUG_VARIANTS``."""
    if "routing" not in success["meta"] and not any(key in success for key in _DEBUG_KEYS):
        return ()  # most successes: none
    present = {ROUTING: "routing" in success["meta"], ROUTING_DIAGNOSTICS: "routing_diagnostics" in success,
               UPSTREAM_REQUEST: "upstream_request" in success, UPSTREAM_RESPONSE: "upstream_response" in success}
    return tuple(variant for variant in DEBUG_VARIANTS if present[variant])


_DEBUG_KEYS = ("routing_diagnostics", "upstream_request", "upstream_response")


def _echo(call: OcrCall, release: Release) -> dict[str, Any]:
    """``upstream_request``: the model slug, then the forwarded fields the body has, raw, in the release's order
    (2026-08: adapter-bridge.ts 331-350, 657-665; explicit nulls kept)."""
    sent: dict[str, Any] = {"model": call.upstream_model}
    for name in release.get("request", "echoed_fields") or ():
        if name in call.body:
            sent[name] = call.body[name]
    return sent


def _upstream_response(call: OcrCall, document: UpstreamDocument, release: Release) -> dict[str, Any]:
    """mistral/endpoints/ocr.ts L20-48, L89-94: meters only when positive; the provider's model."""
    pages = len(document.pages)
    size = decoded_size(call.image) if call.image is not None else None  # the provider reports the size
    shape = release.get("success")
    usage: dict[str, Any] = {"requests": 1}
    if pages > 0:
        usage["input_pages"] = pages
        usage["pages_processed"] = pages
    if size:
        usage["doc_size_bytes"] = size
    model = document.model or call.upstream_model
    pages_json = [page.to_json(index) for index, page in enumerate(document.pages)]
    return {
        "text": document.text,
        "model": model,
        **({"pages": pages_json} if shape["pages"] else {}),
        **({"document_annotation": document.document_annotation}
           if shape["document_annotation"] and document.document_annotation is not None else {}),
        "usage": usage,
        "rawResponse": {
            "pages": pages_json,
            "model": model,
            "document_annotation": document.document_annotation,
            "usage_info": {"pages_processed": pages, "doc_size_bytes": size},
        },
    }
