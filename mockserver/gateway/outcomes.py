"""The outcome catalogue: every distinct answer a client can get from ``POST /v1/ocr``, and which of them
one answered request was.

Nothing here is a hand-kept list. The catalogue is derived from what the mock serves:

- a success per model the catalog serves (``Catalog.servable_models``);
- each debug field a success can carry (``pipeline.DEBUG_VARIANTS``);
- each code of the error table, split into its listed variants (``variant_field``/``variants``: the 401
  reasons, the unsupported-model variants); the codes of upstream origin are the upstream failure renderings;
- each connection fault (``upstream.FaultKind``).

``outcomes_of`` is the one place that names the outcome of an exchange; the pipeline sets what it reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import get_args

from mockserver.gateway.catalog import Catalog
from mockserver.gateway.errors import ErrorKind, GatewayError
from mockserver.gateway.exchange import Exchange
from mockserver.gateway.pipeline import DEBUG_VARIANTS
from mockserver.gateway.upstream import FaultKind
from mockserver.gateway.validation import js_trim

SUCCESS = "success"
NO_MODEL = "(no model)"  # the request named none (or was refused before its body was read)
OTHER_MODEL = "(not in catalog)"  # a model the catalog does not list: one column, whatever the caller sent


@dataclass(frozen=True)
class OutcomeEntry:
    """One outcome of the catalogue. ``model`` is set for the outcomes that exist once per model (success)."""

    outcome: str
    group: str
    label: str
    status: int | None
    model: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        return self.outcome, self.model


DEBUG_PREFIX = f"{SUCCESS}.debug."


def debug_outcome(variant: str) -> str:
    return DEBUG_PREFIX + variant


def error_outcome(code: str, variant: str | None = None) -> str:
    return f"error.{code}.{variant}" if variant else f"error.{code}"


def fault_outcome(kind: str) -> str:
    return f"fault.{kind}"


def _error_group(kind: ErrorKind) -> str:
    """upstream for the renderings of a failed provider call; a code with variants groups them; else error."""
    if kind.error_origin == "upstream":
        return "upstream"
    return kind.code if kind.variants else "error"


def outcome_catalogue(catalog: Catalog, errors: Mapping[str, ErrorKind]) -> tuple[OutcomeEntry, ...]:
    """The outcomes of a release: its catalog and its error table."""
    entries = [OutcomeEntry(SUCCESS, "success", f"200 success {model}", 200, model)
               for model in catalog.servable_models()]
    entries += [OutcomeEntry(debug_outcome(variant), "debug", f"200 success + debug {variant}", 200)
                for variant in DEBUG_VARIANTS]
    for code, kind in errors.items():
        group = _error_group(kind)
        if kind.variants:
            entries += [OutcomeEntry(error_outcome(code, variant), group, f"{kind.status} {code}: {variant}",
                                     kind.status) for variant in kind.variants]
        else:
            entries.append(OutcomeEntry(error_outcome(code), group, f"{kind.status} {code}", kind.status))
    entries += [OutcomeEntry(fault_outcome(kind), "fault", f"connection fault: {kind}", None)
                for kind in get_args(FaultKind)]
    return tuple(entries)


def error_variant(error: GatewayError, errors: Mapping[str, ErrorKind]) -> str | None:
    """Which of its code's listed variants ``error`` is, by the table (None: the code has none, or not one
    the table lists: counted under the bare code, outside the catalogue)."""
    kind = errors.get(error.code)
    if kind is None or kind.variant_field is None:
        return None
    value = error.description if kind.variant_field == "description" else error.extra.get(kind.variant_field)
    return value if value in kind.variants else None


def outcomes_of(exchange: Exchange, errors: Mapping[str, ErrorKind]) -> tuple[str, ...]:
    """The outcomes one answered request met: a connection fault (the client never sees the answer whole,
    or sees it late), an error by code and variant, or a success and each debug field it carried."""
    if exchange.fault is not None:
        return (fault_outcome(exchange.fault.kind),)
    error = exchange.error
    if error is not None:
        return (error_outcome(error.code, error_variant(error, errors)),)
    if not exchange.debug_variants:
        return (SUCCESS,)
    return (SUCCESS, *(debug_outcome(variant) for variant in exchange.debug_variants))


def model_column(model: str | None, catalog: Catalog) -> str:
    """The model a count is kept under: the catalog's, or one bucket for anything else (bounded)."""
    trimmed = js_trim(model) if model is not None else ""
    if not trimmed:
        return NO_MODEL
    return trimmed if trimmed in catalog.models else OTHER_MODEL
