"""Reading fixture documents (YAML files or admin-API JSON) into scripts, defaults and key states.

Every problem is reported with the file, the entry and the field, so that ``ocr-mock fixtures check``
and a refused ``serve`` can say exactly what to fix.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

from mockserver.gateway.errors import error_table
from mockserver.gateway.upstream import Fault, Page
from mockserver.gateway.upstream_failure import ProviderError
from mockserver.resources import data_path
from mockserver.scripting.matching import Match
from mockserver.scripting.outcomes import Delay, Outcome, ScriptedError
from mockserver.scripting.positions import error_position, line_of, node_lines, problem_path
from mockserver.scripting.scripts import Script

ANSWER_KEYS = ("pages", "text", "error", "upstream")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a fixture document."""

    source: str
    entry: str
    field: str
    message: str
    line: int | None = None  # in the file, when read from one (``source:line:column:``, as compilers say it)
    column: int | None = None

    def __str__(self) -> str:
        position = "".join(f":{number}" for number in (self.line, self.column) if number is not None)
        where = f"{self.source}{position}: {self.entry}" if self.entry else f"{self.source}{position}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class FixtureError(ValueError):
    """A fixture set with problems; its message lists them all, one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class FixtureSet:
    scripts: list[Script] = field(default_factory=list)
    defaults: dict[str, Outcome] = field(default_factory=dict)
    default_sources: dict[str, str] = field(default_factory=dict)  # model -> file
    keys: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@cache
def fixture_schema() -> dict[str, Any]:
    with data_path("fixture.schema.json").open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


def _entry_name(document: Any, path: list[Any]) -> str:
    if len(path) >= 2 and path[0] == "scripts" and isinstance(path[1], int):
        script = document["scripts"][path[1]]
        name = script.get("id") if isinstance(script, dict) else None
        return f"scripts[{path[1]}]" + (f" ({name})" if isinstance(name, str) else "")
    if len(path) >= 2 and path[0] in ("keys", "defaults"):
        return f"{path[0]}[{path[1]}]" if isinstance(path[1], int) else f"{path[0]}.{path[1]}"
    return ""


def _field_name(path: list[Any]) -> str:
    rest = path[2:] if len(path) >= 2 and path[0] in ("scripts", "keys", "defaults") else path
    text = ""
    for part in rest:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def structural_problems(document: Any, source: str) -> list[Problem]:
    validator = Draft202012Validator(fixture_schema())
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        path = list(error.absolute_path)
        if error.validator in ("oneOf", "anyOf") and error.context:
            error = min(error.context, key=lambda e: len(list(e.absolute_path)))
        message = error.message + _did_you_mean(error)
        unexpected = _unexpected(error)
        if len(unexpected) == 1:  # name the field itself: its line is the one to fix
            path = [*path, *unexpected]
        if path and path[-1] == "key" and error.validator == "pattern":
            message = "not a gateway key (aistats_v1_sk_<kid>_<secret>)"  # never echo a secret
        problems.append(Problem(source, _entry_name(document, path), _field_name(path), message))
    return problems


def _unexpected(error: ValidationError) -> list[str]:
    """The fields an ``additionalProperties: false`` error is about."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    return [str(name) for name in error.instance if name not in known]


