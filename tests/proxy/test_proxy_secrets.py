"""No key is ever written to the disk: not in the log, the recordings, the reports, nor served by the journal.

The target here even echoes the Authorization header it got into its answers (a planted leak), and one proxy
forwards the client's own key while another swaps in its own: every file the run writes is scanned for both.
"""

from __future__ import annotations

import json
import subprocess
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from proxy_helpers import INVOICE, TINY, proxy_process
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.web.app import Settings, create_app
from tests.contract.contract_helpers import serving
from tests.server import OCR_MOCK

PROXY_KEY = "aistats_v1_sk_proxykey9_Sup3rS3cretProxyValue"
CLIENT_KEY = "aistats_v1_sk_clientk7_ClientOwnS3cretValue"
SECRETS = (PROXY_KEY, "Sup3rS3cretProxyValue", CLIENT_KEY, "ClientOwnS3cretValue")


class EchoAuthorization:
    """Puts the request's Authorization into every JSON answer's text (a target that leaks it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        authorization = dict(scope.get("headers", [])).get(b"authorization", b"").decode()
        start: dict[str, Any] = {}

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = dict(message)
                return
            body = message.get("body", b"")
            try:
                document = json.loads(body)
                if isinstance(document, dict) and "text" in document:
                    document["text"] += f" (seen: {authorization})"
                body = json.dumps(document).encode()
            except ValueError:
                pass
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewrite)


def _traffic(url: str) -> str:
    """A few requests with the client's key; returns the journal as served."""
    headers = {"Authorization": f"Bearer {CLIENT_KEY}"}
    with httpx.Client(base_url=url, headers=headers, trust_env=False, timeout=30) as client:
        for body in ({"model": "mistral/ocr-3", "image": INVOICE}, {"model": "mistral/ocr-4", "image": TINY},
                     {"model": "mistral/ocr-3"}):
            client.post("/v1/ocr", json=body)
        client.post("/v1/ocr", content=b"{not json", headers={"Authorization": f"Bearer {CLIENT_KEY}x"})
        return client.get("/_mock/requests").text + client.get("/_mock/deviations").text


def test_no_key_is_ever_written_to_disk(tmp_path: Path) -> None:
    target_app = EchoAuthorization(create_app(Settings(keys=(PROXY_KEY, CLIENT_KEY))))
    runs = {"swapping": (["--api-key-env", "PROXY_KEY_FOR_TEST"], {"PROXY_KEY_FOR_TEST": PROXY_KEY}),
            "passing": ([], {})}
    served = []
    with serving(target_app) as target, ExitStack() as proxies:
        urls = {name: proxies.enter_context(proxy_process(
                    "--target", target, "--record", str(tmp_path / name / "recordings"), "--record-images",
                    "--log-level", "debug", *args, env=env, log=tmp_path / name / "proxy.log"))
                for name, (args, env) in runs.items()}
        served = [_traffic(url) for url in urls.values()]
        reports = [subprocess.Popen(
            [str(OCR_MOCK), "deviations", "--url", url, "--junit-xml", str(tmp_path / name / "junit.xml"),
             "--report", str(tmp_path / name / "report.html")],
            stdout=(tmp_path / name / "deviations.out").open("w"), stderr=subprocess.STDOUT)
            for name, url in urls.items()]
        assert [report.wait(timeout=60) for report in reports] == [0, 0]
    for name in runs:
        assert list((tmp_path / name / "recordings").glob("*.yaml")), "nothing recorded: the scan would prove little"

    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert len(written) >= 10
    leaks = [(path.relative_to(tmp_path), secret) for path in written for secret in SECRETS
             if secret.encode() in path.read_bytes()]
    assert leaks == []
    assert all(secret not in text for text in served for secret in SECRETS)
    assert "[REDACTED]" in (tmp_path / "swapping" / "recordings" / "mistral-ocr-3.yaml").read_text()
