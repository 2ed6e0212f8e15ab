"""The one place the OpenAPI document is loaded (once per process and path)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.validation.request.validators import V30RequestBodyValidator

from mockserver.resources import spec_path


@dataclass(frozen=True)
class LoadedSpec:
    path: Path
    document: dict[str, Any]
    openapi: Any  # openapi_core.OpenAPI

    def schema(self, name: str) -> dict[str, Any]:
        schema: dict[str, Any] = self.document["components"]["schemas"][name]
        return schema


_BODY_ONLY = Config(request_validator_cls=V30RequestBodyValidator)


@cache
def load_spec(path: Path | None = None) -> LoadedSpec:
    """The spec at ``path`` (default: the bundled one), parsed and checked by openapi-core.

    Request validation covers the body only: the gateway checks auth itself, before the body.
    """
    source = (path or spec_path()).resolve()
    with source.open(encoding="utf-8") as fh:
        document = yaml.safe_load(fh)
    return spec_from_document(document, source)


def spec_from_document(document: dict[str, Any], path: Path) -> LoadedSpec:
    """A spec already read (a release's, patched); ``path`` names where it comes from."""
    return LoadedSpec(path=path, document=document, openapi=OpenAPI.from_dict(document, config=_BODY_ONLY))


@cache
def release_spec(name: str) -> LoadedSpec:
    """The request schema of a gateway release (built once per process)."""
    from mockserver.gateway.release import load_release

    release = load_release(name)
    return spec_from_document(release.openapi, release.openapi_path)
