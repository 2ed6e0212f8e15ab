"""The compiled yes/no body check (mockserver/gateway/body_check.py) says "valid" exactly when openapi-core does.

For every gateway release, hypothesis generates bodies from the release's own request schema, walked as the
validator sees it: right values, and one field in a few wrong (another JSON type, null, a bool for a number, a
whole float for an integer, integers past 2**53 and 2**64, unicode, enum near-misses, unknown keys, dropped
required keys, nested junk), plus any JSON at all and the zod differentials' bodies. Each body goes to the check and
to openapi-core's body validator (``body_validator``); on a smaller sample, to ``validate_request`` itself.

``make body-check-long`` (``BODY_CHECK_EXAMPLES=40000 pytest ... -k many``) runs the long comparison.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver.gateway.body_check import compile_check
from mockserver.gateway.body_schema import ReferenceBodySchema, body_validator
from mockserver.gateway.release import known_releases
from mockserver.gateway.spec import LoadedSpec, load_spec, release_spec
from mockserver.gateway.validation import BodyValidator
from mockserver.mock import Mock
from mockserver.web.app import Settings, create_app
from tests import zod_bodies
from tests.helpers import post_ocr

Strategy = st.SearchStrategy[Any]
RELEASES = known_releases()
LONG_RUN = int(os.environ.get("BODY_CHECK_EXAMPLES", "0"))

# Values that are wrong almost anywhere, and the near-misses of a schema's enums and limits (added per schema).
_text = st.text(max_size=6) | st.sampled_from(["", " ", "é", "\u0000", "\ud800", "😀", "a" * 40])
_numbers = (
    st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([0, -1, 1, 1.0, -0.0, 0.5, 2**53, 2**53 + 1, 2**64, 9007199254740991, 9007199254740992, 1e308])
    | st.floats(allow_nan=False, allow_infinity=False)
)
_scalars = st.none() | st.booleans() | _numbers | _text
_shallow = _scalars | st.lists(_scalars, max_size=3) | st.dictionaries(_text, _scalars, max_size=3)
# Two levels deep at most: deep enough for every schema of the spec, cheap to generate.
json_values: Strategy = _shallow | st.lists(_shallow, max_size=2) | st.dictionaries(_text, _shallow, max_size=2)


def _near_misses(schema: dict[str, Any]) -> list[Any]:
    misses: list[Any] = []
    for option in schema.get("enum") or []:
        if isinstance(option, str):
            misses += [option.upper(), option + " ", option[:-1], [option], {option: option}]
        elif option is None:
            misses += ["null", 0, False]
        else:
            misses += [option, str(option)]
    for limit in ("minimum", "maximum"):
        if limit in schema:
            value = schema[limit]
            misses += [value - 1, value + 1, float(value), value + 0.5, True, False]
    if "minLength" in schema:
        misses += ["", "x" * max(0, schema["minLength"] - 1), ["x"], {"length": 1}]
    return misses


class SchemaBodies:
    """Bodies biased to one validator's schema, walked as it is drawn: one value in ``odds`` is wrong.

    The choices (wrong or right, which union option, drop a required key, add unknown keys) come from one seeded
    ``random.Random`` per body, so their odds hold (hypothesis favours small integers); the values are drawn."""

    def __init__(self, validator: Any, odds: int) -> None:
        self.validator = validator
        self.odds = odds

    def bodies(self) -> Strategy:
        return st.builds(_Walk, st.data(), st.randoms(use_true_random=True), st.just(self.odds)).map(
            lambda walk: walk.of(self.validator.schema, self.validator._resolver, 0)
        )


class _Walk:
    def __init__(self, data: Any, rng: Any, odds: int) -> None:
        self.data, self.rng, self.odds = data, rng, odds

    def draw(self, strategy: Strategy) -> Any:
        return self.data.draw(strategy)

    def of(self, schema: Any, resolver: Any, depth: int) -> Any:
        while isinstance(schema, dict) and "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            schema, resolver = resolved.contents, resolved.resolver
        if not isinstance(schema, dict) or depth > 6:
            return self.draw(json_values)
        if self.rng.randrange(self.odds) == 0:  # a wrong value: a near-miss of this schema, or any JSON
            misses = _near_misses(schema)
            return self.rng.choice(misses) if misses and self.rng.random() < 0.5 else self.draw(json_values)
        if schema.get("nullable") is True and self.rng.random() < 0.1:
            return None
        if "enum" in schema:
            return self.rng.choice(schema["enum"])
        for union in ("oneOf", "anyOf"):
            if union in schema:
                return self.of(self.rng.choice(schema[union]), resolver, depth + 1)
        kind = schema.get("type", "object" if "properties" in schema else None)
        if kind == "object":
            return self._object(schema, resolver, depth)
        if kind == "array":
            return [self.of(schema.get("items", {}), resolver, depth + 1) for _ in range(self.rng.randrange(4))]
        if kind == "string":
            pattern = schema.get("pattern")
            made = st.from_regex(pattern, fullmatch=True) if pattern else st.text(min_size=schema.get("minLength", 0))
            return self.draw(made)
        if kind == "integer":
            low, high = schema.get("minimum", -(2**64)), schema.get("maximum", 2**64)
            return self.rng.choice([low, high]) if self.rng.random() < 0.2 else self.draw(st.integers(low, high))
        if kind == "number":
            return self.draw(_numbers)
        if kind == "boolean":
            return self.rng.random() < 0.5
        return self.draw(json_values)

    def _object(self, schema: dict[str, Any], resolver: Any, depth: int) -> dict[str, Any]:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        names = [name for name in properties if name in required or self.rng.random() < 0.3]
        if names and self.rng.randrange(self.odds * 2) == 0:  # a required key (or another) goes missing
            names.remove(self.rng.choice(names))
        body: dict[str, Any] = {}
        if self.rng.randrange(self.odds) == 0:  # unknown keys (a strict object refuses them)
            extra = schema.get("additionalProperties")
            for _ in range(self.rng.randint(1, 2)):
                key = self.rng.choice(["", "id", "type", "__proto__", "x-y", "é"])
                body[key] = self.of(extra, resolver, depth + 1) if isinstance(extra, dict) else self.draw(json_values)
        for name in names:
            body[name] = self.of(properties[name], resolver, depth + 1)
        return body


def _august_bodies(seed: int) -> Any:
    from tests.releases.test_2026_08_zod_differential import generated

    return generated(seed, 1)[0]


def bodies_for(validator: Any) -> Strategy:
    return st.one_of(
        SchemaBodies(validator, odds=12).bodies(),
        SchemaBodies(validator, odds=4).bodies(),
        json_values,
        zod_bodies.bodies,
        st.integers(min_value=0, max_value=2**32).map(_august_bodies),
    )


VALIDATORS = {name: body_validator(release_spec(name)) for name in RELEASES}
CHECKS = {name: compile_check(validator) for name, validator in VALIDATORS.items()}
BODIES = {name: bodies_for(validator) for name, validator in VALIDATORS.items()}


def openapi_core_accepts(validator: Any, body: Any) -> bool:
    return not list(validator.iter_errors(body))


@pytest.mark.parametrize("release", RELEASES)
def test_the_bundled_schemas_compile_without_fallbacks(release: str) -> None:
    assert CHECKS[release].fallbacks == []


@pytest.mark.parametrize("release", RELEASES)
def test_the_check_agrees_with_openapi_core(release: str) -> None:
    check, validator = CHECKS[release].accepts, VALIDATORS[release]

    @settings(max_examples=1000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(BODIES[release])
    def agrees(body: Any) -> None:
        assert check(body) == openapi_core_accepts(validator, body), body

    agrees()


@pytest.mark.parametrize("release", RELEASES)
def test_the_check_agrees_with_validate_request(release: str) -> None:
    """The slow reference (``OpenAPI.validate_request``), on fewer bodies."""
    check, reference = CHECKS[release].accepts, ReferenceBodySchema(release_spec(release))

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(BODIES[release])
    def agrees(body: Any) -> None:
        assert check(body) == (not reference.errors(body)), body

    agrees()


@pytest.mark.skipif(not LONG_RUN, reason="the long run: set BODY_CHECK_EXAMPLES (e.g. 40000)")
@pytest.mark.parametrize("release", RELEASES)
def test_many_bodies(release: str) -> None:
    check, validator = CHECKS[release].accepts, VALIDATORS[release]
    verdicts = {True: 0, False: 0}

    @settings(max_examples=LONG_RUN, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(BODIES[release])
    def agrees(body: Any) -> None:
        verdict = openapi_core_accepts(validator, body)
        assert check(body) == verdict, body
        verdicts[verdict] += 1

    agrees()
    print(f"\n{release}: {sum(verdicts.values())} bodies, {verdicts[True]} valid, {verdicts[False]} invalid, all agree")


FIRST_FOUND = settings(phases=[Phase.generate], database=None, max_examples=5000)


@pytest.mark.parametrize("release", RELEASES)
def test_the_bodies_reach_both_verdicts_and_nested_errors(release: str) -> None:
    """Valid bodies with several fields, and bodies refused only for something nested, both come up."""
    validator = VALIDATORS[release]
    top = set(validator.schema["properties"])
    find(BODIES[release], lambda b: isinstance(b, dict) and len(b) > 3 and openapi_core_accepts(validator, b),
         settings=FIRST_FOUND)
    nested = [e for e in validator.schema["properties"] if isinstance(validator.schema["properties"][e], dict)]
    assert nested
    def nested_only(body: Any) -> bool:
        return isinstance(body, dict) and set(body) <= top and any(len(e.absolute_path) > 1
                                                                    for e in validator.iter_errors(body))

    find(BODIES[release], nested_only, settings=FIRST_FOUND)


def _spec_with(tmp_path: Path, change: Any) -> LoadedSpec:
    document = copy.deepcopy(release_spec("2026-08").document)
    change(document["components"]["schemas"])
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return load_spec(path)


def test_a_check_that_differs_is_caught(tmp_path: Path) -> None:
    """The comparison finds a disagreement when the check comes from a schema whose ``model`` lost its ``minLength``."""
    loosened = _spec_with(tmp_path, lambda schemas: schemas["OcrRequest"]["properties"]["model"].pop("minLength"))
    check, validator = compile_check(body_validator(loosened)).accepts, VALIDATORS["2026-08"]
    bodies = SchemaBodies(validator, odds=12).bodies()
    found = find(bodies, lambda b: check(b) != openapi_core_accepts(validator, b), settings=FIRST_FOUND)
    assert found["model"] == ""


@pytest.mark.parametrize(
    "keyword, change",
    [
        ("maxItems", lambda s: s["OcrRequest"]["properties"]["pages"]["oneOf"][1].update(maxItems=2)),
        ("discriminator", lambda s: s["OcrRequest"]["properties"]["document"].update(
            discriminator={"propertyName": "type"})),
        ("patternProperties", lambda s: s["OcrImageUrlObject"].update(patternProperties={"^x-": {"type": "string"}})),
    ],
)
def test_an_unknown_keyword_falls_back_to_the_full_validator(tmp_path: Path, keyword: str, change: Any) -> None:
    """A keyword the compiler does not translate is named in ``fallbacks``; that subschema asks the validator."""
    validator = body_validator(_spec_with(tmp_path, change))
    compiled = compile_check(validator)
    assert len(compiled.fallbacks) == 1 and repr(keyword) in compiled.fallbacks[0]
    samples = [{"model": "m", "pages": [0, 1, 2]}, {"model": "m", "pages": [0, 1]}, {"model": "m", "pages": "1"},
               {"model": "m", "document": {"type": "image_url", "image_url": {"url": "u", "x-a": 1}}},
               {"model": "m", "document": {"type": "image_url", "image_url": {"url": "u", "y": 1}}},
               {"model": "m", "document": {"type": "file", "file_id": "nope"}}, {"model": 1}]
    for body in samples:
        assert compiled.accepts(body) == openapi_core_accepts(validator, body), body
    assert {compiled.accepts(body) for body in samples} == {True, False}


# Request level: the mock answers as before, with the check in front -------------------------------------------

MODEL, IMAGE = "mistral/ocr-3", "https://example.com/invoice.png"
REFUSED = {
    "2026-07": {
        "missing required": {"image": IMAGE},
        "wrong type": {"model": 5, "image": IMAGE},
        "bool for a string": {"model": True, "image": IMAGE},
        "too short": {"model": "", "image": IMAGE},
        "enum near-miss": {"model": MODEL, "image": IMAGE, "debug": {"trace_level": "Full"}},
        "null, not nullable": {"model": MODEL, "image": None},
        "not an object": [MODEL, IMAGE],
        "nested wrong type": {"model": MODEL, "image": IMAGE, "provider": {"only": [1]}},
    },
    "2026-08": {
        "missing required": {"image": IMAGE},
        "wrong type": {"model": MODEL, "image": IMAGE, "include_blocks": "yes"},
        "fraction for an integer": {"model": MODEL, "image": IMAGE, "image_limit": 1.5},
        "bool for an integer": {"model": MODEL, "image": IMAGE, "image_limit": True},
        "above the maximum": {"model": MODEL, "image": IMAGE, "image_limit": 2**53},
        "below the minimum": {"model": MODEL, "image": IMAGE, "image_min_size": -1},
        "enum near-miss": {"model": MODEL, "image": IMAGE, "table_format": "HTML"},
        "null, not nullable": {"model": MODEL, "image": IMAGE, "extract_header": None},
        "unknown key in a strict object": {"model": MODEL, "document": {"type": "document_url", "document_url": "u",
                                                                        "x": 1}},
        "no union option": {"model": MODEL, "document": {"type": "pdf"}},
        "pattern": {"model": MODEL, "document": {"type": "file", "file_id": "123e4567e89b42d3a456426614174000"}},
        "array item": {"model": MODEL, "image": IMAGE, "pages": [0, -1]},
    },
}
ACCEPTED = {
    "2026-07": {"model": MODEL, "image": IMAGE, "debug": {"trace_level": "full"}, "provider": {"only": ["mistral"]}},
    "2026-08": {"model": MODEL, "image": IMAGE, "pages": [0, 9007199254740991], "image_limit": 2, "table_format": None,
                "language": ["anything"]},
}


@pytest.fixture(params=RELEASES)
def release_client(request: pytest.FixtureRequest) -> Iterator[tuple[str, TestClient]]:
    with TestClient(create_app(mock=Mock(Settings(gateway_release=request.param)))) as client:
        yield request.param, client


def test_a_valid_body_is_served_without_the_full_validator(
    release_client: tuple[str, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    release, client = release_client

    def no_full_validation(self: BodyValidator, body: Any) -> list[Any]:
        raise AssertionError("the full validator ran for a valid body")

    monkeypatch.setattr(BodyValidator, "schema_errors", no_full_validation)
    response = post_ocr(client, ACCEPTED[release])
    assert response.status_code == 200, response.text


def test_each_kind_of_invalid_body_is_refused_with_details(release_client: tuple[str, TestClient]) -> None:
    release, client = release_client
    for kind, body in REFUSED[release].items():
        assert not CHECKS[release].accepts(body), kind
        assert not openapi_core_accepts(VALIDATORS[release], body), kind
        response = post_ocr(client, body)
        assert response.status_code == 400, (kind, response.text)
        assert response.json()["error"] == "validation_error", kind
        assert response.json()["details"], kind
