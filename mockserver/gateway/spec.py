"""The one place the OpenAPI document is loaded (once per process and path).

Parsing is cheap and done at once; openapi-core's ``OpenAPI`` object (which checks the document and is what
``ReferenceBodySchema`` and the rendered-answer check ask) is built on first use, so a mock that only serves
requests never imports openapi-core's spec machinery (see ``CompiledBodySchema``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from mockserver.resources import load_yaml, spec_path


@dataclass(frozen=True)
class LoadedSpec:
    path: Path
    document: dict[str, Any]

    def schema(self, name: str) -> dict[str, Any]:
        schema: dict[str, Any] = self.document["components"]["schemas"][name]
        return schema

    @cached_property
    def openapi(self) -> Any:
        """openapi-core's ``OpenAPI`` for the document, checked by openapi-spec-validator (raises when invalid).

        Request validation covers the body only: the gateway checks auth itself, before the body."""
        from openapi_core import Config, OpenAPI
        from openapi_core.validation.request.validators import V30RequestBodyValidator

        return OpenAPI.from_dict(self.document, config=Config(request_validator_cls=V30RequestBodyValidator))


@cache
def load_spec(path: Path | None = None) -> LoadedSpec:
    """The spec at ``path`` (default: the bundled one), parsed."""
    source = (path or spec_path()).resolve()
    with source.open(encoding="utf-8") as fh:
        document = load_yaml(fh)
    return spec_from_document(document, source)


def spec_from_document(document: dict[str, Any], path: Path) -> LoadedSpec:
    """A spec already read (a release's, patched); ``path`` names where it comes from."""
    return LoadedSpec(path=path, document=document)


@cache
def release_spec(name: str) -> LoadedSpec:
    """The request schema of a gateway release (built once per process)."""
    from mockserver.gateway.release import load_release

    release = load_release(name)
    return spec_from_document(release.openapi, release.openapi_path)
