"""Generation ids: ``G-`` followed by a ULID (26 characters of Crockford base32)."""

from __future__ import annotations

import re

from ulid_transform import ulid_now

GENERATION_ID = re.compile(r"^G-[0-9A-HJKMNP-TV-Z]{26}$")


def new_generation_id() -> str:
    return "G-" + ulid_now()
