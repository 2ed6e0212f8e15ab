"""Generation ids: ``G-`` followed by a ULID (26 characters of Crockford base32)."""

from __future__ import annotations

import re

from ulid import ULID

GENERATION_ID = re.compile(r"^G-[0-9A-HJKMNP-TV-Z]{26}$")


def new_generation_id() -> str:
    return f"G-{ULID()}"
