"""The model catalog (``data/catalog.yaml``) and the OCR outcome it implies for a model.

The outcome is derived the way the gateway derives it, in the gateway's order: the model must
exist and serve the ``ocr`` endpoint (check 6); after the wallet and the caller's provider filters
(checks 7 and 8), the remaining providers must have an OCR executor and a price (check 9).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from mockserver.gateway.behaviour import behaviour
from mockserver.gateway.errors import GatewayError
from mockserver.resources import data_path, load_yaml

OCR_ENDPOINT = "ocr"


@dataclass(frozen=True)
class ProviderOffer:
    """One provider's listing of a model."""

    provider: str
    endpoints: tuple[str, ...]
    upstream_model: str | None = None
    usd_per_1000_pages: Decimal | None = None
    # what only GET /v1/models shows (production data the mock assumes; mockserver/gateway/models_listing.py)
    listing: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Model:
    gateway_id: str
    offers: tuple[ProviderOffer, ...]
    listing: Mapping[str, Any] = field(default_factory=dict, compare=False)  # as ProviderOffer.listing

    # the offers that serve OCR: worked out once (every request reads them several times)
    ocr_offers: tuple[ProviderOffer, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ocr_offers",
                           tuple(offer for offer in self.offers if OCR_ENDPOINT in offer.endpoints))


@dataclass(frozen=True)
class Catalog:
    models: dict[str, Model]
    ocr_executors: frozenset[str] = field(default_factory=frozenset)

    def resolve(self, requested: str) -> Model | None:
        """The catalog row a requested id names: the gateway id, or ``<provider>/<provider model slug>``
        (the context RPC's ``resolved_model``, supabase/migrations/20260617193000_add_data_policy_to_
        gateway_context.sql; which rows are active is production data: the catalog's rows are taken as is)."""
        model = self.models.get(requested)
        if model is not None:
            return model
        for candidate in self.models.values():
            for offer in candidate.offers:
                if offer.upstream_model is not None and f"{offer.provider}/{offer.upstream_model}" == requested:
                    return candidate
        return None

    @staticmethod
    def reject_preset(requested: str) -> None:
        """A preset (``@...``) is a 500 from the context RPC (``preset_not_found`` raised, caught as
        ``gateway_context_failed``, before/guards.ts L471-481), before the key limits it also returns.
        Workspaces' presets are production data the mock does not have: every preset is unknown."""
        if requested.startswith(behaviour()["preset_prefix"]):
            raise GatewayError(
                "gateway_error", behaviour()["preset_error_description"],
                internal={"reason": behaviour()["preset_error_description"]},
            )

    def ocr_model(self, gateway_id: str) -> Model:
        """The model, if it exists and serves OCR on some provider (check 6). The internal body (debug)
        follows guardContext's err() payload (before/guards.ts L422-437)."""
        model = self.resolve(gateway_id)
        internal = {"reason": None, "error_type": "user", "error_origin": "user", "error_operational_kind": None,
                    "model": gateway_id, "endpoint": OCR_ENDPOINT, "request_id": None, "workspace_id": None}
        if model is None:
            raise GatewayError(
                "unsupported_model_or_endpoint",
                internal=internal,
                error_operational_kind="invalid_model_slug",
                reason="model_not_found_or_inactive",
                provider_candidate_diagnostics=_candidate_diagnostics(0, 0, []),
            )
        if not model.ocr_offers:
            dropped = [offer.provider for offer in model.offers]
            raise GatewayError(
                "unsupported_model_or_endpoint",
                internal=internal,
                error_operational_kind="unsupported_endpoint_for_model",
                reason="unsupported_endpoint_for_model",
                provider_candidate_diagnostics=_candidate_diagnostics(len(model.offers), 0, dropped),
            )
        return model

    def servable_models(self) -> list[str]:
        """The models an OCR request can succeed on (it reaches the provider call)."""
        servable = []
        for gateway_id, model in self.models.items():
            try:
                self.executable_offer(model, list(model.ocr_offers))
            except GatewayError:
                continue
            servable.append(gateway_id)
        return servable

    def executable_offer(self, model: Model, candidates: list[ProviderOffer]) -> ProviderOffer:
        """The first candidate that can run OCR and is priced (check 9; pipeline/before/index.ts
        L512-621: both refusals carry the candidate diagnostics; the pricing one its enablement too)."""
        enabled = [offer for offer in candidates if offer.provider in self.ocr_executors]
        priced = [offer for offer in enabled if offer.usd_per_1000_pages is not None]
        if priced:
            return priced[0]
        candidate_diagnostics = _candidate_diagnostics(len(model.offers), len(model.ocr_offers), [
            offer.provider for offer in model.offers if offer not in model.ocr_offers
        ])
        before = [offer.provider for offer in candidates]
        if not enabled:
            raise GatewayError(
                "unsupported_model_or_endpoint",
                reason="no_enabled_providers",
                provider_candidate_diagnostics=candidate_diagnostics,
                provider_enablement=_enablement(before, [], [(p, "capability_disabled") for p in before]),
            )
        missing = [offer.provider for offer in enabled]
        raise GatewayError(
            "unsupported_model_or_endpoint",
            reason="pricing_not_configured",
            provider_candidate_diagnostics=candidate_diagnostics,
            provider_enablement=_enablement(
                before, [], [(p, "capability_disabled") for p in before if p not in missing]
                + [(p, "pricing_missing") for p in missing],
            ),
            missing_pricing_providers=missing,
        )


def _enablement(before: list[str], after: list[str], dropped: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "capability": OCR_ENDPOINT,
        "providersBefore": before,
        "providersAfter": after,
        "dropped": [{"providerId": provider, "reason": reason} for provider, reason in dropped],
    }


def _candidate_diagnostics(total: int, supporting: int, dropped_endpoint: list[str]) -> dict[str, Any]:
    return {
        "totalProviders": total,
        "supportsEndpointCount": supporting,
        "droppedUnsupportedEndpoint": dropped_endpoint,
        "droppedMissingAdapter": [],
        "candidateCount": supporting,
    }


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog from ``path``, or the bundled one."""
    source = path or data_path("catalog.yaml")
    with source.open(encoding="utf-8") as fh:
        document = load_yaml(fh)
    return catalog_from_document(document, source)


def catalog_from_document(document: Any, source: Path) -> Catalog:
    """A catalog already read (a release's, patched); ``source`` names it in messages."""
    if not isinstance(document, dict) or not isinstance(document.get("models"), dict):
        raise ValueError(f"{source}: expected a mapping with a 'models' mapping")
    models = {}
    for gateway_id, row in document["models"].items():
        providers = (row or {}).get("providers") or {}
        offers = []
        for provider, listing in providers.items():
            price = listing.get("usd_per_1000_pages")
            offers.append(
                ProviderOffer(
                    provider=provider,
                    endpoints=tuple(listing.get("endpoints", ())),
                    upstream_model=listing.get("upstream_model"),
                    usd_per_1000_pages=Decimal(str(price)) if price is not None else None,
                    listing=listing.get("listing") or {},
                )
            )
        shown = (row or {}).get("listing") or {}
        models[gateway_id] = Model(gateway_id=gateway_id, offers=tuple(offers), listing=shown)
    return Catalog(models=models, ocr_executors=frozenset(document.get("ocr_executors", ())))
