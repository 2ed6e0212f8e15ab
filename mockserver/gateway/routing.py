"""Request-level provider routing: ``provider`` merged with ``routing``, the filters the gateway does
not support yet, and the caller's ``only``/``ignore``/``order`` applied to the model's providers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.gateway.catalog import Model, ProviderOffer
from mockserver.gateway.errors import validation_error
from mockserver.gateway.validation import js_trim

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
    """A release's wording of the routing errors and its extra workspace-policy diagnostics."""

    gateway_name: str = BASE_GATEWAY_NAME
    no_providers_message: str = NO_PROVIDERS_MESSAGE
    no_providers_keyword: str = "no_providers_after_workspace_policy_filter"
    workspace_policy_extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, routing: dict[str, Any]) -> RoutingWords:
        return cls(**routing)


def reject_unsupported_filters(body: dict[str, Any], words: RoutingWords | None = None) -> None:
    """400 ``validation_error`` listing every unsupported routing filter in ``provider`` and ``routing``."""
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


@dataclass(frozen=True)
class ProviderPreferences:
    """The caller's provider choices, ``routing`` merged over ``provider``; ids trimmed and lowercased."""

    only: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    order: tuple[str, ...] = ()

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> ProviderPreferences:
        merged = {**(body.get("provider") or {}), **(body.get("routing") or {})}
        return cls(
            only=_ids(merged.get("only") or []) or None,
            ignore=_ids(merged.get("ignore") or []),
            order=_ids(merged.get("order") or []),
        )


def _ids(values: list[str]) -> tuple[str, ...]:
    return tuple(js_trim(value).lower() for value in values if js_trim(value))


@dataclass(frozen=True)
class RoutingResult:
    candidates: list[ProviderOffer]
    diagnostics: dict[str, Any]


def route(model: Model, preferences: ProviderPreferences, words: RoutingWords | None = None) -> RoutingResult:
    """The model's OCR providers after the caller's filters (check 8); ``order`` only reorders."""
    words = words or RoutingWords()
    before = list(model.ocr_offers)
    after = [
        offer
        for offer in before
        if (preferences.only is None or offer.provider in preferences.only) and offer.provider not in preferences.ignore
    ]
    rank = {provider: index for index, provider in enumerate(preferences.order)}
    after.sort(key=lambda offer: rank.get(offer.provider, len(rank)))
    diagnostics = {
        "workspacePolicy": {
            "resolvedModel": model.gateway_id,
            "requestProviderOnly": list(preferences.only) if preferences.only is not None else None,
            "requestProviderIgnore": list(preferences.ignore),
            "requestProviderOrder": list(preferences.order),
            "beforeCount": len(before),
            "afterCount": len(after),
            "beforeProviders": [offer.provider for offer in before],
            "afterProviders": [offer.provider for offer in after],
            **words.workspace_policy_extra,
        }
    }
    if not after:
        raise validation_error(
            [
                {
                    "message": words.no_providers_message,
                    "path": ["provider"],
                    "keyword": words.no_providers_keyword,
                    "params": {},
                }
            ],
            description=words.no_providers_message,
            error_operational_kind="request_provider_filter_no_match",
            routing_diagnostics=diagnostics,
        )
    return RoutingResult(candidates=after, diagnostics=diagnostics)
