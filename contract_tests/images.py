"""Tiny real images made in code, so a live run sends a few hundred bytes of valid PNG or GIF, never a file."""

from __future__ import annotations

import base64
import struct
import zlib

Pixel = tuple[int, int, int]


def png(width: int, height: int, pixels: list[Pixel]) -> bytes:
    """An 8-bit RGB PNG; ``pixels`` is cycled to fill the image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + b"".join(bytes(pixels[(y * width + x) % len(pixels)]) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def gif(width: int, height: int, pixels: list[Pixel]) -> bytes:
    """A GIF89a with a 256-colour table; the LZW stream sends a clear code often enough to stay 9 bits wide."""
    palette = {colour: index for index, colour in enumerate(list(dict.fromkeys(pixels))[:256])}
    table = b"".join(bytes(colour) for colour in palette) + b"\x00" * (3 * (256 - len(palette)))
    indices = [palette.get(pixels[i % len(pixels)], 0) for i in range(width * height)]
    clear, end = 256, 257
    codes: list[int] = []
    for start in range(0, len(indices), 254):
        codes.append(clear)
        codes.extend(indices[start : start + 254])
    codes.append(end)
    bits = 0
    nbits = 0
    stream = bytearray()
    for code in codes:
        bits |= code << nbits
        nbits += 9
        while nbits >= 8:
            stream.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8
    if nbits:
        stream.append(bits & 0xFF)
    blocks = b"".join(bytes([len(stream[i : i + 255])]) + stream[i : i + 255] for i in range(0, len(stream), 255))
    screen = struct.pack("<HHBBB", width, height, 0xF7, 0, 0)
    descriptor = b"," + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return b"GIF89a" + screen + table + descriptor + b"\x08" + blocks + b"\x00;"


MEDIA_TYPES = {"png": "image/png", "gif": "image/gif"}
ENCODERS = {"png": png, "gif": gif}


def data_url(kind: str, data: bytes) -> str:
    return f"data:{MEDIA_TYPES[kind]};base64,{base64.b64encode(data).decode()}"


def bare_base64(data: bytes) -> str:
    return base64.b64encode(data).decode()


TINY_PNG = png(1, 1, [(255, 255, 255)])
