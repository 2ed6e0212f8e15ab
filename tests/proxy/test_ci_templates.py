"""The CI templates under examples/ci/: every ``ocr-mock`` command in them parses with the real CLI (click's
own parser, types and choices), the key only ever comes from the CI's secret store, and the reports they
write are the ones they upload."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from contract_tests.config import config_from
from mockserver.cli import main

CI = Path(__file__).resolve().parents[2] / "examples" / "ci"
TEMPLATES = sorted(CI.glob("*.yml"))
SHELL_STOP = {"&", "&&", "||", "|", ";", ">", ">>", "2>&1"}
RENDERED = {"GATEWAY_URL": "https://api.phaseo.app/v1", "PHASEO_API_KEY": "from-the-secret-store"}


def shell_lines(template: Path) -> list[str]:
    """The shell the template runs: GitHub's ``run`` and GitLab's ``script``/``before_script``, line by line."""
    document = yaml.safe_load(template.read_text())
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "run" and isinstance(value, str):
                    found.extend(value.replace("\\\n", " ").splitlines())
                elif key in ("script", "before_script") and isinstance(value, list):
                    found.extend(str(line) for line in value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return [line.strip() for line in found if line.strip()]


def rendered(line: str) -> list[str]:
    """The command's words with the CI's variables filled in, up to the first shell operator."""
    words = []
    for word in shlex.split(line):
        if word in SHELL_STOP or word.startswith((">", "2>")):
            break
        words.append(re.sub(r"\$\{?(\w+)\}?", lambda m: RENDERED.get(m.group(1), m.group(0)), word))
    return words


def ocr_mock_commands(template: Path) -> list[list[str]]:
    return [rendered(line)[1:] for line in shell_lines(template) if line.startswith("ocr-mock ")]


@pytest.mark.parametrize("template", TEMPLATES, ids=[path.name for path in TEMPLATES])
def test_every_command_parses_with_the_cli(template: Path) -> None:
    commands = ocr_mock_commands(template)
    assert {args[0] for args in commands} == {"contract", "proxy", "deviations"}
    for args in commands:
        with main.make_context("ocr-mock", list(args), resilient_parsing=False) as context:
            name, command, rest = main.resolve_command(context, list(args))
            assert command is not None and name is not None
            try:
                parsed = command.make_context(name, rest, parent=context)
                if name == "contract":  # its values are checked after parsing, as the command does
                    config_from(parsed.params)
            except (click.UsageError, ValueError) as exc:  # pragma: no cover - the failure message is the point
                message = exc.format_message() if isinstance(exc, click.UsageError) else str(exc)
                pytest.fail(f"{template.name}: ocr-mock {shlex.join(args)}: {message}")


@pytest.mark.parametrize("template", TEMPLATES, ids=[path.name for path in TEMPLATES])
def test_the_key_comes_from_the_secret_store_and_the_live_target_is_explicit(template: Path) -> None:
    text = template.read_text()
    assert "aistats_v1_sk_" not in text
    document = yaml.safe_load(text)
    if "jobs" in document:  # GitHub Actions: from the repository's secrets
        assert document["env"]["PHASEO_API_KEY"] == "${{ secrets.PHASEO_API_KEY }}"
    else:  # GitLab: a masked CI/CD variable of the project, never defined in the file
        assert "PHASEO_API_KEY" not in document.get("variables", {})
    for args in ocr_mock_commands(template):
        if "https://api.phaseo.app/v1" in args:
            assert "--live" in args and "--budget-usd" in args and "--api-key-env" in args


@pytest.mark.parametrize("template", TEMPLATES, ids=[path.name for path in TEMPLATES])
def test_the_reports_written_are_uploaded_and_deviations_fail_the_job(template: Path) -> None:
    commands = ocr_mock_commands(template)
    written = [args[args.index(flag) + 1] for args in commands for flag in ("--junit-xml", "--report")
               if flag in args]
    assert any(path.endswith(".html") for path in written) and any(path.endswith(".xml") for path in written)
    assert all(path.startswith("reports/") for path in written)
    assert "reports/" in template.read_text().split("upload-artifact" if "github" in template.name else "artifacts",
                                                     1)[1]
    deviations = next(line for line in shell_lines(template) if line.startswith("ocr-mock deviations"))
    assert "||" not in deviations  # its exit status (1 on a deviation) fails the job
    assert os.path.basename(template) in {"github-actions.yml", "gitlab-ci.yml"}
