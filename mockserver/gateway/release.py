"""Gateway releases: which gateway the mock imitates, as data.

A release is a folder ``mockserver/data/releases/<name>/``. Its ``release.yaml`` holds the switches
(key formats, header lists, limits, debug headers, welcome text, success-body shape, messages) over the
base ones of ``data/gateway.yaml``; the request schema, catalog and error table are the base files (the
top-level ``openapi.yaml``,
``data/catalog.yaml``, ``data/errors.yaml``) with the patches of every release on the way applied
(``openapi.patch.yaml``, ``catalog.patch.yaml``, ``errors.patch.yaml``). A release names the one it
changes with ``based_on``; a patch is a JSON Merge Patch (RFC 7386): mappings merge, ``null`` removes a
key, anything else replaces. The one addition: keys a patch names come first, in the patch's order, so
that a patch can state the gateway's field order (the order its schema library reports problems in).

So a later release is a new folder with what changed, and code only for behaviour that is new.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mockserver.resources import data_path, spec_path

DEFAULT_RELEASE = "2026-08"  # what production runs
RELEASE_ENV = "OCR_MOCK_GATEWAY_RELEASE"
RELEASES_DIR = data_path("releases")


class UnknownRelease(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown gateway release {name!r}; known releases: {', '.join(known_releases())}")


def known_releases() -> list[str]:
    return sorted(path.name for path in RELEASES_DIR.iterdir() if (path / "release.yaml").is_file())


def merge_patch(base: Any, patch: Any) -> Any:
    """``patch`` applied to ``base`` (RFC 7386); the patch's keys first, in its order."""
    if not isinstance(patch, dict):
        return patch
    source = base if isinstance(base, dict) else {}
    merged: dict[str, Any] = {}
    for key, value in patch.items():
        if value is not None:
            merged[key] = merge_patch(source.get(key), value)
    for key, value in source.items():
        if key not in patch:
            merged[key] = value
    return merged


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@dataclass(frozen=True)
class Release:
    """One gateway release: its name, switches and documents."""

    name: str
    folder: Path
    settings: dict[str, Any]
    openapi: dict[str, Any]
    openapi_path: Path  # the file the document comes from (the last patch, or the base)
    catalog: dict[str, Any]
    errors: dict[str, Any]
    _switches: dict[tuple[str, ...], Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def get(self, *path: str) -> Any:
        """A switch by its path; None when absent (a later release removes a switch by patching it to null).
        Each path is looked up once: the settings do not change once loaded, and requests ask for the same few."""
        try:
            return self._switches[path]
        except KeyError:
            pass
        value: Any = self.settings
        for step in path:
            value = value.get(step) if isinstance(value, dict) else None
        self._switches[path] = value
        return value

    # The switches, named ------------------------------------------------------------------------

    @property
    def welcome(self) -> str:
        return str(self.settings["welcome"])

    @property
    def cors_headers(self) -> dict[str, str]:
        return {name: " ".join(str(value).split()) for name, value in self.settings["cors_headers"].items()}

    def body_limit(self, multipart: bool) -> int | None:
        """The gateway's own body limit for this content type (None: it had none)."""
        limits = self.settings.get("body_limits")
        if not limits:
            return None
        return int(limits["multipart" if multipart else "default"])



def _chain(name: str) -> list[Path]:
    """The folders from the first release to ``name``."""
    folders: list[Path] = []
    current: str | None = name
    while current is not None:
        folder = RELEASES_DIR / current
        if not (folder / "release.yaml").is_file():
            raise UnknownRelease(current)
        if folder in folders:
            raise ValueError(f"gateway release {name!r}: based_on loops back to {current!r}")
        folders.insert(0, folder)
        current = (_read(folder / "release.yaml") or {}).get("based_on")
    return folders


def release_name(name: str | None = None) -> str:
    """``name``, else the environment's ``OCR_MOCK_GATEWAY_RELEASE``, else the default; checked."""
    name = name or os.environ.get(RELEASE_ENV) or DEFAULT_RELEASE
    if name not in known_releases():
        raise UnknownRelease(name)
    return name


def load_release(name: str | None = None) -> Release:
    """The release ``name`` (None: see ``release_name``), read once per process."""
    return _load(release_name(name))


@cache
def _load(name: str) -> Release:
    folders = _chain(name)
    settings: Any = _read(data_path("gateway.yaml"))  # the base switches (the July gateway's)
    openapi: Any = _read(spec_path())
    openapi_path = spec_path()
    catalog: Any = _read(data_path("catalog.yaml"))
    errors: Any = _read(data_path("errors.yaml"))
    for folder in folders:
        settings = merge_patch(settings, _read(folder / "release.yaml"))
        if (folder / "openapi.patch.yaml").is_file():
            openapi_path = folder / "openapi.patch.yaml"
            openapi = merge_patch(openapi, _read(openapi_path))
        if (folder / "catalog.patch.yaml").is_file():
            catalog = merge_patch(catalog, _read(folder / "catalog.patch.yaml"))
        if (folder / "errors.patch.yaml").is_file():
            errors = merge_patch(errors, _read(folder / "errors.patch.yaml"))
    settings.pop("based_on", None)
    _error_codes_into_schema(openapi, errors)
    return Release(
        name=name,
        folder=folders[-1],
        settings=settings,
        openapi=openapi,
        openapi_path=openapi_path,
        catalog=catalog,
        errors=errors,
    )


def _error_codes_into_schema(openapi: dict[str, Any], errors: dict[str, Any]) -> None:
    """The error envelope's ``error`` enum is the release's error table: its codes, in the document's order, then
    the codes the release adds (one source for the codes, however many releases patch the table)."""
    try:
        codes: list[Any] = openapi["components"]["schemas"]["ErrorResponse"]["properties"]["error"]["enum"]
    except (KeyError, TypeError):
        return
    codes[:] = [code for code in codes if code in errors] + [code for code in errors if code not in codes]