def _did_you_mean(error: ValidationError) -> str:
    """For a misspelt field (``tims: 2``): the field of the schema it is closest to."""
    known = list(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
    guesses = [f"{guess[0]!r}" for name in _unexpected(error)
               if (guess := difflib.get_close_matches(name, known, n=1, cutoff=0.6))]
    return f"; did you mean {' or '.join(guesses)}?" if guesses else ""


def parse_outcome(step: dict[str, Any]) -> Outcome:
    pages: tuple[Page, ...] | None = None
    if "pages" in step:
        pages = tuple(
            Page(markdown=page) if isinstance(page, str)
            else Page(markdown=page["markdown"], images=list(page.get("images", [])), dimensions=page.get("dimensions"),
                      extra={k: v for k, v in page.items() if k not in ("markdown", "images", "dimensions")})
            for page in step["pages"]
        )
    elif "text" in step:
        pages = (Page(markdown=step["text"]),)
    error = ScriptedError(**step["error"]) if "error" in step else None
    upstream = ProviderError(**step["upstream"]) if "upstream" in step else None
    fault = None
    if "fault" in step:
        spec = step["fault"]
        options: dict[str, Any] = {"type": spec} if isinstance(spec, str) else dict(spec)
        fault = Fault(kind=options.pop("type"), **options)
    return Outcome(pages=pages, error=error, upstream=upstream, fault=fault, delay=_parse_delay(step),
                   document_annotation=step.get("document_annotation"), provider_model=step.get("provider_model"))


def _parse_delay(step: dict[str, Any]) -> Delay:
    spec = step.get("delay") or {}
    uniform = spec.get("uniform")
    lognormal = spec.get("lognormal")
    return Delay(
        fixed_ms=float(step.get("delay_ms", 0)),
        uniform=(uniform["min_ms"], uniform["max_ms"]) if uniform else None,
        lognormal=(lognormal["median_ms"], lognormal["sigma"], lognormal["cap_ms"]) if lognormal else None,
        per_page_ms=float(step.get("per_page_ms", 0)),
        seed=spec.get("seed"),
    )


def _step_problems(step: dict[str, Any], source: str, entry: str, prefix: str) -> list[Problem]:
    problems = []
    answers = [key for key in ANSWER_KEYS if key in step]
    if len(answers) > 1:
        problems.append(Problem(source, entry, prefix + answers[1], f"give one answer, not {' and '.join(answers)}"))
    if "fault" in step and ({"error", "upstream"} & step.keys()):
        problems.append(Problem(source, entry, prefix + "fault", "a fault spoils a document; it cannot go with "
                                                                  "an error or upstream answer"))
    error = step.get("error")
    kind = error_table().get(error["code"]) if error else None
    if error and "description" not in error and kind is not None and kind.description is None:
        problems.append(Problem(source, entry, prefix + "error.description",
                                f"{error['code']} has no default description; give one"))
    uniform = (step.get("delay") or {}).get("uniform")
    if uniform and uniform["min_ms"] > uniform["max_ms"]:
        problems.append(Problem(source, entry, prefix + "delay.uniform", "min_ms is above max_ms"))
    return problems


def _resolve_image_file(name: str, base: Path | None, source: str,
                        entry: str) -> tuple[tuple[str, int] | None, list[Problem]]:
    """The SHA-256 and size of a fixture-relative image file; files outside the fixtures directory are refused."""
    if base is None:
        return None, [Problem(source, entry, "match.image.file", "image files need a fixtures directory")]
    root = base.resolve()
    target = (root / name).resolve()
    if not target.is_relative_to(root):
        return None, [Problem(source, entry, "match.image.file", f"{name!r} is outside the fixtures directory")]
    if not target.is_file():
        return None, [Problem(source, entry, "match.image.file", f"no such file: {name}")]
    data = target.read_bytes()
    return (hashlib.sha256(data).hexdigest(), len(data)), []


def build_script(
    spec: dict[str, Any], *, script_id: str, source: str, entry: str, base: Path | None
) -> tuple[Script | None, list[Problem]]:
    """A script from one structurally valid entry, or the problems that prevent it."""
    problems = _step_problems(spec, source, entry, "")
    for index, step in enumerate(spec.get("sequence", [])):
        problems += _step_problems(step, source, entry, f"sequence[{index}].")
    if "then" in spec:
        problems += _step_problems(spec["then"], source, entry, "then.")
    if "sequence" in spec:
        for key in ("times", *ANSWER_KEYS, "provider_model", "fault", "delay_ms", "delay", "per_page_ms"):
            if key in spec:
                problems.append(Problem(source, entry, key, "with a sequence, put this in a step (or in 'then')"))
    elif "then" in spec:
        problems.append(Problem(source, entry, "then", "'then' follows a sequence; there is none"))
    match_spec = spec.get("match", {})
    image = match_spec.get("image", {})
    sha256 = image.get("sha256")
    size = None
    if "file" in image:
        found, file_problems = _resolve_image_file(image["file"], base, source, entry)
        problems += file_problems
        file_sha, size = found if found is not None else (None, None)
        if sha256 is not None and file_sha is not None and sha256.lower() != file_sha:
            problems.append(Problem(source, entry, "match.image", "sha256 and file disagree"))
        sha256 = sha256 or file_sha
    if problems:
        return None, problems
    match = Match(
        language=match_spec.get("language"),
        body=dict(match_spec.get("body", {})),
        headers={name.lower(): value for name, value in match_spec.get("headers", {}).items()},
        image_sha256=sha256.lower() if sha256 else None,
        image_size=size,
        image_media_type=image.get("media_type"),
        image_url=image.get("url"),
        document_url=match_spec.get("document_url"),
        file_id=match_spec.get("file_id"),
    )
    script = Script(id=script_id, model=spec["model"], match=match, source=source, entry=entry, spec=spec,
                    release=spec.get("release"))
    if "sequence" in spec:
        script.sequence = [(parse_outcome(step), step.get("times", 1)) for step in spec["sequence"]]
        script.then = parse_outcome(spec["then"]) if "then" in spec else None
    else:
        script.outcome = parse_outcome(spec)
        script.times = spec.get("times")
    return script, []


def parse_document(document: Any, source: str, base: Path | None) -> FixtureSet:
    """One fixture document; raises ``FixtureError`` listing every problem."""
    result, problems = read_document(document, source, base)
    if problems:
        raise FixtureError(problems)
    return result


def read_document(
    document: Any, source: str, base: Path | None, first_index: int = 0
) -> tuple[FixtureSet, list[Problem]]:
    """One fixture document: what is valid in it, and every problem."""
    if document is None:
        document = {}
    problems = structural_problems(document, source)
    if problems:
        return FixtureSet(files=[source]), problems
    result = FixtureSet(files=[source])
    for index, spec in enumerate(document.get("scripts", [])):
        entry = _entry_name(document, ["scripts", index])
        script_id = spec.get("id") or f"{source}#{first_index + index}"
        script, found = build_script(spec, script_id=script_id, source=source, entry=entry, base=base)
        problems += found
        if script is not None:
            result.scripts.append(script)
    for model, step in document.get("defaults", {}).items():
        found = _step_problems(step, source, f"defaults.{model}", "")
        problems += found
        if not found:
            result.defaults[model] = parse_outcome(step)
            result.default_sources[model] = source
    result.keys = list(document.get("keys", []))
    return result, problems


def fixture_files(directory: Path) -> list[Path]:
    """The fixture files of a directory, in name order (subdirectories hold images, not fixtures)."""
    return sorted(path for path in directory.iterdir() if path.suffix in (".yaml", ".yml") and path.is_file())


def read_directory(directory: Path) -> tuple[FixtureSet, list[Problem]]:
    """Every fixture file of ``directory``, merged in name order, and every problem found on the way
    (files with problems contribute only their valid entries)."""
    merged = FixtureSet()
    problems: list[Problem] = []
    seen_ids: dict[str, str] = {}
    for path in fixture_files(directory):
        source = path.name
        part, found = read_file(path, directory)
        problems += found
        for script in part.scripts:
            if script.id in seen_ids:
                problems.append(Problem(source, script.entry, "id",
                                        f"the id is already used in {seen_ids[script.id]}"))
            seen_ids[script.id] = source
        _merge(merged, part)
    return merged, problems


def read_file(path: Path, base: Path | None = None) -> tuple[FixtureSet, list[Problem]]:
    """One fixture file (image files relative to ``base``, by default its directory): what is valid in it, and
    every problem, with its line (and column, for a YAML syntax error)."""
    source = path.name
    try:
        text = path.read_text(encoding="utf-8")
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line, column, message = error_position(exc)
        return FixtureSet(files=[source]), [Problem(source, "", "", f"not readable YAML: {message}", line, column)]
    except (UnicodeDecodeError, OSError) as exc:
        return FixtureSet(files=[source]), [Problem(source, "", "", f"not readable YAML: {_one_line(exc)}")]
    part, problems = read_document(document, source, base or path.parent)
    return part, with_lines(problems, text)


def with_lines(problems: list[Problem], text: str) -> list[Problem]:
    """The problems of one file's ``text``, each with the line of the entry or field it names."""
    if not problems:
        return problems
    lines = node_lines(text)
    return [replace(problem, line=line_of(lines, problem_path(problem.entry, problem.field)))
            if problem.line is None else problem for problem in problems]


def locate(problems: list[Problem], directory: Path) -> list[Problem]:
    """Lines for the problems found after reading (unknown models, duplicate ids), from the files they name."""
    located = []
    for problem in problems:
        path = directory / problem.source
        if problem.line is None and problem.entry and path.is_file():
            problem = with_lines([problem], path.read_text(encoding="utf-8"))[0]
        located.append(problem)
    return located


def _merge(into: FixtureSet, part: FixtureSet) -> None:
    into.scripts += part.scripts
    into.defaults.update(part.defaults)
    into.default_sources.update(part.default_sources)
    into.keys += part.keys
    into.files += part.files


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def check_models(fixtures: FixtureSet, ocr_models: Iterable[str]) -> list[Problem]:
    """Scripts and defaults for models that can never reach the provider step are mistakes."""
    known = set(ocr_models)
    problems = [
        Problem(script.source, script.entry, "model",
                f"{script.model!r} is not an OCR model the catalog serves, so no request ever reaches this script")
        for script in fixtures.scripts
        if script.model not in known
    ]
    problems += [
        Problem(fixtures.default_sources.get(model, "defaults"), f"defaults.{model}", "",
                f"{model!r} is not an OCR model the catalog serves, so no request ever gets this default")
        for model in fixtures.defaults
        if model not in known
    ]
    return problems


def for_release(fixtures: FixtureSet, release: str, known: Iterable[str]) -> tuple[FixtureSet, list[Problem]]:
    """The scripts used under ``release`` (a script that names another release is left out), and a problem
    for each script naming a release that does not exist."""
    known = set(known)
    problems = [
        Problem(script.source, script.entry, "release", f"unknown gateway release {script.release!r}; known: "
                f"{', '.join(sorted(known))}")
        for script in fixtures.scripts
        if script.release is not None and script.release not in known
    ]
    kept = [script for script in fixtures.scripts if script.release in (None, release)]
    return replace(fixtures, scripts=kept), problems
