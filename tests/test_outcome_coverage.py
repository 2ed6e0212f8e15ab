"""``GET /_mock/coverage``: the outcome catalogue derived from the catalog and the error table, each answered
request counted under its outcomes, over a real socket, across ``--workers 2``, and printed by
``ocr-mock coverage``."""

from __future__ import annotations

import base64
import concurrent.futures
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver.gateway.outcomes import OTHER_MODEL
from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.state.coverage import CoverageKey, MemoryCoverageStore
from mockserver.state.sqlite.coverage import SqliteCoverageStore
from mockserver.state.sqlite.database import SharedDatabase
from mockserver.web.app import create_app
from mockserver.web.faults import DroppedConnection
from tests.helpers import AUTH, KEY
from tests.server import OCR_MOCK, RunningServer, serve

BODY = {"model": "mistral/ocr-3", "image": "https://example.com/invoice.png"}

# The catalogue of the bundled release, as the issue lists it: a success per served model, the debug
# variants, each error code (401 per reason, the unsupported-model variants, the upstream renderings), faults.
CATALOGUE = [
    ("success", "mistral/ocr-3"), ("success", "mistral/ocr-4"),
    ("success.debug.meta_routing", None), ("success.debug.routing_diagnostics", None),
    ("success.debug.upstream_request", None), ("success.debug.upstream_response", None),
    ("error.unauthorised.missing_or_invalid_authorization_header", None),
    ("error.unauthorised.Invalid JWT format", None), ("error.unauthorised.oauth_authentication_failed", None),
    ("error.unauthorised.Missing kid in JWT header", None), ("error.unauthorised.Public key not found in JWKS", None),
    ("error.unauthorised.invalid_key_format", None), ("error.unauthorised.key_not_found_or_revoked", None),
    ("error.unauthorised.key_expired", None), ("error.unauthorised.invalid_secret", None),
    ("error.unauthorised.requires_internal_token", None),
    ("error.payload_too_large", None), ("error.invalid_json", None), ("error.validation_error", None),
    ("error.model_required", None), ("error.key_limit_exceeded", None),
    ("error.unsupported_model_or_endpoint.model_not_found_or_inactive", None),
    ("error.unsupported_model_or_endpoint.unsupported_endpoint_for_model", None),
    ("error.unsupported_model_or_endpoint.no_enabled_providers", None),
    ("error.unsupported_model_or_endpoint.pricing_not_configured", None),
    ("error.insufficient_funds", None), ("error.upstream_error", None), ("error.provider_payment_required", None),
    ("error.gateway_error", None), ("error.pipeline_execution_error", None),
    ("fault.drop", None), ("fault.truncate", None), ("fault.dribble", None),
]


def rows(document: dict[str, Any]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(row["outcome"], row["model"]): row for row in document["outcomes"]}


def test_the_catalogue_is_derived_from_the_catalog_and_the_error_table() -> None:
    mock = Mock()
    assert [entry.key for entry in mock.outcomes] == CATALOGUE
    groups = {entry.outcome: entry.group for entry in mock.outcomes}
    assert groups["error.upstream_error"] == groups["error.provider_payment_required"] == "upstream"
    assert groups["error.unsupported_model_or_endpoint.pricing_not_configured"] == "unsupported_model_or_endpoint"
    assert groups["error.unauthorised.key_expired"] == "unauthorised"
    assert groups["error.invalid_json"] == "error"


