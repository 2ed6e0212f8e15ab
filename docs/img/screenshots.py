"""Remake the two screenshots of docs/pytest.md ("Which outcomes did the suite meet?"): run a small suite with
the plugin, render the end of its terminal output as an HTML page, and photograph that page and the HTML
outcome report with headless Chromium (Debian's ``chromium`` package).

    .venv/bin/python docs/img/screenshots.py
"""

from __future__ import annotations

import html
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUITE = '''
import httpx
import pytest

BODY = {"model": "mistral/ocr-3", "image": "https://example.com/invoice.png"}


def test_reads_an_invoice(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="INVOICE 1")
    with ocr_gateway.httpx_client(in_process=True) as client:
        assert client.post("/ocr", json=BODY).status_code == 200


def test_reads_with_debug_on(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="INVOICE 1")
    with ocr_gateway.httpx_client(in_process=True) as client:
        assert client.post("/ocr", json={**BODY, "debug": {"enabled": True}}).status_code == 200


def test_a_malformed_key(ocr_gateway):
    with ocr_gateway.httpx_client(in_process=True, headers={"Authorization": "Bearer nope"}) as client:
        assert client.post("/ocr", json=BODY).status_code == 401


def test_the_provider_is_down(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", upstream=503, times=2)
    with ocr_gateway.httpx_client(in_process=True) as client:
        assert [client.post("/ocr", json=BODY).status_code for _ in range(2)] == [502, 502]


@pytest.mark.ocr_gateway(fixtures="scenarios")
def test_out_of_credit(ocr_gateway):
    with ocr_gateway.httpx_client() as client:
        assert client.post("/ocr", json=BODY).status_code == 402


def test_the_connection_drops(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-4", text="x", fault="drop")
    with ocr_gateway.httpx_client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.post("/ocr", json={**BODY, "model": "mistral/ocr-4"})
'''
SCENARIO = "scripts:\n  - {id: broke, model: mistral/ocr-3, error: {code: insufficient_funds}}\n"
TERMINAL = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body{{margin:0;background:#1e1f29;color:#e6e6e6}}
pre{{font:14px/1.35 "DejaVu Sans Mono",monospace;margin:0;padding:16px 20px}}
.sep{{color:#8be9fd;font-weight:bold}} .fail{{color:#ff6b6b;font-weight:bold}} .ok{{color:#50fa7b}}
</style></head><body><pre>{lines}</pre></body></html>"""


def terminal_page(output: str) -> str:
    start = output.index("test_app.py")
    lines = []
    for line in output[start:].splitlines():
        text = html.escape(line)
        if line.startswith("="):
            text = f'<span class="sep">{text}</span>'
        elif line.startswith("FAIL"):
            text = f'<span class="fail">{text}</span>'
        elif line.startswith("test_app.py"):
            text = text.replace("......", '<span class="ok">......</span>')
        lines.append(text)
    return TERMINAL.format(lines="\n".join(lines))


def screenshot(page: Path, png: Path, size: str) -> None:
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--no-first-run", "--hide-scrollbars", f"--window-size={size}", f"--screenshot={png}",
                    page.as_uri()], check=True, capture_output=True, timeout=120)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        (work / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
        (work / "test_app.py").write_text(SUITE)
        (work / "scenarios").mkdir()
        (work / "scenarios" / "broke.yaml").write_text(SCENARIO)
        run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--ocr-gateway-coverage=term",
                              f"--ocr-gateway-coverage=html:{work / 'outcomes.html'}",
                              "--ocr-gateway-coverage-fail-under=50"],
                             cwd=work, capture_output=True, text=True, timeout=300)
        output = run.stdout.replace(str(work) + "/", "")
        (work / "terminal.html").write_text(terminal_page(output))
        screenshot(work / "terminal.html", HERE / "outcomes-terminal.png", "900,900")
        screenshot(work / "outcomes.html", HERE / "outcomes-report.png", "1100,1160")


if __name__ == "__main__":
    main()
