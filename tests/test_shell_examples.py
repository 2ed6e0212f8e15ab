"""Every shell example of README.md and docs/ works as printed: the commands that talk to a mock run against an
``ocr-mock serve`` this test starts (``127.0.0.1:8080`` becomes its address) and their exit status and HTTP
status are checked. A command this test cannot run here (Docker, the live gateway, the long make targets) is
listed below with where it is covered instead; a new example that matches no rule fails the test."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.server import RunningServer, serve

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENTED_ADDRESS = "127.0.0.1:8080"
RUN = "run"

# (pattern of the command, RUN or where it is covered / why it cannot run here)
RULES: list[tuple[str, str]] = [
    (r"^curl ", RUN),
    (r"^(\.venv/bin/)?ocr-mock contract .*--live", "the live gateway bills every page: tests/contract/"
                                                   "test_contract_live_safety.py runs --live against a local server"),
    (r"^(\.venv/bin/)?ocr-mock contract\b", RUN),
    (r"^\.venv/bin/pytest --pyargs contract_tests ", RUN),
    (r"^OCR_KEY=\S+ ocr-mock contract .*--live", "the live gateway (see the --live rule)"),
    (r"^export OCR_KEY=", "a secret for the live gateway"),
    (r"^export PHASEO_API_KEY=", "a secret for the live gateway"),
    (r"^(\.venv/bin/)?ocr-mock proxy\b", "tests/proxy/ runs ocr-mock proxy (as a process in test_proxy_secrets.py) "
                                         "in front of a local target; the live gateway bills every page"),
    (r"^(\.venv/bin/)?ocr-mock deviations\b", "tests/proxy/test_proxy_forwarding.py runs it against a proxy"),
    (r"^(\.venv/bin/)?ocr-mock serve --fixtures recordings/", "tests/proxy/test_proxy_recording.py replays "
                                                             "recordings with the same fixture loader"),
    (r"^pip install ", "tests/test_install.py installs the wheel, a checkout by path and by git URL"),
    (r"^make dist$", "tests/test_install.py runs make dist"),
    (r"^make (serve|test)$", "make test is this run; make serve is the ocr-mock serve this test starts"),
    (r"^make contract$", "the long conformance run (2,000 cases a mode); ocr-mock contract runs here"),
    (r"^make bench\b|^\.venv/bin/python bench/", "the benchmarks take minutes and load the machine"),
    (r"^([A-Z_]+=\S+ )*make docker-smoke$|^docker |^dockerd |^apt-get |^docker/build-local-base\.sh |"
     r"^printf .*\| docker build |"
     r"^(BASE_IMAGE=\S+ )?\.venv/bin/docker-compose |^kill \"\$\(cat /var/run/docker\.pid\)\"$",
     "needs a Docker engine: tests/test_docker_files.py checks the Dockerfile and compose file statically"),
]


@dataclass(frozen=True)
class Example:
    """One ```sh block: its commands, in order."""

    document: str
    commands: tuple[str, ...]

    @property
    def runnable(self) -> list[str]:
        return [command for command in self.commands if rule(command) == RUN]

    def __str__(self) -> str:
        return f"{self.document}: {self.commands[0]}"


def rule(command: str) -> str | None:
    return next((what for pattern, what in RULES if re.search(pattern, command)), None)


def commands(block: str) -> Iterator[str]:
    """The commands of a shell block: continuation lines joined, comments and blank lines dropped."""
    for line in block.replace("\\\n", " ").splitlines():
        command = re.sub(r"\s{2,}#.*$", "", line).strip()
        if command and not command.startswith("#"):
            yield " ".join(command.split())


def examples() -> list[Example]:
    found = []
    for document in DOCUMENTS:
        for block in re.findall(r"```sh\n(.*?)```", document.read_text(encoding="utf-8"), flags=re.DOTALL):
            found.append(Example(document.relative_to(ROOT).as_posix(), tuple(commands(block))))
    return found


EXAMPLES = examples()
RUNNABLE = [example for example in EXAMPLES if example.runnable]


def test_every_shell_example_is_run_or_covered_elsewhere() -> None:
    unmatched = [f"{example.document}: {command}" for example in EXAMPLES for command in example.commands
                 if rule(command) is None]
    assert unmatched == [], "add a rule to tests/test_shell_examples.py for these examples"
    assert len(RUNNABLE) >= 4


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve() as running:
        yield running


_PASSED: set[str] = set()  # commands that do not depend on the mock's state run once, whichever block shows them


def run(command: str, server: RunningServer) -> None:
    if command in _PASSED:
        return
    line = command.replace(DOCUMENTED_ADDRESS, server.url.removeprefix("http://"))
    is_curl = line.startswith("curl ")
    if is_curl:
        line += " -w '\\nHTTP %{http_code}'"
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}", "NO_COLOR": "1"}
    result = subprocess.run(["bash", "-c", line], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{shlex.quote(line)}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    if is_curl:
        status = int(result.stdout.rsplit("HTTP ", 1)[1])
        assert 200 <= status < 300, f"{line}\n{result.stdout}"
    else:
        _PASSED.add(command)


@pytest.mark.parametrize("example", RUNNABLE, ids=str)
def test_the_example_works_against_a_server(example: Example, server: RunningServer) -> None:
    httpx.post(f"{server.url}/_mock/reset").raise_for_status()  # each block starts from the files, as documented
    for command in example.runnable:
        run(command, server)
