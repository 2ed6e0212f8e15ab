"""The journal says who answered each OCR call: a script, the fixture files' default, the built-in
document, or nobody (the gateway stopped the request before the provider step)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockserver.mock import Mock
from mockserver.web.app import create_app
from tests.helpers import AUTH, post_ocr
from tests.targets import STORES, store_settings

IMAGE = "https://example.com/a.png"


@pytest.fixture(params=STORES)
def mock(tmp_path: Path, request: pytest.FixtureRequest) -> Mock:
    (tmp_path / "defaults.yaml").write_text("defaults:\n  mistral/ocr-4:\n    text: from the defaults\n")
    return Mock(store_settings(request, request.param, fixtures=tmp_path))


def answered_by(mock: Mock, body: object, headers: dict[str, str] | None = None) -> object:
    with TestClient(create_app(mock=mock)) as client:
        post_ocr(client, body, headers=headers)
    return mock.journal.entries()[-1].to_json()["answered_by"]


def test_a_matching_script_answers(mock: Mock) -> None:
    mock.engine.add({"model": "mistral/ocr-3", "text": "scripted"})
    assert answered_by(mock, {"model": "mistral/ocr-3", "image": IMAGE}) == "script"


def test_the_fixture_default_answers_an_unmatched_call(mock: Mock) -> None:
    assert answered_by(mock, {"model": "mistral/ocr-4", "image": IMAGE}) == "default"


def test_the_builtin_document_answers_when_there_is_no_default(mock: Mock) -> None:
    mock.engine.add({"model": "mistral/ocr-3", "match": {"language": "fr"}, "text": "scripted"})
    assert answered_by(mock, {"model": "mistral/ocr-3", "image": IMAGE, "language": "en"}) == "builtin"


@pytest.mark.parametrize(("body", "headers"), [
    ({"model": "mistral/ocr-3", "image": IMAGE}, {"Authorization": "Bearer nope"}),
    ({"model": "mistral/ocr-3"}, AUTH),
    ({"model": "openai/gpt-5-nano", "image": IMAGE}, AUTH),
])
def test_nobody_answers_a_request_stopped_before_the_provider(mock: Mock, body: object,
                                                                headers: dict[str, str]) -> None:
    assert answered_by(mock, body, headers) is None
