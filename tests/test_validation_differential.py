"""The fast body validator gives openapi-core's own verdict: a differential test against ``validate_request``.

Hypothesis generates request bodies, valid and invalid (every field of the schema, nested ``debug``,
``provider`` and ``routing``, with right or wrong types, enum values, empty strings, nulls, unknown keys,
and bodies that are not objects at all). Each goes to openapi-core's ``OpenAPI.validate_request``
(the reference) and to the compiled fast path; both must find the same errors at the same paths, and the
gateway details built from them must be equal.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from mockserver.gateway.body_schema import CONTENT_TYPE, HOST_URL, PATH, body_validator
from mockserver.gateway.spec import load_spec
from mockserver.gateway.validation import BodyValidator
from tests import zod_bodies

SPEC = load_spec()
FAST = BodyValidator(SPEC)
REFERENCE = BodyValidator(SPEC, reference=True)

# Any JSON value, as the parser can hand it to the validator.
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**64)  # beyond 64 bits: the parser's slow path accepts them
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
keys = st.sampled_from(["", "a", "model", "only", "trace_level"]) | st.text(max_size=4)
containers = st.lists(scalars, max_size=3) | st.dictionaries(keys, scalars, max_size=3)
# Two levels deep at most: deep enough for every schema in the spec, cheap to generate.
json_values = scalars | containers | st.lists(containers, max_size=2) | st.dictionaries(keys, containers, max_size=2)
strings = st.sampled_from([" ", "mistral/ocr-3", " Mistral ", "summary"]) | st.text(min_size=1, max_size=8)
string_lists = st.lists(strings, max_size=3)
enums = st.sampled_from(["summary", "full"])
# Values of the right type that the schema still refuses, and values of any type at all.
wrong = st.sampled_from(["", "verbose", "Full", "SUMMARY"]) | json_values


def _field(valid: st.SearchStrategy[Any], odds: int) -> st.SearchStrategy[Any]:
    """A field's value: one in ``odds`` is a wrong one, the others valid (one_of would weigh them evenly)."""
    return st.integers(min_value=1, max_value=odds).flatmap(lambda draw: wrong if draw == 1 else valid)


def _object(fields: dict[str, st.SearchStrategy[Any]], odds: int) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with any subset of ``fields`` and sometimes unknown keys."""
    known = st.fixed_dictionaries({}, optional={name: _field(value, odds) for name, value in fields.items()})
    unknown = st.dictionaries(keys, json_values, max_size=2)
    return st.builds(lambda a, b: {**b, **a}, known, unknown)


def requests(odds: int, *, required: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Request objects in which one field in ``odds`` has a value of any JSON type."""
    debug_options = _object(
        {
            "enabled": st.booleans(),
            "return_upstream_request": st.booleans(),
            "return_upstream_response": st.booleans(),
            "trace": st.booleans(),
            "trace_level": enums,
            "returnUpstreamRequest": st.booleans(),
            "returnUpstreamResponse": st.booleans(),
            "traceLevel": enums,
        },
        odds,
    )
    routing_options = _object(
        {
            "order": string_lists,
            "only": string_lists,
            "ignore": string_lists,
            "include_alpha": st.booleans(),
            "includeAlpha": st.booleans(),
            "allow_fallbacks": st.none() | st.booleans(),
            "quantizations": st.none() | string_lists,
        },
        odds,
    )
    optional = {
        "language": strings,
        "echo_upstream_request": st.booleans(),
        "debug": debug_options,
        "provider": routing_options,
        "beta": st.dictionaries(keys, json_values, max_size=2),
        "routing": routing_options,
    }
    if not required:  # model and image may be missing too
        return _object({"model": strings, "image": strings, **optional}, odds)
    return st.builds(
        lambda present, rest: {**rest, **present},
        st.fixed_dictionaries({"model": _field(strings, odds), "image": _field(strings, odds)}),
        _object(optional, odds),
    )


# Mostly valid requests (so that accepted bodies and lone nested errors are common), often wrong ones,
# objects missing required fields, and bodies that are not objects at all.
# Plus the zod differential's bodies: every field of the gateway's schema, unions and aliases included.
bodies = st.one_of(
    requests(odds=15), requests(odds=3), requests(odds=3, required=False), json_values, zod_bodies.bodies
)


