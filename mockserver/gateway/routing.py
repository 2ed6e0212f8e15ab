"""Request-level provider routing, as the gateway reads ``provider`` and ``routing``:

- the filters the gateway does not support yet (rejected after the model and wallet checks);
- the caller's ``only``/``ignore`` (provider ids trimmed, lowercased and de-aliased; blank ids kept),
  applied with the workspace policy (``request_provider_filter_no_match``);
- the routing gates that can empty the pool before any provider call (region, zero data retention,
  numeric ``max_price``), and the ``routing_diagnostics`` the gateway reports.

Sources (bff496d80, apps/api/src/): pipeline/requestRouting.ts L13-290, lib/config/providerAliases.ts,
pipeline/before/workspacePolicy.ts L300-600, pipeline/execute/routing.ts L345-404, L685-1040.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from mockserver.gateway.behaviour import behaviour
from mockserver.gateway.catalog import Model, ProviderOffer
from mockserver.gateway.errors import GatewayError, validation_error
from mockserver.gateway.validation import JS_WHITESPACE, js_trim
from mockserver.resources import data_path

# (field, accepted spellings, message): filters that the gateway rejects when set to a non-null value.
UNSUPPORTED_FILTERS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "data_collection",
        ("data_collection", "dataCollection"),
        "Routing by provider data-collection policy is not yet backed by provider metadata in AI Stats Gateway.",
    ),
    (
        "enforce_distillable_text",
        ("enforce_distillable_text", "enforceDistillableText"),
        "Routing by distillable-text policy is not yet backed by provider metadata in AI Stats Gateway.",
    ),
    (
        "quantizations",
        ("quantizations",),
        "Routing by quantization is not yet backed by provider metadata in AI Stats Gateway.",
    ),
)

NO_PROVIDERS_MESSAGE = "Workspace and request provider filters resulted in no available providers"


BASE_GATEWAY_NAME = "AI Stats Gateway"  # in the messages above; a release names its gateway


@dataclass(frozen=True)
class RoutingWords:
    """A release's wording of the routing errors, and its workspace-policy diagnostics: the keys in order and the
    values that differ from the base ones (routing_diagnostics.yaml)."""

    gateway_name: str = BASE_GATEWAY_NAME
    no_providers_message: str = NO_PROVIDERS_MESSAGE
    no_providers_keyword: str = "no_providers_after_workspace_policy_filter"
    workspace_policy_order: tuple[str, ...] = ()
    workspace_policy_values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, routing: dict[str, Any] | None) -> RoutingWords:
        routing = dict(routing or {})
        policy = routing.pop("workspace_policy", None) or {}
        return cls(**routing, workspace_policy_order=tuple(policy.get("order") or ()),
                   workspace_policy_values=dict(policy.get("values") or {}))


@cache
def diagnostics_data() -> dict[str, Any]:
    with data_path("routing_diagnostics.yaml").open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def reject_unsupported_filters(body: Mapping[str, Any], words: RoutingWords | None = None) -> None:
    """400 ``validation_error`` listing every unsupported routing filter in ``provider`` and ``routing``
    (requestRouting.ts L236-290: per source, the first spelling present with a non-null value)."""
    words = words or RoutingWords()
    details = []
    for source in ("provider", "routing"):
        options = body.get(source)
        if not isinstance(options, dict):
            continue
        for field_name, spellings, message in UNSUPPORTED_FILTERS:
            spelling = next((s for s in spellings if options.get(s) is not None), None)
            if spelling is not None:
                details.append(
                    {
                        "message": message.replace(BASE_GATEWAY_NAME, words.gateway_name),
                        "path": [source, spelling],
                        "keyword": "unsupported_routing_filter",
                        "params": {"field": field_name},
                    }
                )
    if details:
        raise validation_error(details)


def provider_id(value: Any) -> str:
    """providerAliases.ts L12-15: ``String(value).trim().toLowerCase()``, then the alias map."""
    text = js_trim(value if isinstance(value, str) else str(value)).lower()
    aliases: dict[str, str] = behaviour()["provider_aliases"]
    return aliases.get(text, text)


def provider_ids(values: Any) -> list[str]:
    """providerAliases.ts L17-20: every value mapped, none dropped (a blank id stays ``""``)."""
    return [provider_id(value) for value in values] if isinstance(values, list) else []


def _plain(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _first_defined(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def _sort_mode(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return next((value[k] for k in ("mode", "metric", "by") if isinstance(value.get(k), str)), None)
    return None


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(js_trim(value).lower())
    return None


_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_RADIX = {"0x": 16, "0o": 8, "0b": 2}


def js_number(text: str) -> float:
    """JavaScript's ``Number(string)``: blank is 0, hex/octal/binary literals, Infinity; else NaN."""
    text = text.strip(JS_WHITESPACE)
    if not text:
        return 0.0
    if text in ("Infinity", "+Infinity", "-Infinity"):
        return math.copysign(math.inf, -1.0 if text.startswith("-") else 1.0)
    base = _RADIX.get(text[:2].lower())
    if base is not None:
        try:
            return float(int(text[2:], base)) if text[2:].isalnum() else math.nan
        except ValueError:
            return math.nan
    return float(text) if _DECIMAL.fullmatch(text) else math.nan


