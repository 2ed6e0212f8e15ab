"""docs/pytest.md stays true: its example test files pass as written, and its sample strict-mode message
is what the plugin prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "pytest.md"
INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)


EXAMPLES = {block.splitlines()[0].removeprefix("# "): block for block in blocks("python")
            if block.startswith("# test_")}


def test_the_guide_has_example_test_files() -> None:
    assert {"test_first.py", "test_scripting.py", "test_in_process.py", "test_intercept.py"} <= set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_example_passes_as_written(pytester: pytest.Pytester, name: str) -> None:
    pytester.makeini(INI)
    pytester.path.joinpath(name).write_text(EXAMPLES[name])
    result = pytester.runpytest(name)
    assert result.ret == 0, result.stdout.str()
    assert result.parseoutcomes()["passed"] == len(re.findall(r"^(?:async )?def test_", EXAMPLES[name], re.M))


SCENARIO = '''import httpx

def test_app(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", language="fr", text="bonjour")
    with ocr_gateway.httpx_client() as client:
        client.post("/ocr", json={"model": "mistral/ocr-3", "image": "https://example.com/a.png", "language": "en"})
'''


def test_the_sample_failure_message_is_the_real_one(pytester: pytest.Pytester) -> None:
    (sample,) = [block for block in blocks("text") if "strict mode" in block]
    pytester.makeini(INI)
    pytester.path.joinpath("test_app.py").write_text(SCENARIO)
    output = pytester.runpytest().stdout.lines
    for line in sample.splitlines():
        assert line in output


def test_the_guides_screenshots_are_committed_pngs() -> None:
    images = re.findall(r"!\[[^\]]*\]\((img/[^)]+)\)", GUIDE.read_text())
    assert {"img/outcomes-terminal.png", "img/outcomes-report.png"} <= set(images)
    for image in images:
        assert (GUIDE.parent / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image