def findings(validator: BodyValidator, body: Any) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
    """openapi-core's errors as (keyword, path, message) in a stable order, and the gateway details."""
    errors = validator.schema_errors(body)
    raw = sorted(((e.validator, tuple(e.absolute_path), e.message) for e in errors), key=repr)
    return raw, validator.details(errors) if errors else []


def assert_same_verdict(body: Any, fast: BodyValidator = FAST) -> None:
    assert findings(fast, body) == findings(REFERENCE, body)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies)
def test_fast_path_agrees_with_validate_request(body: Any) -> None:
    assert_same_verdict(body)


@pytest.mark.parametrize(
    "body",
    [
        {"model": "m", "image": "i"},
        {},
        [],
        None,
        "x",
        {"model": "", "image": ""},
        {"model": "m", "image": "i", "provider": {"allow_fallbacks": None, "only": [1]}},
        {"model": "m", "image": "i", "debug": {"trace_level": "verbose", "traceLevel": None}},
        {"model": "m", "image": "i", "routing": "x", "beta": [], "echo_upstream_request": 0},
        {"model": 2**70, "image": "\ud800"},
    ],
)
def test_known_cases_agree(body: Any) -> None:
    assert_same_verdict(body)


def test_generated_bodies_reach_both_verdicts_and_nested_errors() -> None:
    """The strategy finds valid bodies and errors inside each nested object, so the comparison covers them."""
    first_found = settings(
        phases=[Phase.generate], database=None, max_examples=5000
    )  # no shrinking: any example will do
    find(
        bodies, lambda body: isinstance(body, dict) and len(body) > 2 and not FAST.validate(body), settings=first_found
    )
    for where in ("debug", "provider", "routing"):
        errors_at = lambda body, where=where: any(d["path"][:1] == [where] for d in FAST.validate(body))  # noqa: E731
        find(bodies, errors_at, settings=first_found)


def test_a_validator_that_differs_is_caught(tmp_path: Path) -> None:
    """The comparison fails for a fast path built from a spec whose ``model`` lost its ``minLength``."""
    document = copy.deepcopy(SPEC.document)
    del document["components"]["schemas"]["OcrRequest"]["properties"]["model"]["minLength"]
    loosened_spec = tmp_path / "openapi.yaml"
    loosened_spec.write_text(yaml.safe_dump(document, sort_keys=False))
    loosened = BodyValidator(load_spec(loosened_spec))
    assert_same_verdict({"model": "m", "image": "i"}, loosened)
    with pytest.raises(AssertionError):
        assert_same_verdict({"model": "", "image": "i"}, loosened)


def test_a_spec_without_the_ocr_operation_is_refused_at_start(tmp_path: Path) -> None:
    """The validator is built at start-up, so a spec it cannot be built from stops the mock with a message."""
    document = copy.deepcopy(SPEC.document)
    document["servers"] = [{"url": "https://elsewhere.example/v2"}]
    moved = tmp_path / "openapi.yaml"
    moved.write_text(yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(ValueError, match=r"has no POST https://api\.phaseo\.app/v1/ocr"):
        BodyValidator(load_spec(moved))


def test_the_fast_validator_is_the_one_openapi_core_builds() -> None:
    """What openapi-core's request validator builds for the body inside ``validate_request``, asked of it here
    (the fast path builds the same from the document, without importing openapi-core)."""
    from openapi_core.templating.media_types.finders import MediaTypeFinder

    validator = SPEC.openapi.request_validator
    operation = validator.path_finder.find("post", HOST_URL + PATH).operation
    media_type = MediaTypeFinder(operation / "requestBody" / "content").find(CONTENT_TYPE).media_type
    theirs = validator.schema_validators_factory.create(
        validator.spec, media_type / "schema", format_validators=validator.format_validators,
        extra_format_validators=validator.extra_format_validators,
        forbid_unspecified_additional_properties=validator.forbid_unspecified_additional_properties,
        enforce_properties_required=validator.enforce_properties_required,
    ).validator
    ours = body_validator(SPEC)
    assert type(ours) is type(theirs)
    assert ours.schema == theirs.schema
    assert set(ours.format_checker.checkers) == set(theirs.format_checker.checkers)
    for ref in ("#/components/schemas/OcrRequest", "#/components/schemas/ProviderRoutingOptions"):
        assert ours._resolver.lookup(ref).contents == theirs._resolver.lookup(ref).contents