def price_cap(value: Any) -> float | None:
    """routing.ts L345-352 (readPriceCapNumber): a finite number, or a string JavaScript reads as one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        number = js_number(value)
        return number if math.isfinite(number) else None
    return None


@dataclass(frozen=True)
class RoutingHints:
    """getEffectiveRoutingHints (requestRouting.ts L85-194): ``routing`` read before ``provider``."""

    merged: dict[str, Any]
    cache_aware: bool
    requested_mode: str | None
    allow_fallbacks: bool
    require_parameters: bool
    return_diagnostics: bool
    required_execution_region: Any
    required_data_region: Any
    require_zero_data_retention: bool | None
    max_price: dict[str, Any] | None
    preferred_min_throughput: Any
    preferred_max_latency: Any

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> RoutingHints:
        provider, routing = _plain(body.get("provider")), _plain(body.get("routing"))
        if not provider and not routing:  # most requests: no routing options, the defaults (frozen; read only)
            return _no_hints()
        return cls._of(provider, routing)

    @classmethod
    def _of(cls, provider: dict[str, Any], routing: dict[str, Any]) -> RoutingHints:

        def first(*names: str) -> Any:
            return _first_defined(*(routing.get(n) for n in names), *(provider.get(n) for n in names))

        zdr = _boolean(first("require_zero_data_retention", "requireZeroDataRetention"))
        if zdr is None:
            zdr = _boolean(first("zdr"))
        max_price = first("max_price", "maxPrice")
        if isinstance(max_price, dict):  # the schema keeps only its five fields
            max_price = {k: max_price[k] for k in diagnostics_data()["price_cap_meters"] if k in max_price}
        else:
            max_price = None
        keys = diagnostics_data()["cache_aware_keys"]
        flags = [provider.get(k) for k in keys["provider"]] + [routing.get(k) for k in keys["routing"]]
        return cls(
            merged={**provider, **routing},
            cache_aware=next((flag for flag in flags if isinstance(flag, bool)), True),
            requested_mode=_first_defined(
                routing.get("mode") if isinstance(routing.get("mode"), str) else None,
                _sort_mode(routing.get("sort")),
                _sort_mode(provider.get("sort")),
            ),
            allow_fallbacks=_bool_or(first("allow_fallbacks", "allowFallbacks"), True),
            require_parameters=_bool_or(first("require_parameters", "requireParameters"), False),
            return_diagnostics=_bool_or(first("diagnostics", "return_diagnostics", "returnDiagnostics"), False),
            required_execution_region=first("required_execution_region", "requiredExecutionRegion"),
            required_data_region=first("required_data_region", "requiredDataRegion"),
            require_zero_data_retention=zdr,
            max_price=max_price,
            preferred_min_throughput=first("preferred_min_throughput", "preferredMinThroughput"),
            preferred_max_latency=first("preferred_max_latency", "preferredMaxLatency"),
        )


@functools.cache
def _no_hints() -> RoutingHints:
    return RoutingHints._of({}, {})


def _bool_or(value: Any, default: bool) -> bool:
    flag = _boolean(value)
    return default if flag is None else flag


@dataclass(frozen=True)
class ProviderPreferences:
    """The caller's ``only``/``ignore``/``order``, ``routing`` merged over ``provider``, as canonical ids."""

    only: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    order: tuple[str, ...] = ()

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> ProviderPreferences:
        if body.get("provider") is None and body.get("routing") is None:  # most requests: the one default value
            return NO_PREFERENCES
        merged = {**_plain(body.get("provider")), **_plain(body.get("routing"))}
        return cls(
            only=tuple(provider_ids(merged.get("only"))),
            ignore=tuple(provider_ids(merged.get("ignore"))),
            order=tuple(provider_ids(merged.get("order"))),
        )


