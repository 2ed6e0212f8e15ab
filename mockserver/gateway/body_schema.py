"""Two ways to ask what is wrong with an OCR request body, by openapi-core's rules; both yield jsonschema errors.

``CompiledBodySchema`` is the hot path. At start-up it builds the validator openapi-core's request validator
builds for the body of ``POST /v1/ocr`` inside every ``validate_request`` call: the class of openapi-core's
OAS 3.0 request (write) validators, ``openapi_schema_validator.OAS30WriteValidator``, on the JSON media type's
schema, with ``$ref`` resolved against the whole document and that class's format checker. It builds it from the
parsed document, without openapi-core's spec machinery (a quarter of a second to import), so the pytest plugin's
session starts fast. Per request only that validator runs: no spec traversal, no re-encoding.
tests/test_validation_differential.py checks that it is openapi-core's own validator, and that it agrees with
``ReferenceBodySchema`` on generated bodies.

``ReferenceBodySchema`` is ``OpenAPI.validate_request`` itself on a minimal request (1-2 ms a call, mostly
spec traversal). It stays as the reference the differential test compares against.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30WriteValidator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from mockserver.gateway.spec import LoadedSpec

HOST_URL = "https://api.phaseo.app"
PATH = "/v1/ocr"
METHOD = "post"
CONTENT_TYPE = "application/json"


class BodySchema(Protocol):
    def errors(self, body: Any) -> list[ValidationError]:
        """The schema errors of a parsed JSON body; empty when valid."""
        ...


class CompiledBodySchema:
    """The body's schema validator, built once from the spec as openapi-core builds it."""

    def __init__(self, spec: LoadedSpec, method: str = METHOD, path: str = PATH) -> None:
        self.validator = body_validator(spec, method, path)
        # What ``SchemaValidator.validate`` runs, without the spec lookup it makes to word its exception.
        self._iter_errors = self.validator.iter_errors

    def errors(self, body: Any) -> list[ValidationError]:
        return list(self._iter_errors(body))


def body_validator(spec: LoadedSpec, method: str = METHOD, path: str = PATH) -> Any:
    """openapi-core's validator of the JSON body of ``method path`` (a jsonschema ``Validator``)."""
    document = spec.document
    resolver = Registry().with_resource("", DRAFT202012.create_resource(document)).resolver("")
    where = f"{method.upper()} {HOST_URL}{path} with a {CONTENT_TYPE} body"
    try:
        operation = _resolved(resolver, _path_item(document, path))[method]
        body = _resolved(resolver, operation["requestBody"])
        schema = _media_type(_resolved(resolver, body["content"]))["schema"]
    except (KeyError, TypeError, LookupError) as exc:
        raise ValueError(f"{spec.path}: the spec has no {where} ({exc!r})") from None
    while isinstance(schema, dict) and "$ref" in schema:  # as jsonschema_path's SchemaPath.resolve() does
        resolved = resolver.lookup(schema["$ref"])
        schema, resolver = resolved.contents, resolved.resolver
    return OAS30WriteValidator(schema, _resolver=resolver, format_checker=copy.deepcopy(
        OAS30WriteValidator.FORMAT_CHECKER))


def _resolved(resolver: Any, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = resolver.lookup(node["$ref"]).contents
    return node


def _path_item(document: dict[str, Any], path: str) -> Any:
    """The path item that serves ``path`` under one of the document's servers (literal paths only)."""
    for server in document.get("servers") or [{"url": "/"}]:
        prefix = urlsplit(server["url"]).path.rstrip("/")
        for template, item in document["paths"].items():
            if prefix + template == path:
                return item
    raise LookupError(path)


def _media_type(content: dict[str, Any]) -> Any:
    """The JSON media type, or the wildcard that covers it, as openapi-core's MediaTypeFinder picks it."""
    kind = CONTENT_TYPE.split("/")[0]
    for candidate in (CONTENT_TYPE, f"{kind}/*", "*/*"):
        if candidate in content:
            return content[candidate]
    raise LookupError(CONTENT_TYPE)


def _request_parameters() -> Any:
    from openapi_core.datatypes import RequestParameters

    return RequestParameters()


@dataclass
class BodyRequest:
    """The minimal request openapi-core needs to validate the body of ``POST /v1/ocr``."""

    body: bytes
    host_url: str = HOST_URL
    path: str = PATH
    full_url_pattern: str = HOST_URL + PATH
    method: str = METHOD
    content_type: str = CONTENT_TYPE
    parameters: Any = field(default_factory=_request_parameters)


class ReferenceBodySchema:
    """``OpenAPI.validate_request`` on the body, re-encoded as the JSON openapi-core parses again."""

    def __init__(self, spec: LoadedSpec) -> None:
        self._openapi = spec.openapi

    def errors(self, body: Any) -> list[ValidationError]:
        from openapi_core.validation.request.exceptions import InvalidRequestBody

        # stdlib json, not orjson: it encodes everything the parser accepts (big integers, lone surrogates)
        raw = json.dumps(body).encode()
        try:
            self._openapi.validate_request(BodyRequest(body=raw))
        except InvalidRequestBody as exc:
            errors = getattr(exc.__cause__, "schema_errors", None)
            if not errors:
                raise
            return list(errors)
        return []
