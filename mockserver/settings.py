"""Everything one mock instance is configured with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_JOURNAL_LIMIT = 10_000
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024  # generous: the later gateway refuses above 16 MiB


@dataclass(frozen=True)
class Settings:
    spec: Path | None = None  # default: the bundled openapi.yaml
    catalog: Path | None = None  # default: the bundled catalog
    keys_file: Path | None = None  # listed keys; with keys_file or keys, unlisted keys are refused
    keys: tuple[str, ...] = field(default_factory=tuple)
    fixtures: Path | None = None  # None: no fixture files (the built-in default answers)
    journal_limit: int = DEFAULT_JOURNAL_LIMIT
    admin_token: str | None = None  # required on /_mock/ when set
    state_file: Path | None = None  # shared SQLite state (``--workers``); None: in memory, one process
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # a ceiling: larger bodies get 413 payload_too_large
    gateway_release: str | None = None  # None: env OCR_MOCK_GATEWAY_RELEASE, else the newest (2026-08)
