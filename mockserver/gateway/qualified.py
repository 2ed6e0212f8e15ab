"""Provider-qualified model ids, ``<provider>:<publisher>/<model>`` (2026-08: pipeline/requestRouting.ts 95-333,
pipeline/before/index.ts 275-330 and 650-716).

The syntax and the provider slug are checked right after the schema; the pair's conflicts with the caller's
``provider.only``/``ignore`` and its availability after the key, model and wallet checks. A qualified id pins
the route to its provider and otherwise behaves as the bare model id.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver.gateway.errors import GatewayError, validation_error
from mockserver.gateway.validation import js_trim

PROVIDER_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$", re.IGNORECASE)
ALIASES = {"novitaai": "novita", "novita-ai": "novita", "x-ai": "spacex-ai", "xai": "spacex-ai"}  # providerAliases.ts


def normalize_provider(value: str) -> str:
    provider = js_trim(value).lower()
    return ALIASES.get(provider, provider)


@dataclass(frozen=True)
class QualifiedModel:
    provider: str  # normalised
    model: str  # the bare model id

    @property
    def qualified(self) -> str:
        return f"{self.provider}:{self.model}"


def _syntax_error(reason: str, message: str, input_: str, provider: str) -> GatewayError:
    detail = {
        "message": message,
        "path": ["model"],
        "keyword": reason,
        "params": {"input": input_, "provider": provider or None},
    }
    return validation_error([detail], description=message, error_operational_kind=reason)


def split_model(value: str, known_providers: Collection[str]) -> QualifiedModel | None:
    """The provider and model of a qualified id (None: not qualified), or the gateway's 400."""
    input_ = js_trim(value)
    colon, slash = input_.find(":"), input_.find("/")
    if colon < 0 or slash < 0 or colon > slash:
        return None  # a colon after the slash is a model suffix (":free"), not a qualifier
    provider = js_trim(input_[:colon])
    if not PROVIDER_SLUG.match(provider):
        raise _syntax_error(
            "invalid_provider_slug",
            f'Invalid provider slug "{provider}" in model identifier "{input_}". Provider slugs must start with a '
            'letter or number and contain only letters, numbers, ".", "_" or "-".',
            input_,
            provider,
        )
    model = js_trim(input_[colon + 1 :])
    if slash <= colon + 1 or model.startswith((":", "/")) or model.endswith("/"):
        raise _syntax_error(
            "invalid_provider_qualified_model",
            f'Invalid provider-qualified model identifier "{input_}". Expected "<provider>:<publisher>/<model>".',
            input_,
            provider,
        )
    selection = QualifiedModel(normalize_provider(provider), model)
    if selection.provider not in known_providers:
        message = (
            f'Unknown provider slug "{selection.provider}" in provider-qualified model "{selection.qualified}". '
            "Use a provider slug returned by Phaseo's provider catalogue."
        )
        detail = {
            "message": message,
            "path": ["model"],
            "keyword": "unknown_provider_slug",
            "params": {"provider": selection.provider, "model": model},
        }
        raise validation_error([detail], description=message, error_operational_kind="unknown_provider_slug")
    return selection


def _providers(value: Any) -> list[str]:
    values = value if isinstance(value, list) else []
    return [normalize_provider(v) for v in values if isinstance(v, str) and js_trim(v)]


def check_constraints(selection: QualifiedModel, body: Mapping[str, Any], offered: Sequence[str]) -> None:
    """The pair against the caller's filters (``routing`` merged over ``provider`` first, so a conflict is always
    reported at ``provider.*``), then against the model's providers."""
    merged = {**(body.get("provider") or {}), **(body.get("routing") or {})}
    only, ignore = _providers(merged.get("only")), _providers(merged.get("ignore"))
    for name, values, conflict in (
        ("only", only, only and selection.provider not in only),
        ("ignore", ignore, selection.provider in ignore),
    ):
        if conflict:
            field = f"provider.{name}"
            detail = {
                "message": f'Provider-qualified model "{selection.qualified}" conflicts with {field}',
                "path": ["provider", name],
                "keyword": "provider_qualified_model_conflict",
                "params": {"provider": selection.provider, "model": selection.model, "field": field, "values": values},
            }
            raise validation_error([detail])
    if selection.provider not in offered:
        message = f'Provider-qualified model "{selection.qualified}" is not available for this endpoint'
        detail = {
            "message": message,
            "path": ["model"],
            "keyword": "qualified_provider_unavailable",
            "params": {"provider": selection.provider, "model": selection.model},
        }
        raise validation_error([detail], description=message, error_operational_kind="qualified_provider_unavailable")