def test_a_catalog_with_another_ocr_model_adds_its_success(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("ocr_executors: [mistral]\nmodels:\n  acme/ocr-9:\n    providers:\n      mistral: "
                       "{endpoints: [ocr], upstream_model: acme-9, usd_per_1000_pages: '1'}\n")
    mock = Mock(Settings(catalog=catalog))
    assert [entry.key for entry in mock.outcomes if entry.group == "success"] == [("success", "acme/ocr-9")]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


CLAIMS = _b64('{"user_id":"u","workspace_id":"w","client_id":"c"}')


def every_outcome(client: TestClient, mock: Mock) -> None:
    """One request for each outcome of the catalogue (so a catalogue entry nothing can produce shows here)."""
    mock.keyring.put([{"key": "aistats_v1_sk_expire1_x", "expired": True},
                      {"key": "aistats_v1_sk_blockd1_x", "soft_blocked": True},
                      {"key": "aistats_v1_sk_nowall1_x", "wallet": "missing"}])
    for spec in ({"model": "mistral/ocr-3", "upstream": {"status": 503}, "times": 1},
                 {"model": "mistral/ocr-3", "upstream": {"status": 402}, "times": 1},
                 {"model": "mistral/ocr-3", "error": {"code": "gateway_error", "description": "boom"}, "times": 1},
                 {"model": "mistral/ocr-3", "error": {"code": "pipeline_execution_error", "description": "x"},
                  "times": 1},
                 {"model": "mistral/ocr-3", "text": "x", "fault": "drop", "times": 1},
                 {"model": "mistral/ocr-3", "text": "x", "fault": {"type": "truncate", "keep_bytes": 5}, "times": 1},
                 {"model": "mistral/ocr-3", "text": "x", "fault": {"type": "dribble", "chunk_bytes": 4000,
                                                                    "interval_ms": 1}, "times": 1}):
        mock.engine.add(spec)

    def post(body: Any = BODY, key: str | None = KEY, **kw: Any) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        try:
            if isinstance(body, bytes):
                client.post("/v1/ocr", content=body, headers={**headers, "content-type": "application/json"})
            else:
                client.post("/v1/ocr", json=body, headers={**headers, **kw.get("headers", {})})
        except DroppedConnection:  # in process, a drop or truncation raises into the client
            pass

    for _ in range(7):  # the seven scripts above, in their order
        post()
    post(key=None)
    for header, payload in (("!", CLAIMS), ("bnVsbA", CLAIMS), ("e30", CLAIMS), ('{"kid":"k"}', CLAIMS)):
        post(key=f"{_b64(header) if header.startswith('{') else header}.{payload}.signature")  # JWT-shaped
    post(key="nope")
    post(key="aistats_v1_sk_unknown1_x")
    post(key="aistats_v1_sk_expire1_x")
    post(key=KEY.replace("s3cret", "wrong"))
    post(b"{" + b" " * 600 + b"}")
    post(b"{")
    post({"model": 1, "image": "x"})
    post({**BODY, "model": "  "})
    post(key="aistats_v1_sk_blockd1_x")
    for model in ("nope/none", "openai/gpt-5", "deepseek/deepseek-ocr", "mistral/ocr-2"):
        post({**BODY, "model": model})
    post(key="aistats_v1_sk_nowall1_x")
    post({**BODY, "model": "mistral/ocr-4"})
    post({**BODY, "echo_upstream_request": True})
    post({**BODY, "debug": {"return_upstream_response": True}})
    post(headers={"x-gateway-debug": "true"})
    post(headers={"x-aistats-testing-mode": "true"})


def test_every_outcome_of_the_catalogue_can_be_met_and_is_counted_under_it() -> None:
    mock = Mock(Settings(keys=(KEY,), max_body_bytes=500))
    with TestClient(create_app(mock=mock)) as client:
        every_outcome(client, mock)
    document = mock.coverage.document()
    assert [key for key, row in rows(document).items() if not row["count"]] == []
    assert document["uncatalogued"] == []
    assert (document["covered"], document["total"], document["percent"]) == (len(CATALOGUE), len(CATALOGUE), 100.0)
    assert document["requests"] == 31  # one per post() above


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve("--no-fixtures") as running:
        yield running


def test_the_endpoint_counts_over_a_real_socket_with_model_and_script(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as http:
        assert http.post("/_mock/reset").status_code == 200
        http.post("/_mock/scripts", json={"id": "down", "model": "mistral/ocr-3", "upstream": {"status": 503}})
        for _ in range(3):
            assert http.post("/v1/ocr", json=BODY, headers=AUTH).status_code == 502
        assert http.post("/v1/ocr", json={**BODY, "model": "mistral/ocr-4", "debug": {"enabled": True}},
                         headers=AUTH).status_code == 200
        assert http.post("/v1/ocr", json={**BODY, "model": "acme/unknown"}, headers=AUTH).status_code == 400
        assert http.post("/v1/ocr", json=BODY).status_code == 401
        document = http.get("/_mock/coverage").json()
    got = rows(document)
    assert got[("error.upstream_error", None)] | {"label": None} == {
        "outcome": "error.upstream_error", "model": None, "group": "upstream", "label": None, "status": 502,
        "count": 3, "models": {"mistral/ocr-3": 3}, "answered_by": {"script": 3},
        "producers": [{"answered_by": "script", "script": "down", "source": "runtime", "model": "mistral/ocr-3",
                       "count": 3}]}
    assert got[("success", "mistral/ocr-4")]["answered_by"] == {"builtin": 1}
    assert got[("success.debug.meta_routing", None)]["count"] == 1
    assert got[("error.unsupported_model_or_endpoint.model_not_found_or_inactive", None)]["models"] == {
        OTHER_MODEL: 1}
    assert got[("error.unauthorised.missing_or_invalid_authorization_header", None)]["answered_by"] == {"gateway": 1}
    assert (document["requests"], document["covered"]) == (6, 6)  # debug: meta.routing and routing_diagnostics


def test_reset_clears_the_counts_unless_asked_to_keep_them(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as http:
        http.post("/_mock/reset")
        http.post("/v1/ocr", json=BODY, headers=AUTH)
        assert http.post("/_mock/reset?keep_coverage=true").status_code == 200
        assert http.get("/_mock/coverage").json()["requests"] == 1
        assert http.post("/_mock/reset?keep_coverage=maybe").status_code == 400
        assert http.post("/_mock/reset").status_code == 200
        assert http.get("/_mock/coverage").json()["requests"] == 0


def test_the_cli_prints_the_table_of_a_running_mock(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as http:
        http.post("/_mock/reset")
        http.post("/v1/ocr", json=BODY, headers=AUTH)
        http.post("/v1/ocr", json=BODY, headers=AUTH)
        http.post("/v1/ocr", json=BODY)
    result = subprocess.run([str(OCR_MOCK), "coverage", "--target", server.url, "--fail-under", "50"],
                            capture_output=True, text=True, timeout=60)
    lines = result.stdout.splitlines()
    width = len("401 unauthorised: missing_or_invalid_authorization_header")
    assert lines[:4] == [
        f"{'outcome':<{width}}  requests",
        f"{'200 success mistral/ocr-3':<{width}}         2",
        f"{'401 unauthorised: missing_or_invalid_authorization_header':<{width}}         1",
        f"outcomes met: 2 of {len(CATALOGUE)} ({100 * 2 / len(CATALOGUE):.1f}%)",
    ]
    assert lines[4] == f"outcomes no request met ({len(CATALOGUE) - 2}):"
    assert "  connection fault: dribble" in lines
    assert result.returncode == 2 and "FAIL Required OCR gateway outcome coverage of 50%" in result.stderr


def test_the_counts_are_shared_by_two_workers_over_one_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    SharedDatabase(state).wipe()
    first, second = (Mock(Settings(state_file=state)) for _ in range(2))
    with TestClient(create_app(mock=first)) as one, TestClient(create_app(mock=second)) as two:
        one.post("/v1/ocr", json=BODY, headers=AUTH)
        two.post("/v1/ocr", json=BODY, headers=AUTH)
        two.post("/v1/ocr", json=BODY)
        assert one.get("/_mock/coverage").json() == two.get("/_mock/coverage").json()
        assert rows(one.get("/_mock/coverage").json())[("success", "mistral/ocr-3")]["count"] == 2
        two.post("/_mock/reset")
        assert one.get("/_mock/coverage").json()["requests"] == 0


def test_the_endpoint_counts_every_request_across_two_worker_processes() -> None:
    requests = 40
    with serve("--workers", "2", "--no-fixtures") as server:

        def fresh(method: str, path: str, **kw: Any) -> httpx.Response:
            with httpx.Client(base_url=server.url) as http:  # a connection of its own: any worker may answer
                return http.request(method, path, **kw)

        assert fresh("POST", "/_mock/reset").status_code == 200
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda i: fresh("POST", "/v1/ocr", json=BODY, headers=AUTH if i % 2 else {})
                                     .status_code, range(requests)))
        assert sorted(statuses) == [200] * (requests // 2) + [401] * (requests // 2)
        for _ in range(6):  # whichever worker answers, it reports every worker's requests
            document = fresh("GET", "/_mock/coverage").json()
            got = rows(document)
            assert document["requests"] == requests
            assert got[("success", "mistral/ocr-3")]["count"] == requests // 2
        server.stop()


@pytest.mark.parametrize("store", [MemoryCoverageStore, "sqlite"])
def test_a_coverage_store_adds_counts_and_clears(store: Any, tmp_path: Path) -> None:
    counts = SqliteCoverageStore(SharedDatabase(tmp_path / "s.sqlite3")) if store == "sqlite" else store()
    key = CoverageKey("success", "mistral/ocr-3", "script", "s1", "a.yaml")
    other = CoverageKey("fault.drop", "mistral/ocr-3", "builtin", "", "")
    counts.add([key])
    counts.add([key, other])
    assert counts.counts() == {key: 2, other: 1}
    counts.clear()
    assert counts.counts() == {}


def test_the_document_has_the_shape_the_admin_openapi_describes(server: RunningServer) -> None:
    import yaml

    from mockserver.resources import data_path

    schemas = yaml.safe_load(data_path("admin-openapi.yaml").read_text())["components"]["schemas"]
    with httpx.Client(base_url=server.url) as http:
        http.post("/_mock/reset")
        http.post("/_mock/scripts", json={"id": "once", "model": "mistral/ocr-3", "text": "x", "times": 1})
        http.post("/v1/ocr", json=BODY, headers=AUTH)
        document = http.get("/_mock/coverage").json()
    assert set(document) == set(schemas["Coverage"]["properties"]) == set(schemas["Coverage"]["required"])
    row = rows(document)[("success", "mistral/ocr-3")]
    assert set(row) == set(schemas["OutcomeCount"]["properties"]) == set(schemas["OutcomeCount"]["required"])
    assert set(row["producers"][0]) == set(schemas["OutcomeCount"]["properties"]["producers"]["items"]["properties"])


def test_an_error_variant_the_table_does_not_list_is_counted_outside_the_catalogue() -> None:
    mock = Mock()
    mock.engine.add({"model": "mistral/ocr-3", "error": {"code": "unauthorised", "description": "team_suspended"}})
    with TestClient(create_app(mock=mock)) as client:
        assert client.post("/v1/ocr", json=BODY, headers=AUTH).status_code == 401
    document = mock.coverage.document()
    assert document["covered"] == 0
    assert [(row["outcome"], row["count"], row["group"]) for row in document["uncatalogued"]] == [
        ("error.unauthorised", 1, "uncatalogued")]


def test_the_catalogue_follows_the_release_the_mock_serves() -> None:
    july = {entry.key for entry in Mock(Settings(gateway_release="2026-07")).outcomes}
    august = {entry.key for entry in Mock(Settings(gateway_release="2026-08")).outcomes}
    assert august - july == {("success", "mistral/ocr-4.1"), ("error.model_region_unavailable", None),
                             ("error.unauthorised.oauth_delegated_key_required", None),
                             ("error.unauthorised.legacy_key_prefix_retired", None),
                             ("error.unauthorised.management_key_not_valid_for_gateway", None)}
    assert july - august == set()