NO_PREFERENCES = ProviderPreferences()


def workspace_policy(model: Model, preferences: ProviderPreferences, after: int,
                     words: RoutingWords | None = None) -> dict[str, Any]:
    """workspacePolicy.ts L513-533: the diagnostics object (no workspace policy, default team settings); a
    release may name other keys, in its order, and other values."""
    data = diagnostics_data()["workspace_policy"]
    policy = _base_workspace_policy(model, preferences, after, data)
    if words is None or not (words.workspace_policy_order or words.workspace_policy_values):
        return policy
    merged = {**policy, **words.workspace_policy_values}
    return {key: merged[key] for key in words.workspace_policy_order or merged}


def _base_workspace_policy(model: Model, preferences: ProviderPreferences, after: int,
                           data: dict[str, Any]) -> dict[str, Any]:
    return {
        "resolvedModel": model.gateway_id,
        **{k: data[k] for k in ("allowedApiModels", "providerAllowlist", "providerAllowlistConfigured",
                                "providerBlocklist")},
        "requestProviderOnly": list(preferences.only),
        "requestProviderIgnore": list(preferences.ignore),
        **{k: v for k, v in data.items() if k.startswith("privacy") or k in ("droppedByPrivacy", "activeGuardrailIds")},
        "beforeCount": len(model.ocr_offers),
        "afterCount": after,
    }


@dataclass(frozen=True)
class RoutingResult:
    candidates: list[ProviderOffer]
    workspace_policy: dict[str, Any]


def route(model: Model, preferences: ProviderPreferences, words: RoutingWords | None = None) -> RoutingResult:
    """The model's OCR providers after the caller's filters (workspacePolicy.ts L560-600)."""
    words = words or RoutingWords()
    after = [
        offer
        for offer in model.ocr_offers
        if (not preferences.only or offer.provider in preferences.only) and offer.provider not in preferences.ignore
    ]
    policy = workspace_policy(model, preferences, len(after), words)
    if not after:
        raise validation_error(
            [
                {
                    "message": words.no_providers_message,
                    "path": ["provider"],
                    "keyword": words.no_providers_keyword,
                    "params": policy,
                }
            ],
            description=words.no_providers_message,
            error_operational_kind="request_provider_filter_no_match",
            routing_diagnostics={"workspacePolicy": policy},
        )
    rank = {provider: index for index, provider in enumerate(preferences.order)}
    after.sort(key=lambda offer: rank.get(offer.provider, len(rank)))
    return RoutingResult(candidates=after, workspace_policy=policy)


