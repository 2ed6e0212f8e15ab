"""The synthetic images are real images: their bytes decode to the pixels they were made from."""

from __future__ import annotations

import struct
import zlib

from contract_tests.images import gif, png

PIXELS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (9, 9, 9)]


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, size = 8, b"", (0, 0)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        assert struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])[0] == zlib.crc32(kind + body)
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    width, height = size
    rows = zlib.decompress(idat)
    stride = 1 + 3 * width
    pixels = [tuple(rows[y * stride + 1 + 3 * x : y * stride + 4 + 3 * x]) for y in range(height) for x in range(width)]
    return width, height, pixels


def decode_gif(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Enough of a GIF decoder for one image with a global colour table (LZW, variable code width)."""
    assert data[:6] == b"GIF89a"
    width, height, flags = struct.unpack("<HHB", data[6:11])
    table_size = 2 ** ((flags & 7) + 1)
    table = [tuple(data[13 + 3 * i : 16 + 3 * i]) for i in range(table_size)]
    offset = 13 + 3 * table_size
    assert data[offset : offset + 1] == b","
    offset += 10
    min_size = data[offset]
    offset += 1
    stream = b""
    while data[offset]:
        stream += data[offset + 1 : offset + 1 + data[offset]]
        offset += 1 + data[offset]
    clear, end = 1 << min_size, (1 << min_size) + 1
    bits = int.from_bytes(stream, "little")
    position, width_bits, out, codes, previous = 0, min_size + 1, [], {}, None
    while True:
        code = (bits >> position) & ((1 << width_bits) - 1)
        position += width_bits
        if code == clear:
            codes = {i: [i] for i in range(clear)}
            width_bits, previous = min_size + 1, None
            continue
        if code == end:
            break
        entry = codes[code] if code in codes else codes[previous] + codes[previous][:1]  # type: ignore[index]
        if previous is not None:
            codes[len(codes) + 2] = codes[previous] + entry[:1]
        out.extend(entry)
        previous = code
        if len(codes) + 2 == 1 << width_bits and width_bits < 12:
            width_bits += 1
    return width, height, [table[index] for index in out]


def test_png_holds_the_pixels() -> None:
    assert decode_png(png(3, 2, PIXELS)) == (3, 2, [PIXELS[i % 4] for i in range(6)])


def test_gif_holds_the_pixels_even_past_one_clear_code_run() -> None:
    width, height, pixels = decode_gif(gif(20, 20, PIXELS))  # 400 pixels: the stream clears after 254
    assert (width, height) == (20, 20)
    assert pixels == [PIXELS[i % 4] for i in range(400)]
