"""The README's examples work as printed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from mockserver.mock import Mock
from mockserver.resources import fixtures_dir
from mockserver.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README, re.S)


def test_the_fixture_example_is_a_valid_fixture_file(tmp_path: Path) -> None:
    (example,) = [block for block in yaml_blocks() if block.startswith("scripts:")]
    shutil.copytree(fixtures_dir() / "images", tmp_path / "images")
    (tmp_path / "example.yaml").write_text(example)
    mock = Mock(Settings(fixtures=tmp_path))  # raises FixtureError with every problem otherwise
    assert len(mock.engine.scripts()) == 4


def test_the_compose_example_is_yaml_with_the_mock_and_a_dependent_service() -> None:
    (example,) = [block for block in yaml_blocks() if block.startswith("services:")]
    services = yaml.safe_load(example)["services"]
    assert services["my-service"]["depends_on"]["ocr-mock"]["condition"] == "service_healthy"
    assert "OCR_MOCK_ADMIN_TOKEN" in services["ocr-mock"]["environment"]
