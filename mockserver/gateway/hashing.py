"""SHA-256 of text without a copy of it: large images are hashed a slice at a time."""

from __future__ import annotations

import hashlib

_SLICE = 1 << 16


def sha256_of_text(*parts: str) -> str:
    """sha256 of the parts joined by NUL, UTF-8 encoded (lone surrogates kept), a slice at a time."""
    digest = hashlib.sha256()
    for index, part in enumerate(parts):
        if index:
            digest.update(b"\x00")
        for start in range(0, len(part), _SLICE):
            digest.update(part[start : start + _SLICE].encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