def _residency_drop(provider: str, hints: RoutingHints) -> str | None:
    """providerResidency.ts L172-202: why the provider fails the caller's residency requirement."""
    data = diagnostics_data()["residency"]
    meta = data["providers"].get(provider, {})

    def lacks(regions: list[str] | None, required: Any) -> bool:
        if not required:  # JavaScript falsiness: null and "" pass
            return False
        wanted = js_trim(str(required)).lower()
        return bool(wanted) and not any(region.lower() == wanted for region in regions or [])

    if lacks(meta.get("execution_regions"), hints.required_execution_region):
        return "execution_region_mismatch"
    if lacks(meta.get("data_regions"), hints.required_data_region):
        return "data_region_mismatch"
    if hints.require_zero_data_retention and meta.get("zero_data_retention", "unknown") not in data["zdr_values_ok"]:
        return "zero_data_retention_unsupported"
    return None


def _matches_price_caps(max_price: dict[str, Any]) -> bool:
    """routing.ts L377-404: a numeric cap on a field none of whose meters the OCR price card has fails."""
    data = diagnostics_data()
    card = set(data["ocr_price_meters"])
    for field_name, raw in max_price.items():
        if price_cap(raw) is None:
            continue
        if not card.intersection(data["price_cap_meters"].get(field_name, [])):
            return False
    return True


def routing_decision(
    model: Model,
    candidates: list[ProviderOffer],
    hints: RoutingHints,
    preferences: ProviderPreferences,
    policy: dict[str, Any],
    *,
    capabilities_beta: bool = False,
) -> tuple[list[ProviderOffer], dict[str, Any]]:
    """routeProviders (routing.ts L685-1040): the pool after each gate, and the routing diagnostics."""
    data = diagnostics_data()
    stages: list[dict[str, Any]] = []

    def stage(name: str, before: list[ProviderOffer], after: list[ProviderOffer], reason: Any) -> None:
        kept = {offer.provider for offer in after}
        stages.append({
            "stage": name,
            "beforeCount": len(before),
            "afterCount": len(after),
            "droppedProviders": [
                {"providerId": o.provider, "apiModelId": model.gateway_id, "providerModelSlug": o.upstream_model,
                 "reason": reason(o)}
                for o in before if o.provider not in kept
            ],
        })

    pool = list(candidates)
    if preferences.only:
        before, pool = pool, [o for o in pool if o.provider in preferences.only]
        stage("hints.only", before, pool, lambda o: "not_in_provider.only")
    if preferences.ignore:
        before, pool = pool, [o for o in pool if o.provider not in preferences.ignore]
        stage("hints.ignore", before, pool, lambda o: "listed_in_provider.ignore")
    if not pool:
        pool = list(candidates)
    for gate in data["passing_gates"]:
        stage(gate, pool, pool, lambda o: None)
    before, pool = pool, [o for o in pool if _residency_drop(o.provider, hints) is None]
    stage("residency_gate", before, pool, lambda o: _residency_drop(o.provider, hints))
    if hints.max_price is not None:
        caps = hints.max_price
        before, pool = pool, [o for o in pool if _matches_price_caps(caps)]
        stage("pricing_cap_gate", before, pool, lambda o: "exceeds_max_price")
    mode = data["routing_modes"].get((hints.requested_mode or "").lower(), data["default_routing_mode"])
    diagnostics = {
        "workspacePolicy": policy,
        "model": model.gateway_id,
        "endpoint": "ocr",
        "priority": data["priority"],
        "routingMode": mode,
        "requestedRouting": {
            "requestedMode": hints.requested_mode,
            "allowFallbacks": hints.allow_fallbacks,
            "requireParameters": hints.require_parameters,
            "returnDiagnostics": hints.return_diagnostics,
            "requiredExecutionRegion": hints.required_execution_region,
            "requiredDataRegion": hints.required_data_region,
            "requireZeroDataRetention": hints.require_zero_data_retention,
            "maxPrice": hints.max_price,
            "preferredMinThroughput": hints.preferred_min_throughput,
            "preferredMaxLatency": hints.preferred_max_latency,
        },
        **data["channels"],
        "includeAlpha": False,
        "includeAlphaHint": _js_truthy(_first_defined(hints.merged.get("include_alpha"),
                                                       hints.merged.get("includeAlpha"))),
        "betaChannelEnabled": False,
        "alphaChannelEnabled": False,
        "providerCapabilitiesBeta": capabilities_beta,
        "stickyRouting": {**data["sticky_routing"], "enabled": hints.cache_aware},
        "filterStages": stages,
        "consideredProviders": [
            {"providerId": o.provider, "apiModelId": model.gateway_id, "providerModelSlug": o.upstream_model,
             **data["considered"]}
            for o in candidates
        ],
        "rankedProviders": [
            {"providerId": o.provider, "apiModelId": model.gateway_id, "providerModelSlug": o.upstream_model,
             **data["ranked"]}
            for o in pool
        ],
        "finalCandidateCount": len(pool),
    }
    return pool, diagnostics


