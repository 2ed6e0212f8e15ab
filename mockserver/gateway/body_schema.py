"""Two ways to ask openapi-core what is wrong with an OCR request body; both yield jsonschema errors.

``CompiledBodySchema`` is the hot path. At start-up it asks openapi-core's own request validator
(the one ``OpenAPI.validate_request`` uses, with its configuration) to find the operation, the JSON
media type and its schema, and to build the schema validator for it, exactly as it does inside every
``validate_request`` call. Per request only that validator runs: no spec traversal, no re-encoding.

``ReferenceBodySchema`` is ``OpenAPI.validate_request`` itself on a minimal request (1-2 ms a call,
mostly spec traversal). It stays as the reference the differential test compares against.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from jsonschema.exceptions import ValidationError
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_core.templating.media_types.finders import MediaTypeFinder
from openapi_core.validation.request.exceptions import InvalidRequestBody

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
    """The body's schema validator, built once by openapi-core from the spec."""

    def __init__(self, spec: LoadedSpec, method: str = METHOD, path: str = PATH) -> None:
        validator = spec.openapi.request_validator
        try:
            operation = validator.path_finder.find(method, HOST_URL + path).operation
            media_type = MediaTypeFinder(operation / "requestBody" / "content").find(CONTENT_TYPE).media_type
        except (OpenAPIError, KeyError) as exc:
            where = f"{method.upper()} {HOST_URL}{path} with a {CONTENT_TYPE} body"
            raise ValueError(f"{spec.path}: the spec has no {where} ({exc!r})") from None
        schema_validator = validator.schema_validators_factory.create(
            validator.spec,
            media_type / "schema",
            format_validators=validator.format_validators,
            extra_format_validators=validator.extra_format_validators,
            forbid_unspecified_additional_properties=validator.forbid_unspecified_additional_properties,
            enforce_properties_required=validator.enforce_properties_required,
        )
        # What ``SchemaValidator.validate`` runs, without the spec lookup it makes to word its exception.
        self._iter_errors = schema_validator.validator.iter_errors

    def errors(self, body: Any) -> list[ValidationError]:
        return list(self._iter_errors(body))


@dataclass
class BodyRequest:
    """The minimal request openapi-core needs to validate the body of ``POST /v1/ocr``."""

    body: bytes
    host_url: str = HOST_URL
    path: str = PATH
    full_url_pattern: str = HOST_URL + PATH
    method: str = METHOD
    content_type: str = CONTENT_TYPE
    parameters: RequestParameters = field(default_factory=RequestParameters)


class ReferenceBodySchema:
    """``OpenAPI.validate_request`` on the body, re-encoded as the JSON openapi-core parses again."""

    def __init__(self, spec: LoadedSpec) -> None:
        self._openapi = spec.openapi

    def errors(self, body: Any) -> list[ValidationError]:
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
