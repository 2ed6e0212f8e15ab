"""Render every scripted answer the way the gateway would send it and check it against the spec, so
that a fixture can never make the mock break its own contract."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from mockserver.gateway.body_schema import BodyRequest
from mockserver.gateway.catalog import Catalog, ProviderOffer
from mockserver.gateway.errors import ErrorTable, GatewayError
from mockserver.gateway.ids import new_generation_id
from mockserver.gateway.pipeline import Timings, provider_call, success_body
from mockserver.gateway.pricing import pricing_breakdown
from mockserver.gateway.release import Release
from mockserver.gateway.routing import default_routing_diagnostics
from mockserver.gateway.spec import LoadedSpec
from mockserver.gateway.upstream import UpstreamDocument, default_page
from mockserver.gateway.upstream_failure import upstream_failure
from mockserver.scripting.loader import FixtureSet, Problem
from mockserver.scripting.outcomes import Outcome

SAMPLE_IMAGE = "https://example.com/sample.png"


@dataclass
class _Answer:
    status_code: int
    data: bytes
    headers: Any
    content_type: str = "application/json"


def answer_problems(spec: LoadedSpec, status: int, body: Any, headers: Mapping[str, str]) -> list[str]:
    """What is wrong with this answer according to the spec (empty: nothing). openapi-core is imported here:
    only a mock with fixture files checks their answers."""
    from openapi_core.validation.response.exceptions import ResponseValidationError
    from openapi_core.validation.response.validators import V30ResponseValidator

    validator = V30ResponseValidator(spec.openapi.spec)
    answer = _Answer(status, orjson.dumps(body), dict(headers))
    request = BodyRequest(body=b"{}")
    problems = []
    for error in validator.iter_errors(request, answer):
        if isinstance(error, ResponseValidationError) and error.__cause__ is not None:
            causes = getattr(error.__cause__, "schema_errors", None) or [error.__cause__]
            for cause in causes:
                where = ".".join(map(str, getattr(cause, "absolute_path", [])))
                problems.append(f"body{'.' + where if where else ''}: {getattr(cause, 'message', cause)}")
        else:
            problems.append(str(error))
    return problems


def _answer(outcome: Outcome, model_id: str, catalog: Catalog,
            release: Release) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    model = catalog.models.get(model_id)
    offers: list[ProviderOffer] = [
        offer
        for offer in (model.ocr_offers if model else ())
        if offer.upstream_model and offer.usd_per_1000_pages is not None
    ]
    if not offers:
        return None  # reported by check_models, or an answer the catalog never lets through
    offer = offers[0]
    assert offer.upstream_model is not None and offer.usd_per_1000_pages is not None
    call = provider_call(release, model_id, offer.provider, offer.upstream_model, {"image": SAMPLE_IMAGE}, {})
    generation_id = new_generation_id()
    error: GatewayError | None = None
    if outcome.error is not None:
        error = GatewayError(outcome.error.code, outcome.error.description)
    elif outcome.upstream is not None:
        assert model is not None
        diagnostics = default_routing_diagnostics(model, offer)
        error = upstream_failure(outcome.upstream, offer.provider, model_id, diagnostics, call.error_body_cap)
    if error is not None:
        table = ErrorTable(release.errors)
        if error.code not in table.kinds:
            problem = f"{error.code} is not an error of release {release.name}"
            return 500, {"error": error.code, "description": problem}, {}
        headers = {**table.headers(error), "Cache-Control": "no-store"}
        return table[error.code].status, table.envelope(error, generation_id), headers
    pages = list(outcome.pages) if outcome.pages is not None else [default_page(call)]
    document = UpstreamDocument(pages=pages, document_annotation=outcome.document_annotation,
                                model=outcome.provider_model)
    billing_ms = 0 if release.get("success", "billing_timestamps") else None
    pricing = pricing_breakdown(len(pages), offer.usd_per_1000_pages, billing_ms)
    body = success_body(generation_id, call, document, pricing, Timings(0, 0), release)
    return 200, body, {"Cache-Control": "no-store"}


def rendering_problems(fixtures: FixtureSet, catalog: Catalog, spec: LoadedSpec, release: Release) -> list[Problem]:
    """Every scripted answer rendered as ``release`` sends it, checked against ``spec`` (the release's)."""
    answers: list[tuple[str, str, str, Outcome]] = []
    for script in fixtures.scripts:
        outcomes = [script.outcome] if script.outcome is not None else [o for o, _ in script.sequence]
        if script.then is not None:
            outcomes.append(script.then)
        answers += [(script.source, script.entry, script.model, outcome) for outcome in outcomes]
    answers += [
        (fixtures.default_sources.get(model, "defaults"), f"defaults.{model}", model, outcome)
        for model, outcome in fixtures.defaults.items()
    ]
    problems = []
    for source, entry, model, outcome in answers:
        rendered = _answer(outcome, model, catalog, release)
        if rendered is None:
            continue
        status, body, headers = rendered
        problems += [
            Problem(source, entry, "rendered answer", problem)
            for problem in answer_problems(spec, status, body, headers)
        ]
    return problems
