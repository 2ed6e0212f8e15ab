"""What one proxy runs with, and where its key comes from (an environment variable, never an argument)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from mockserver.settings import DEFAULT_JOURNAL_LIMIT, DEFAULT_MAX_BODY_BYTES

DEFAULT_TARGET_TIMEOUT_S = 60.0

if TYPE_CHECKING:  # contract_tests.safety loads schemathesis: not for `ocr-mock serve`
    from contract_tests.safety import Target


class RecordMode(StrEnum):
    ONCE = "once"  # the same request twice is recorded once
    ALL = "all"  # every answer is kept; repeats become a sequence


@dataclass(frozen=True)
class ProxyConfig:
    target: Target
    api_key: str | None = None  # replaces a client's well-formed bearer key; None: forward the client's
    record_dir: Path | None = None
    record_mode: RecordMode = RecordMode.ONCE
    record_images: bool = False
    target_timeout_s: float = DEFAULT_TARGET_TIMEOUT_S
    budget_usd: Decimal | None = None
    release: str | None = None  # the gateway release to check against (None: OCR_MOCK_GATEWAY_RELEASE, else the newest)
    journal_limit: int = DEFAULT_JOURNAL_LIMIT
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    admin_token: str | None = None

    @property
    def target_url(self) -> str:
        assert self.target.url is not None
        return self.target.url

    def secrets(self) -> list[str]:
        return [value for value in (self.api_key, self.admin_token) if value]


def key_from_env(name: str | None) -> str | None:
    """The key the environment variable ``name`` holds; ValueError naming the variable (never the value)."""
    if not name:
        return None
    key = os.environ.get(name, "").strip()
    if not key:
        raise ValueError(f"--api-key-env {name}: that environment variable is empty or not set")
    return key
