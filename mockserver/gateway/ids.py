"""Identifiers: generation ids (``G-`` followed by a 26-character ULID, Crockford base32) and the
SHA-256 digests that name texts without holding a copy of them."""

from __future__ import annotations

import hashlib
import re

from ulid_transform import ulid_now

GENERATION_ID = re.compile(r"^G-[0-9A-HJKMNP-TV-Z]{26}$")
_SLICE = 1 << 16


def new_generation_id() -> str:
    return "G-" + ulid_now()


def sha256_of_text(*parts: str) -> str:
    """sha256 of the parts joined by NUL, UTF-8 encoded (lone surrogates kept), a slice at a time: large
    images are hashed without a copy of them."""
    if sum(map(len, parts)) <= _SLICE:  # most texts: one encode, one update
        return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    digest = hashlib.sha256()
    for index, part in enumerate(parts):
        if index:
            digest.update(b"\x00")
        for start in range(0, len(part), _SLICE):
            digest.update(part[start : start + _SLICE].encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
