"""``ocr-mock serve`` tells its environment variables and refuses a port that is not one, in one line."""

from __future__ import annotations

import re
import subprocess

import pytest
from click.testing import CliRunner

from mockserver.cli import main, serve
from tests.server import OCR_MOCK


def test_the_help_shows_each_options_environment_variable() -> None:
    text = " ".join(CliRunner().invoke(main, ["serve", "--help"], terminal_width=200).output.split())
    for option in serve.params:
        if getattr(option, "envvar", None):
            assert re.search(rf"{option.opts[0]} .*?env var: {option.envvar}\b", text), option.opts[0]


@pytest.mark.parametrize(("args", "env"), [(["--port", "65536"], {}), (["--port", "-1"], {}),
                                           ([], {"OCR_MOCK_PORT": "99999"})])
def test_a_port_outside_0_to_65535_is_refused_in_one_line(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run([str(OCR_MOCK), "serve", *args], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", **env})
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert re.fullmatch(r"Error: --port -?\d+: a port is a number from 0 to 65535 \(0 picks a free one\)", line)
