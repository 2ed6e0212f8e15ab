"""``GET /v1/models``: the model listing of the 2026-08 gateway, built from the mock's catalog.

Sources at 01ac8aca0, under apps/api/src/routes/v1/control/: models.ts (the handler 531-706, an item 474-528, the
query parsing 34-128, the texts 154-223) and models.catalogue.ts (fetchCatalogue 1068-1795). The gateway builds the
list from its production database; the mock builds it from its catalog (data/catalog.yaml with the release's
patches), where a model's and a provider's ``listing`` hold what the database would (the mock's assumption, see
releases/2026-08/catalog.patch.yaml). What neither holds is fixed: provider, route and capability statuses are
"active"; there is no free router (``phaseo/free``: its pool is production data, and the source leaves it out when
the pool is empty, models.ts 386-388); no price is in a listed meter (the OCR meter, input_pages, is not one), so
every meter is null. The route's rules and texts are the release's ``models_listing`` switches.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from mockserver.gateway.catalog import Model, ProviderOffer
from mockserver.gateway.errors import GatewayError
from mockserver.gateway.ids import new_generation_id
from mockserver.gateway.jsvalues import string_to_number
from mockserver.gateway.pipeline import Gateway
from mockserver.gateway.validation import js_trim

ACTIVE = "active"
# Query parameter -> the provider entry's field it filters on (models.ts 589-609; models.catalogue.ts 1525-1589).
ENTRY_FILTERS = {
    "provider": "provider",
    "provider_status": "provider_status",
    "provider_routing_status": "provider_routing_status",
    "model_routing_status": "model_routing_status",
    "capability_status": "capability_status",
    "provider_availability_status": "availability_status",
    "provider_availability_reason": "availability_reason",
}
_SEPARATORS = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class ListingAnswer:
    status: int
    body: dict[str, Any] | None  # None: a feed format, which the mock does not build (its 404)
    headers: dict[str, str]


class Query:
    """The query string as URLSearchParams reads it."""

    def __init__(self, query_string: bytes) -> None:
        self.pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)

    def first(self, name: str) -> str | None:
        return next((value for key, value in self.pairs if key == name), None)

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.pairs)

    def values(self, *names: str) -> list[str]:
        """Every value of the parameters, each split into a list (models.ts 58-91)."""
        return [item for name in names for key, value in self.pairs if key == name for item in _string_list(value)]


def _string_list(value: str) -> list[str]:
    """A Postgres array literal ``{a,"b"}`` or a comma/space separated list (models.ts 58-81)."""
    trimmed = js_trim(value)
    if trimmed.startswith("{") and trimmed.endswith("}"):
        parts = [re.sub(r'^"|"$', "", js_trim(part)) for part in trimmed[1:-1].split(",")]
        return [part for part in parts if part]
    return [part for part in _SEPARATORS.split(trimmed) if part]


def _limit(raw: str | None, fallback: int, maximum: int) -> int:
    """models.ts 41-49."""
    number = string_to_number(raw) if raw else math.nan
    if not math.isfinite(number) or math.floor(number) <= 0:
        return fallback
    return min(math.floor(number), maximum)


def _offset(raw: str | None) -> int:
    """models.ts 51-56."""
    number = string_to_number(raw) if raw else math.nan
    return math.floor(number) if math.isfinite(number) and number >= 0 else 0


def _instant(value: Any) -> float | None:
    """``Date.parse`` of an ISO date in seconds (the runtime's zone is UTC); None when it does not parse."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _passed(value: Any, now: float) -> bool:
    instant = _instant(value)
    return instant is not None and instant <= now


def _lifecycle_status(listing: Mapping[str, Any], now: float) -> str | None:
    """models.ts 134-152."""
    status = str(listing.get("status") or "").strip().lower()
    if _passed(listing.get("retired_at"), now) or status == "retired":
        return "retired"
    if _passed(listing.get("deprecated_at"), now) or status == "deprecated":
        return "deprecated"
    return ACTIVE if status else None


def _status_matches(requested: str, listing: Mapping[str, Any], now: float) -> bool:
    """models.catalogue.ts 637-663."""
    if _passed(listing.get("retired_at"), now):
        return requested == "retired"
    if _passed(listing.get("deprecated_at"), now):
        return requested == "deprecated"
    status = str(listing.get("status") or "").strip().lower()
    if requested == ACTIVE:
        return not status or status in (ACTIVE, "available")
    return status == requested


def _availability(offer: ProviderOffer, now: float) -> tuple[str, str]:
    """(status, reason) of a route whose statuses are all active (models.catalogue.ts 738-913)."""
    start, end = _instant(offer.listing.get("effective_from")), _instant(offer.listing.get("effective_to"))
    if end is not None and now >= end:
        return "inactive", "retired"
    future = start is not None and now < start
    if future:
        return "coming_soon", "scheduled"
    if not offer.listing.get("routable", True):
        return "inactive", "inactive"
    return ACTIVE, ACTIVE


def _param_details(params: Iterable[str], provider: str | None = None) -> dict[str, dict[str, Any]]:
    """A route's parameter list as details (models.catalogue.ts 403-418, 517-546); with ``provider``, as the model's
    merged details name it (493-500)."""
    return {name: {"supported": True, **({"providers": [provider]} if provider else {})} for name in params}


def _merge_details(items: Iterable[Mapping[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """models.catalogue.ts 461-491: later keys win; the provider lists are joined and sorted."""
    merged: dict[str, dict[str, Any]] = {}
    for details in items:
        for name, detail in details.items():
            current = merged.get(name)
            if current is None:
                merged[name] = dict(detail)
                continue
            providers = sorted({*current.get("providers", ()), *detail.get("providers", ())})
            merged[name] = {**current, **detail, **({"providers": providers} if providers else {})}
    return merged


class ModelsListing:
    """The route, with a release's ``models_listing`` switches."""

    def __init__(self, rules: Mapping[str, Any]) -> None:
        self.rules = rules
        self.texts: Mapping[str, str] = rules["texts"]

    def answer(self, query_string: bytes, authorization: str | None, gateway: Gateway) -> ListingAnswer:
        """models.ts 531-706, in its order: privacy_scope, limit and offset (before the key), the key, the format,
        the availability mode, then the list."""
        query = Query(query_string)
        refusals = self.rules["refusals"]
        if query.has("privacy_scope") or query.has("privacy"):
            return self._refuse(refusals["privacy_scope"])
        limit = _limit(query.first("limit"), int(self.rules["default_limit"]), int(self.rules["max_limit"]))
        offset = _offset(query.first("offset"))
        if offset > int(self.rules["max_offset"]):
            return self._refuse(refusals["offset"])
        try:
            self.authenticate(authorization, gateway)
        except GatewayError as error:  # guardAuth's own err() body (before/guards.ts 298-306, before/http.ts)
            status = gateway.errors[error.code].status
            return ListingAnswer(status, gateway.errors.internal_body(error, new_generation_id(), None), {})
        raw_format = query.first("format")
        raw_format = query.first("feed") if raw_format is None else raw_format
        format_name = js_trim(raw_format).lower() if raw_format else "json"
        if format_name != "json" and format_name not in self.rules["feed_formats"]:
            return self._refuse({**refusals["format"], "provided": raw_format})
        raw_mode = query.first("availability")
        mode = js_trim(raw_mode).lower() if raw_mode else ACTIVE
        if mode not in (ACTIVE, "all"):
            return self._refuse(refusals["availability"])
        if format_name != "json":
            return ListingAnswer(404, None, {})
        now = gateway.clock().timestamp()
        listed = sorted(
            (row for model in gateway.catalog.models.values() if (row := self._row(model, query, mode == "all", now))),
            key=_release_order,
        )
        replacements: dict[str, str] = {}
        variants: dict[str, dict[str, Any]] = {}
        for row in listed:
            if row["previous"]:
                replacements.setdefault(row["previous"], row["id"])
            variants.setdefault(row["base_model_id"], {})[row["variant"]] = {"model_id": row["id"], "name": row["name"]}
        wanted = query.values("model_id") + query.values("id")
        models = [
            self._item(row, replacements.get(row["id"]), variants[row["base_model_id"]], now)
            for row in listed
            if not wanted or row["id"] in wanted
        ]
        body = {"ok": True, "availability_mode": mode, "limit": limit, "offset": offset, "total": len(models),
                "models": models[offset : offset + limit]}
        return ListingAnswer(200, body, {"Cache-Control": str(self.rules["cache_control"])})

    @staticmethod
    def authenticate(authorization: str | None, gateway: Gateway) -> None:
        """The key check of POST /v1/ocr, except that a gateway OAuth token takes the OAuth path
        (``allowOAuthJwt: true``, models.ts 559; before/auth.ts 377-385) instead of the release's refusal."""
        rules = replace(gateway.key_rules, oauth_jwt_reason=None)
        gateway.keys.authenticate(rules.canonical(authorization, gateway.clock()))

    @staticmethod
    def _refuse(body: Mapping[str, Any]) -> ListingAnswer:
        return ListingAnswer(400, dict(body), {})

    def _row(self, model: Model, query: Query, every: bool, now: float) -> dict[str, Any] | None:
        """One catalogue row, or None when the filters drop it (models.catalogue.ts 1446-1792)."""
        info = model.listing
        statuses = {value.lower() for value in query.values("status")}
        if statuses and not any(_status_matches(status, info, now) for status in statuses):
            return None
        organisation = info.get("organisation") or {}
        organisations = set(query.values("organisation"))
        if organisations and organisation.get("id") not in organisations:
            return None
        entries = [entry for entry in self._entries(model, every, now) if self._kept(entry, query)]
        if not entries:
            return None
        inputs, outputs = list(info.get("input_modalities") or []), list(info.get("output_modalities") or [])
        for names, types in ((("input_types", "input_modalities"), inputs), (("output_types", "output_modalities"),
                                                                           outputs)):
            wanted = {value.lower() for value in query.values(*names)}
            if wanted and not wanted & {kind.lower() for kind in types}:
                return None
        entries.sort(key=lambda entry: (str(entry["name"] or entry["provider"]).lower(), entry["endpoints"][0],
                                        entry["model"] or ""))
        offers = self._offers(entries)
        counts = {status: sum(offer["availability_status"] == status for offer in offers)
                  for status in (ACTIVE, "coming_soon", "inactive")}
        name = str(info.get("name") or "").strip()
        return {
            "id": model.gateway_id,
            "base_model_id": info.get("base_model") or model.gateway_id,
            "variant": info.get("variant") or "standard",
            "previous": info.get("previous_model"),
            "raw_name": info.get("name"),
            "name": name or model.gateway_id,
            "info": info,
            "organisation": organisation,
            "inputs": inputs,
            "outputs": outputs,
            "endpoints": sorted({endpoint for entry in entries for endpoint in entry["endpoints"]}),
            "parameters": sorted({param for entry in entries for param in entry["params"]}),
            "parameter_details": _merge_details(_param_details(entry["declared"], entry["provider"])
                                                for entry in entries),
            "availability": {
                "status": next((status for status, count in counts.items() if count), "not_listed"),
                "provider_count": len(offers),
                "active_provider_count": counts[ACTIVE],
                "coming_soon_provider_count": counts["coming_soon"],
                "inactive_provider_count": counts["inactive"],
            },
            "offers": offers,
        }

    @staticmethod
    def _entries(model: Model, every: bool, now: float) -> list[dict[str, Any]]:
        """One entry per provider and endpoint (models.catalogue.ts 1250-1258, 1465-1523): routes outside their
        effective window and routes that are not active are left out unless ``?availability=all``."""
        entries = []
        for offer in model.offers:
            status, reason = _availability(offer, now)
            start, end = offer.listing.get("effective_from"), offer.listing.get("effective_to")
            if not every and status != ACTIVE:
                continue
            declared = list(offer.listing.get("params") or [])
            for endpoint in offer.endpoints:
                entries.append({
                    "provider": offer.provider, "name": offer.listing.get("name"), "model": offer.upstream_model,
                    "routable": bool(offer.listing.get("routable", True)), "availability_status": status,
                    "availability_reason": reason, "provider_status": ACTIVE, "provider_routing_status": ACTIVE,
                    "model_routing_status": ACTIVE, "capability_status": ACTIVE, "effective_from": start,
                    "effective_to": end, "endpoints": [endpoint],
                    "input_modalities": list(offer.listing.get("input_modalities") or []),
                    "output_modalities": list(offer.listing.get("output_modalities") or []),
                    "params": sorted(declared), "declared": declared,
                })
        return entries

    def _kept(self, entry: Mapping[str, Any], query: Query) -> bool:
        """models.catalogue.ts 1525-1589 (the endpoint aliases 575-606)."""
        aliases: Mapping[str, list[str]] = self.rules["endpoint_aliases"]

        def expand(endpoint: str) -> set[str]:
            normalized = endpoint.strip().lower()
            return {normalized, *aliases.get(normalized, ())} if normalized else set()

        endpoints = {alias for value in query.values("endpoints") for alias in expand(value)}
        if endpoints and not any(expand(endpoint) & endpoints for endpoint in entry["endpoints"]):
            return False
        for parameter, field in ENTRY_FILTERS.items():
            wanted = {value.lower() for value in query.values(parameter)}
            if wanted and str(entry[field]).lower() not in wanted:
                return False
        params = set(query.values("params", "supported_parameters"))
        return not params or bool(params & set(entry["params"]))

    @staticmethod
    def _offers(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The entries merged per provider, by provider id (models.catalogue.ts 1653-1702). A provider is one row of
        the mock's catalog, so its entries share their statuses."""
        merged: dict[str, dict[str, Any]] = {}
        for entry in entries:
            offer = merged.get(entry["provider"])
            if offer is None:
                merged[entry["provider"]] = {**entry, "endpoints": list(entry["endpoints"])}
                continue
            for key in ("endpoints", "input_modalities", "output_modalities", "params"):
                offer[key] = sorted({*offer[key], *entry[key]})
            offer["declared"] = list(dict.fromkeys([*offer["declared"], *entry["declared"]]))
        return [merged[provider] for provider in sorted(merged)]

    def _item(self, row: Mapping[str, Any], replacement: str | None, variants: Mapping[str, Any],
              now: float) -> dict[str, Any]:
        """models.ts 474-528."""
        info, organisation = row["info"], row["organisation"]
        status = _lifecycle_status(info, now)
        details = info.get("details") or {}
        pricing = self._no_prices()
        return {
            "id": row["id"],
            "base_model_id": row["base_model_id"],
            "variant": row["variant"],
            "variants": dict(variants),
            "name": row["name"],
            "description": str(info.get("description") or "").strip() or self._description(row),
            "organization": {"id": organisation["id"], "name": organisation.get("name"),
                             "color": organisation.get("colour") or None} if organisation.get("id") else None,
            "aliases": sorted(info.get("aliases") or []),
            "lifecycle": {
                "status": status,
                "released_at": info.get("released_at"),
                "deprecated_at": info.get("deprecated_at"),
                "retires_at": info.get("retired_at"),
                "replacement_id": replacement,
                "message": self._lifecycle_message(status, info, replacement),
            },
            "modalities": {"input": list(row["inputs"]), "output": list(row["outputs"])},
            "limits": {
                "input_tokens": _detail_number(details, ("input_context_length", "context_length")),
                "output_tokens": _detail_number(details, ("output_context_length", "max_output_tokens",
                                                          "max_completion_tokens")),
            },
            "capabilities": {"endpoints": list(row["endpoints"]), "parameters": list(row["parameters"]),
                             "parameter_details": row["parameter_details"]},
            "availability": dict(row["availability"]),
            "pricing": pricing,
            "offers": [self._offer(offer, row) for offer in row["offers"]],
        }

    def _offer(self, offer: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
        """models.ts 259-290."""
        return {
            "provider": {"id": offer["provider"], "name": offer["name"]},
            "model": offer["model"],
            "status": offer["availability_status"],
            "status_reason": offer["availability_reason"],
            "routable": offer["routable"],
            "endpoints": list(offer["endpoints"]),
            "modalities": {"input": list(offer["input_modalities"] or row["inputs"]),
                           "output": list(offer["output_modalities"] or row["outputs"])},
            "capabilities": {"parameters": list(offer["params"]),
                             "parameter_details": _param_details(offer["declared"])},
            "routing": {"provider": offer["provider_routing_status"], "model": offer["model_routing_status"],
                        "capability": offer["capability_status"]},
            "effective": {"from": offer["effective_from"], "to": offer["effective_to"]},
            "pricing": self._no_prices(),
        }

    def _no_prices(self) -> dict[str, Any]:
        """models.catalogue.ts 711-717: a summary with every listed meter unpriced."""
        return {"pricing_plan": "standard", "meters": dict.fromkeys(self.rules["pricing_meters"])}

    def _lifecycle_message(self, status: str | None, info: Mapping[str, Any], replacement: str | None) -> str | None:
        """models.ts 154-174."""
        texts = self.texts
        fill = {"replacement": texts["replacement"].format(id=replacement) if replacement else "",
                "retired": info.get("retired_at"), "deprecated": info.get("deprecated_at")}
        if status == "retired":
            return texts["retired_on" if info.get("retired_at") else "retired"].format(**fill)
        if status == "deprecated":
            key = "deprecated_until" if info.get("retired_at") else (
                "deprecated_since" if info.get("deprecated_at") else "deprecated")
            return texts[key].format(**fill)
        return None

    def _description(self, row: Mapping[str, Any]) -> str:
        """models.ts 205-223: the sentence for a model without a curated description."""
        texts = self.texts
        organisation = str(row["organisation"].get("name") or "").strip()
        availability = row["availability"]
        count = availability["active_provider_count"]
        return texts["description"].format(
            name=str(row["raw_name"] or "").strip() or row["id"],
            owner=texts["owner"].format(organisation=organisation) if organisation else "",
            input=", ".join(row["inputs"]) or texts["unspecified"],
            output=", ".join(row["outputs"]) or texts["unspecified"],
            availability=texts["active_providers"].format(count=count, plural="" if count == 1 else "s")
            if count > 0 else availability["status"].replace("_", " "),
            endpoints=texts["endpoints"].format(endpoints=", ".join(row["endpoints"])) if row["endpoints"] else "",
        )


def _detail_number(details: Mapping[str, Any], names: tuple[str, ...]) -> int | float | None:
    """models.ts 194-203: the first positive number among the details."""
    for name in names:
        value = details.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            continue
        if isinstance(value, str) and not value.strip():
            continue
        number = string_to_number(value) if isinstance(value, str) else float(value)
        if math.isfinite(number) and number > 0:
            return int(number) if number.is_integer() else number
    return None


def _release_order(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """models.catalogue.ts 555-567: newest release first (undated last), then the name, then the id."""
    released = _instant(row["info"].get("released_at"))
    return (released is None, -(released or 0.0), str(row["raw_name"] or "").lower(), row["id"])