Decision = tuple[list[ProviderOffer], dict[str, Any]]
KEPT_ROUTES = 1024


class DefaultRoutes:
    """``route`` and ``routing_decision`` for a request with no routing options (most requests: no ``provider``,
    no ``routing``), worked out once per model and offer; other requests are routed afresh. Both are pure
    functions of their arguments; what is kept is shared between requests, and read only."""

    def __init__(self, words: RoutingWords) -> None:
        self.words = words
        # keyed by identity, holding the key objects (an id is not reused while they live)
        self._routes: dict[int, tuple[Model, RoutingResult]] = {}
        self._decisions: dict[tuple[int, int, bool], tuple[Model, ProviderOffer, Decision]] = {}

    def route(self, model: Model, preferences: ProviderPreferences) -> RoutingResult:
        if preferences is not NO_PREFERENCES:
            return route(model, preferences, self.words)
        known = self._routes.get(id(model))
        if known is None or known[0] is not model:
            if len(self._routes) >= KEPT_ROUTES:
                self._routes.clear()
            known = self._routes[id(model)] = (model, route(model, preferences, self.words))
        return known[1]

    def decision(self, model: Model, offer: ProviderOffer, hints: RoutingHints, preferences: ProviderPreferences,
                 policy: dict[str, Any], *, capabilities_beta: bool) -> Decision:
        if hints is not _no_hints() or preferences is not NO_PREFERENCES:
            return routing_decision(model, [offer], hints, preferences, policy, capabilities_beta=capabilities_beta)
        key = (id(model), id(offer), capabilities_beta)
        known = self._decisions.get(key)
        if known is None or known[0] is not model or known[1] is not offer:
            if len(self._decisions) >= KEPT_ROUTES:  # models of catalogs since reloaded: start again
                self._decisions.clear()
            decided = routing_decision(model, [offer], hints, preferences, policy, capabilities_beta=capabilities_beta)
            known = self._decisions[key] = (model, offer, decided)
        return known[2]


def _js_truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return value != 0 and not math.isnan(value)
    if isinstance(value, str):
        return value != ""
    return True


def no_candidates(model: Model, diagnostics: dict[str, Any]) -> GatewayError:
    """execute/guards.ts L287-352: every candidate was dropped before any attempt -> 502, no attempt."""
    return GatewayError(
        "upstream_error",
        f'Provider "unknown" failed for endpoint "ocr" on model "{model.gateway_id}". '
        "No per-attempt diagnostics were captured.",
        reason="all_candidates_failed",
        routing_diagnostics=diagnostics,
    )


def default_routing_diagnostics(model: Model, offer: ProviderOffer) -> dict[str, Any]:
    """The routing diagnostics of a request with no routing options that reaches ``offer``."""
    preferences = NO_PREFERENCES
    policy = workspace_policy(model, preferences, len(model.ocr_offers))
    return routing_decision(model, [offer], RoutingHints.from_body({}), preferences, policy)[1]
