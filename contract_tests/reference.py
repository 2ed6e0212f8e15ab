"""The contract the suite checks against, loaded once.

The mock's data files already state most of it, so they are read through the mock's own loaders: the
error table (``mockserver/data/errors.yaml``), the catalog (``mockserver/data/catalog.yaml``), the CORS
headers and the routing messages. ``data/contract.yaml`` adds what those files do not say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mockserver.gateway.catalog import Catalog, Model, ProviderOffer, catalog_from_document
from mockserver.gateway.errors import ErrorKind, ErrorTable
from mockserver.gateway.ids import GENERATION_ID
from mockserver.gateway.release import Release, load_release, merge_patch, release_name
from mockserver.gateway.routing import NO_PROVIDERS_MESSAGE, UNSUPPORTED_FILTERS
from mockserver.gateway.spec import LoadedSpec, release_spec
from mockserver.web.http import CORS_HEADERS, NOT_FOUND_BODY, NOT_FOUND_TYPE

DATA = Path(__file__).resolve().parent / "data"

__all__ = [
    "CORS_HEADERS",
    "GENERATION_ID",
    "NOT_FOUND_BODY",
    "NOT_FOUND_TYPE",
    "NO_PROVIDERS_MESSAGE",
    "UNSUPPORTED_FILTERS",
    "Contract",
    "contract",
]


@dataclass(frozen=True)
class Contract:
    errors: dict[str, ErrorKind]
    catalog: Catalog
    spec: LoadedSpec
    facts: dict[str, Any]
    release: Release

    def description_pattern(self, code: str) -> re.Pattern[str] | None:
        pattern = self.facts["description_patterns"].get(code)
        return re.compile(pattern) if pattern else None

    def allowed_envelope_keys(self, code: str) -> frozenset[str]:
        extra = self.facts["extra_envelope_keys"].get(code, [])
        return frozenset([*self.facts["envelope_keys"], *extra, "debug"])

    def forbidden_header(self, name: str) -> bool:
        return any(re.search(pattern, name.lower()) for pattern in self.facts["forbidden_header_patterns"])

    def model(self, gateway_id: str) -> Model | None:
        return self.catalog.models.get(gateway_id)

    def priced_offer(self, gateway_id: str) -> ProviderOffer | None:
        """The offer a successful OCR request to ``gateway_id`` runs on, if the catalog has one."""
        model = self.model(gateway_id)
        if model is None:
            return None
        for offer in model.ocr_offers:
            if offer.provider in self.catalog.ocr_executors and offer.usd_per_1000_pages is not None:
                return offer
        return None


_SELECTED: list[str | None] = [None]


def use_release(name: str | None) -> str:
    """Judge by this gateway release from now on (None: OCR_MOCK_GATEWAY_RELEASE, else the newest); its name."""
    selected = release_name(name)
    _SELECTED[0] = selected
    return selected


def contract() -> Contract:
    """The contract of the selected release (``use_release``)."""
    return _contract(release_name(_SELECTED[0]))


@cache
def _contract(name: str) -> Contract:
    with (DATA / "contract.yaml").open(encoding="utf-8") as fh:
        facts = yaml.safe_load(fh)
    patch = DATA / f"contract.{name}.patch.yaml"  # what the contract says differently at this release
    if patch.is_file():
        facts = merge_patch(facts, yaml.safe_load(patch.read_text(encoding="utf-8")))
    release = load_release(name)
    return Contract(errors=ErrorTable(release.errors).kinds, catalog=catalog_from_document(release.catalog,
                    release.folder), spec=release_spec(name), facts=facts, release=release)
