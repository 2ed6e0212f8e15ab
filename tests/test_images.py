"""The image field: what is sent upstream, its decoded bytes, and its size counted without decoding."""

from __future__ import annotations

import base64
import hashlib

from hypothesis import given
from hypothesis import strategies as st

from mockserver.gateway.images import comparable_size, decoded_size, image_as_sent, image_bytes, image_digest


def test_bare_base64_is_sent_as_a_jpeg_data_url() -> None:
    assert image_as_sent("aGk=") == "data:image/jpeg;base64,aGk="
    assert image_as_sent("https://x/a.png") == "https://x/a.png"
    assert image_as_sent("data:image/png;base64,aGk=") == "data:image/png;base64,aGk="


@given(
    data=st.binary(max_size=300),
    form=st.sampled_from(["bare", "data-url", "wrapped", "spaced-data-url"]),
    width=st.integers(min_value=1, max_value=80),
)
def test_decoded_size_is_the_length_of_the_decoded_bytes(data: bytes, form: str, width: int) -> None:
    encoded = base64.b64encode(data).decode()
    wrapped = "\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))
    image = {
        "bare": encoded,
        "data-url": f"data:image/png;base64,{encoded}",
        "wrapped": wrapped,
        "spaced-data-url": f"data:application/pdf;base64,{wrapped.replace(chr(10), ' ')}",
    }[form]
    assert image_bytes(image) == data
    assert decoded_size(image) == len(data)


def test_urls_have_no_bytes_and_plain_data_urls_are_their_text() -> None:
    assert image_bytes("http://example.com/a.png") is None and decoded_size("http://example.com/a.png") is None
    assert image_bytes("data:text/plain,héllo") == "héllo".encode()
    assert decoded_size("data:text/plain,héllo") == len("héllo".encode())


def _plain_digest(image: str) -> tuple[str, bytes] | None:
    data = image_bytes(image)
    return None if data is None else (hashlib.sha256(data).hexdigest(), data[:16])


@given(
    data=st.binary(max_size=2_000), width=st.sampled_from([0, 3, 76]), prefix=st.sampled_from(["", "data:x;base64,"])
)
def test_the_streamed_digest_is_that_of_the_decoded_bytes(data: bytes, width: int, prefix: str) -> None:
    encoded = base64.b64encode(data).decode()
    if width:
        encoded = "\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))
    image = prefix + encoded
    assert image_digest(image) == _plain_digest(image) == (hashlib.sha256(data).hexdigest(), data[:16])


@given(st.text(max_size=300))
def test_the_streamed_digest_agrees_on_any_text(text: str) -> None:
    for image in (text, "data:image/png;base64," + text, "data:text/plain," + text):
        assert image_digest(image) == _plain_digest(image)


def test_the_streamed_digest_of_an_image_spanning_many_slices() -> None:
    data = bytes(range(256)) * 3_000  # 768 kB: about a million base64 characters, sixteen slices
    encoded = base64.b64encode(data).decode()
    wrapped = "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    for image in (encoded, "data:image/png;base64," + wrapped):
        assert image_digest(image) == (hashlib.sha256(data).hexdigest(), data[:16])


_BASE64ISH = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \n-_.\u00e9",
                     max_size=24)


@given(payload=_BASE64ISH, header=st.sampled_from(["", "data:image/png;base64,", "data:;base64,", "data:text/plain,"]))
def test_a_comparable_size_is_the_size_of_the_bytes_a_script_digests(payload: str, header: str) -> None:
    """A script's image is told apart by its size before its SHA-256 (scripting/matching.py): that holds only if
    ``comparable_size`` is the length of the bytes the digest is taken of, whenever it gives one."""
    image = header + payload
    decoded = image_bytes(image)
    size = comparable_size(image)
    if size is not None and decoded is not None:
        assert size == len(decoded)


def test_padding_before_the_end_has_no_comparable_size() -> None:
    """``QQ==QUFB`` decodes to 1 byte though it has 6 symbols: its size says nothing about its digest."""
    assert (comparable_size("QQ==QUFB"), len(image_bytes("QQ==QUFB") or b"")) == (None, 1)
    assert comparable_size("QUFB QUFB\n") == 6
