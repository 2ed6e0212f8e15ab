"""Strict mode's verdict at the end of a test: every script the test added was used as scripted, and every
OCR call was answered by a script (or by a default the test allowed).

- A script added with ``add()`` that was never called fails the test.
- A script with bounded uses (``times``, or a ``sequence`` without ``then``) must be used up: ``times=3``
  means exactly three calls, a two-step sequence means both steps were reached. A script without a bound
  needs one call at least.
- A call answered by the built-in default document (no script matched) fails the test, unless defaults are
  allowed. A ``defaults`` entry of a fixture file is an explicit default and always allowed.
- Requests the gateway refused before the provider step (auth, validation, key limits, unknown model...)
  never reach the scripts and are not strict-mode failures: the test asserts on their answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mockserver.pytest_plugin.calls import Call

OPT_OUT = "(strict mode: opt out with @pytest.mark.ocr_gateway(strict=False) or the ini option ocr_gateway_strict)"


def _describe(script: Mapping[str, Any]) -> str:
    answers = ("callback", "pages", "text", "error", "upstream", "fault")
    what = "a sequence" if "sequence" in script else next(
        (key for key in answers if key in script), "the default document")
    conditions = ", ".join(f"{name}={value!r}" for name, value in (script.get("match") or {}).items())
    return f"{script['id']!r} ({script['model']}, {what}{', match ' + conditions if conditions else ''})"


def unused_scripts(scripts: Iterable[Mapping[str, Any]], expected: Sequence[str]) -> list[str]:
    """The scripts among ``expected`` (ids) that were not used as scripted."""
    by_id = {script["id"]: script for script in scripts}
    problems = []
    for script_id in expected:
        script = by_id.get(script_id)
        if script is None:  # removed by the test
            continue
        if script["calls"] == 0:
            problems.append(f"script {_describe(script)} was never used")
        elif script["remaining"]:
            total = script["calls"] + script["remaining"]
            problems.append(f"script {_describe(script)} was used {script['calls']} of {total} times")
    return problems


def _nearest(call: Call, own: Sequence[str]) -> list[str]:
    if not call.nearest:
        return ["      no script could have answered: none was added for any model"]
    lines = []
    for near in sorted(call.nearest, key=lambda near: near["script"] not in own):  # the test's own scripts first
        why = "; ".join(f"{m['field']}: expected {m['expected']!r}, got {m['got']!r}" for m in near["mismatches"])
        lines.append(f"      {near['script']}: {why}")
    return lines


def unmatched_calls(calls: Iterable[Call], allow_defaults: bool, own: Sequence[str] = ()) -> list[str]:
    """The OCR calls no script answered, each with the nearest scripts (``own``, the test's, first) and the
    fields that differed."""
    if allow_defaults:
        return []
    problems = []
    for call in calls:
        if call.answered_by != "builtin":
            continue
        lines = [f"{call.method} {call.path} (model {call.model!r}, {_input(call.json)}) matched no script; "
                 f"the built-in default document answered {call.status}. Nearest scripts:", *_nearest(call, own)]
        problems.append("\n".join(lines))
    return problems


def _short(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return value if not isinstance(value, str) or len(value) <= 80 else f"<{len(value)} characters>"


def _input(body: Any) -> str:
    """Which input the call read: ``image ...``, or (2026-08) ``document <type> ...``."""
    body = body if isinstance(body, dict) else {}
    document = body.get("document")
    if body.get("image") is None and isinstance(document, dict):
        value = document.get(str(document.get("type")))
        return f"document {document.get('type')} {_short(value)}"
    return f"image {_short(body.get('image'))}"


def failure_message(name: str, problems: Sequence[str]) -> str:
    heading = f"{name}: {len(problems)} problem{'s' if len(problems) != 1 else ''} {OPT_OUT}"
    return "\n".join([heading, *(f"  - {problem}" for problem in problems)])
