"""The media type of an image from its first bytes (the formats a gateway client sends)."""

from __future__ import annotations

# (prefix, offset, media type); WebP is RIFF....WEBP
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"%PDF-", 0, "application/pdf"),
)


def sniff_media_type(data: bytes) -> str | None:
    for prefix, offset, media_type in _SIGNATURES:
        if data[offset : offset + len(prefix)] == prefix:
            if media_type == "image/webp" and data[:4] != b"RIFF":
                continue
            return media_type
    return None
