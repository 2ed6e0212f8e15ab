"""The atheris fuzz target: libFuzzer's bytes become one raw HTTP request to the mock's ASGI app.

Run by ``reliability/fuzz.py`` (``make fuzz``), or directly with libFuzzer flags:
``python -m reliability.fuzz_target -max_total_time=60 CORPUS_DIR``. The mockserver package and the
request-parsing libraries are instrumented, so inputs that reach new code are kept and mutated.
A crash (see ``reliability/oracle.py``) raises, and libFuzzer saves the input as ``crash-<sha1>``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import sys
from typing import Any

import atheris

with atheris.instrument_imports(include=["mockserver", "starlette", "multipart", "python_multipart"]):
    from mockserver.mock import Mock
    from mockserver.resources import fixtures_dir
    from mockserver.settings import Settings
    from mockserver.web.app import create_app

from reliability.oracle import problems
from tests.asgi_driver import RawRequest, RawResponse, call_async

KEY = b"aistats_v1_sk_fuzz01_s3cret"
METHODS = ["POST"] * 12 + ["GET", "OPTIONS", "PUT", "DELETE", "PATCH", "HEAD", "TRACE", "PROPFIND"]
PATHS = [b"/v1/ocr"] * 12 + [
    b"/v1/ocr/", b"/v1/OCR", b"/v1%2Focr", b"/v1/%6Fcr", b"/v1/x/../ocr", b"/", b"/v1/models", b"/v1/ocr?x=1",
    b"/_mock/health", b"/_mock/requests?status=200", b"/_mock/requests?model=mistral/ocr-3&status=4x",
    b"/_mock/scripts", b"/_mock/keys", b"/_mock/scripts/%2e%2e",
]
AUTHS = [b"Bearer " + KEY] * 6 + [
    b"bearer " + KEY, b"Bearer  " + KEY, b"Bearer\t" + KEY, b"Bearer ", b"Bearer", b"Basic eDp5",
    b"Bearer aistats_v1_sk_t\xe9st01_x", b"Bearer aistats_v1_sk_test01_s3cr\xe9t", b"Bearer aistats_v1_sk_ab_x",
]
CONTENT_TYPES = [b"application/json"] * 4 + [
    b"", b"text/plain", b"application/json; charset=utf-16", b"application/x-www-form-urlencoded",
    b"multipart/form-data; boundary=zz", b"multipart/form-data", b"MULTIPART/FORM-DATA; boundary=\"zz\"",
    b"multipart/form-data; boundary=zz; charset=latin-1", b"application/x-www-form-urlencoded; charset=utf-16",
]
KEYS = ["model", "image", "language", "echo_upstream_request", "debug", "provider", "routing", "beta",
        "enabled", "return_upstream_request", "return_upstream_response", "trace", "trace_level",
        "returnUpstreamRequest", "traceLevel", "only", "ignore", "order", "include_alpha", "allow_fallbacks",
        "quantizations", "data_collection", "dataCollection", "enforce_distillable_text", "x"]
_INVOICE = base64.b64encode((fixtures_dir() / "images" / "invoice.png").read_bytes()).decode()
STRINGS = ["mistral/ocr-3", "mistral/ocr-4", "mistral/ocr-2", "deepseek/deepseek-ocr", "openai/gpt-5-nano",
           "  ", "", "mistral", "MISTRAL ", "https://example.com/a.png", "data:image/png;base64,iVBORw0KGgo=",
           "aGk=", _INVOICE, f"data:image/png;base64,{_INVOICE}", "summary", "full", "fr", "\ud800", "\x00"]


def _string(fdp: Any) -> str:
    choice = fdp.ConsumeIntInRange(0, 9)
    if choice < 6:
        return str(fdp.PickValueInList(STRINGS))
    if choice < 9:
        return str(fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 40)))
    times: int = fdp.ConsumeIntInRange(0, 200_000)
    return str(fdp.PickValueInList(["a", "=", "\u00e9"])) * times


def _value(fdp: Any, depth: int) -> Any:
    kind = fdp.ConsumeIntInRange(0, 9 if depth < 6 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.ConsumeBool()
    if kind == 2:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 40))
    if kind == 3:
        return fdp.ConsumeRegularFloat()
    if kind in (4, 5, 6):
        return _string(fdp)
    if kind in (7, 8):
        return {_key(fdp): _value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 5))}
    return [_value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4))]


def _key(fdp: Any) -> str:
    return str(fdp.PickValueInList(KEYS)) if fdp.ConsumeIntInRange(0, 7) else _string(fdp)


def _json_body(fdp: Any) -> bytes:
    document: dict[str, Any] = {"model": _string(fdp), "image": _string(fdp)} if fdp.ConsumeBool() else {}
    for _ in range(fdp.ConsumeIntInRange(0, 6)):
        document[_key(fdp)] = _value(fdp, 1)
    if fdp.ConsumeIntInRange(0, 9) == 0:
        nested = fdp.ConsumeIntInRange(0, 3000)
        document["x"] = "@"
        text = json.dumps(document).replace('"@"', "[" * nested + "]" * nested)
    else:
        text = json.dumps(document, ensure_ascii=fdp.ConsumeBool())
    raw = text.encode("utf-8", "surrogatepass")
    edit = fdp.ConsumeIntInRange(0, 7)
    if edit == 1 and raw:  # truncated
        raw = raw[: fdp.ConsumeIntInRange(0, len(raw) - 1)]
    elif edit == 2 and raw:  # a stray byte
        at = fdp.ConsumeIntInRange(0, len(raw))
        raw = raw[:at] + fdp.ConsumeBytes(1) + raw[at:]
    elif edit == 3:
        raw = b"\xef\xbb\xbf" + raw
    elif edit == 4:
        raw = text.encode("utf-16", "surrogatepass")
    return raw


def _form_body(fdp: Any, content_type: bytes) -> bytes:
    fields = [(_key(fdp), _string(fdp)) for _ in range(fdp.ConsumeIntInRange(0, 5))]
    if b"multipart" not in content_type.lower():
        from urllib.parse import urlencode

        return urlencode(fields, encoding="utf-8", errors="surrogatepass").encode("ascii")
    parts = []
    for name, value in fields:
        filename = b'; filename="a.png"' if fdp.ConsumeIntInRange(0, 4) == 0 else b""
        parts.append(b'--zz\r\nContent-Disposition: form-data; name="' + name.encode("utf-8", "replace") + b'"'
                     + filename + b"\r\n\r\n" + value.encode("utf-8", "replace") + b"\r\n")
    body = b"".join(parts) + (b"--zz--\r\n" if fdp.ConsumeBool() else b"")
    return body


def build_request(data: bytes) -> RawRequest:
    fdp = atheris.FuzzedDataProvider(data)
    method = fdp.PickValueInList(METHODS)
    path = fdp.PickValueInList(PATHS) if fdp.ConsumeIntInRange(0, 15) else b"/" + fdp.ConsumeBytes(12)
    headers: list[tuple[bytes, bytes]] = []
    if fdp.ConsumeIntInRange(0, 9):
        headers.append((b"authorization", fdp.PickValueInList(AUTHS)))
    content_type = fdp.PickValueInList(CONTENT_TYPES)
    if content_type:
        headers.append((b"content-type", content_type))
    for _ in range(fdp.ConsumeIntInRange(0, 2)):
        name = fdp.PickValueInList([b"x-gateway-debug", b"x-app-id", b"content-length", b"x-mock-admin-token"])
        headers.append((name, fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 12))))
    mode = fdp.ConsumeIntInRange(0, 5)
    if mode == 0:
        body = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 400))
    elif mode == 1:
        body = _form_body(fdp, content_type)
    else:
        body = _json_body(fdp)
    pieces = fdp.ConsumeIntInRange(1, 4)
    step = max(1, len(body) // pieces)
    chunks = [body[at : at + step] for at in range(0, len(body), step)]
    return RawRequest(method=method, path=path, headers=headers, chunks=chunks,
                      disconnect=fdp.ConsumeIntInRange(0, 19) == 0)


class Crash(Exception):
    """The mock answered in a way the gateway never would (or not at all)."""


MOCK = Mock(Settings(fixtures=fixtures_dir(), journal_limit=64, max_body_bytes=256 * 1024,
                     gateway_release="2026-07"))  # the oracle (reliability/oracle.py) states the July gateway
APP = create_app(mock=MOCK)
LOOP = asyncio.new_event_loop()
JOURNAL = RawRequest(method="GET", path=b"/_mock/requests", headers=[])
COUNT = [0]


def _run(request: RawRequest) -> RawResponse:
    return LOOP.run_until_complete(asyncio.wait_for(call_async(APP, request), 5.0))


def test_one_input(data: bytes) -> None:
    request = build_request(data)
    response = _run(request)
    found = problems(request, response)
    journal = _run(JOURNAL)  # every answer must also be listable by the admin API
    if journal.status != 200:
        found.append(f"GET /_mock/requests answered {journal.status} after this request")
    if found:
        raise Crash(f"{request!r:.2000}\n -> {found}")
    COUNT[0] += 1
    if COUNT[0] % 5000 == 0:
        MOCK.reset()


def main() -> None:
    logging.disable(logging.CRITICAL)  # python-multipart warns on every broken body; the oracle judges
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
