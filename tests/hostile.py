"""The hostile corpus (``tests/data/hostile/*.yaml``, format in its README): cases, and the requests
they describe, for the in-process ASGI driver and for a raw socket."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.asgi_driver import RawRequest
from tests.helpers import KEY

CORPUS = Path(__file__).resolve().parent / "data" / "hostile"
DEFAULT_AUTH = "Bearer {KEY}"
DEFAULT_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Case:
    id: str
    spec: dict[str, Any]
    expect: dict[str, Any] = field(default_factory=dict)

    @property
    def socket(self) -> bool:
        return self.spec.get("transport") == "socket"

    @property
    def settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = self.spec.get("settings", {})
        return settings


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CORPUS.glob("*.yaml")):
        for spec in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            cases.append(Case(f"{path.stem}/{spec['id']}", spec, spec.get("expect", {})))
    return cases


def _with_key(text: str) -> str:
    return text.replace("{KEY}", KEY)


def piece_bytes(piece: Any) -> bytes:
    """One piece of a body, path or header value (see the README)."""
    if isinstance(piece, list):
        return b"".join(piece_bytes(part) for part in piece)
    if isinstance(piece, str):
        return _with_key(piece).encode("utf-8")
    if "latin1" in piece:
        return _with_key(piece["latin1"]).encode("latin-1")
    if "repeat" in piece:
        return str(piece["repeat"]).encode("utf-8") * int(piece["times"])
    if "codec" in piece:
        return str(piece["text"]).encode(piece["codec"])
    raise ValueError(f"unknown piece {piece!r}")


def _latin1(value: Any) -> bytes:
    """A header value or path as sent on the wire: text is latin-1 (``\\xe9`` is one byte)."""
    if isinstance(value, str):
        return _with_key(value).encode("latin-1")
    return piece_bytes(value)


def headers_of(spec: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    headers: list[tuple[bytes, bytes]] = []
    auth = spec.get("auth", DEFAULT_AUTH)
    if auth is not None:
        headers.append((b"authorization", _latin1(auth)))
    content_type = spec.get("content_type", DEFAULT_CONTENT_TYPE)
    if content_type is not None:
        headers.append((b"content-type", content_type.encode("latin-1")))
    headers += [(name.encode("latin-1"), _latin1(value)) for name, value in spec.get("headers", [])]
    many = spec.get("many_headers")
    if many:
        value = b"v" * int(many["size"])
        headers += [(b"x-h%d" % index, value) for index in range(int(many["count"]))]
    return headers


def chunks_of(spec: dict[str, Any]) -> list[bytes]:
    if "chunks" in spec:
        return [piece_bytes(chunk) for chunk in spec["chunks"]]
    body = piece_bytes(spec.get("body", ""))
    return [body] if body else []


def raw_request(case: Case) -> RawRequest:
    spec = case.spec
    return RawRequest(
        method=spec.get("method", "POST"),
        path=_latin1(spec.get("path", "/v1/ocr")),
        headers=headers_of(spec),
        chunks=chunks_of(spec),
        disconnect=bool(spec.get("disconnect", False)),
    )


def wire_bytes(case: Case) -> bytes:
    """The request as bytes on a socket: ``raw`` as written, or built with Content-Length or chunked."""
    spec = case.spec
    if "raw" in spec:
        return _latin1(spec["raw"])
    request = raw_request(case)
    lines = [request.method.encode("ascii") + b" " + request.path + b" HTTP/1.1", b"Host: mock"]
    lines += [name + b": " + value for name, value in request.headers]
    if "chunks" in spec:
        lines.append(b"Transfer-Encoding: chunked")
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in request.chunks)
        if not request.disconnect:
            body += b"0\r\n\r\n"
    else:
        body = b"".join(request.chunks)
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
