"""``ocr-mock serve``: a real uvicorn server on a real socket, its log, and a clean SIGTERM."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.helpers import CORS, KEY, TINY_PNG_B64
from tests.server import serve


def test_answers_over_a_real_socket_and_logs_one_line_per_request() -> None:
    with serve() as server, httpx.Client(base_url=server.url) as http:
        ok = http.post("/v1/ocr", json={"model": "mistral/ocr-3", "image": TINY_PNG_B64},
                       headers={"Authorization": f"Bearer {KEY}"})
        assert ok.status_code == 200
        assert ok.json()["model"] == "mistral-ocr-2512"
        assert ok.headers["access-control-allow-origin"] == CORS["access-control-allow-origin"]
        bad = http.post("/v1/ocr", content=b"{", headers={"Authorization": f"Bearer {KEY}"})
        assert bad.status_code == 400
        assert bad.json()["error"] == "invalid_json"
        missing = http.get("/v1/nothing")
        assert (missing.status_code, missing.text) == (404, "404 Not Found")
        time.sleep(0.2)
        assert server.stop() == 0
    log = server.log
    assert "POST /v1/ocr 200" in log and "model=mistral/ocr-3" in log
    assert "POST /v1/ocr 400" in log
    assert "GET /v1/nothing 404" in log
    assert KEY not in log
    assert "s3cret" not in log


def test_configuration_by_environment(tmp_path: Path) -> None:
    keys = tmp_path / "keys.yaml"
    keys.write_text("keys:\n  - key: aistats_v1_sk_envkey01_secret\n")
    with serve(env={"OCR_MOCK_KEYS": str(keys)}) as server, httpx.Client(base_url=server.url) as http:
        known = http.post("/v1/ocr", json={"model": "mistral/ocr-3", "image": "x"},
                          headers={"Authorization": "Bearer aistats_v1_sk_envkey01_secret"})
        assert known.status_code == 200
        unknown = http.post("/v1/ocr", json={"model": "mistral/ocr-3", "image": "x"},
                            headers={"Authorization": f"Bearer {KEY}"})
        assert unknown.json()["description"] == "key_not_found_or_revoked"


def test_sigterm_shuts_down_cleanly_with_status_0() -> None:
    with serve() as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/").status_code == 200
        assert server.stop() == 0
    assert "Finished server process" in server.log


def test_a_bad_keys_file_stops_serve_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    import subprocess

    from tests.server import OCR_MOCK

    keys = tmp_path / "keys.yaml"
    keys.write_text("keys:\n  - key: not-a-gateway-key\n")
    result = subprocess.run([str(OCR_MOCK), "serve", "--port", "0", "--keys", str(keys)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "keys[0]" in result.stderr and "not a gateway key" in result.stderr
    assert "Traceback" not in result.stderr
