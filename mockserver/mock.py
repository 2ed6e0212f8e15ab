"""One mock instance: the gateway pipeline plus the state a test scripts and inspects (scripts, key
accounts, the journal), and how that state is reset and reloaded."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import yaml

from mockserver.coverage.counting import OutcomeCounter
from mockserver.gateway.catalog import Catalog, catalog_from_document, load_catalog
from mockserver.gateway.errors import ErrorKind
from mockserver.gateway.outcomes import OutcomeEntry, outcome_catalogue
from mockserver.gateway.pipeline import Gateway
from mockserver.gateway.release import known_releases, load_release
from mockserver.gateway.spec import load_spec, release_spec
from mockserver.gateway.validation import BodyValidator
from mockserver.scripting.engine import ScriptEngine
from mockserver.scripting.loader import (
    FixtureError,
    FixtureSet,
    Problem,
    check_models,
    for_release,
    locate,
    read_directory,
    read_file,
    structural_problems,
)
from mockserver.scripting.render_check import rendering_problems
from mockserver.settings import Settings
from mockserver.state.coverage import CoverageStore, MemoryCoverageStore
from mockserver.state.journal import Journal
from mockserver.state.keys import Keyring, records_from_keys

log = logging.getLogger("ocr_mock")


class Mock:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.release = load_release(self.settings.gateway_release)
        self.catalog = (load_catalog(self.settings.catalog) if self.settings.catalog
                        else catalog_from_document(self.release.catalog, self.release.folder))
        self.spec = load_spec(self.settings.spec) if self.settings.spec else release_spec(self.release.name)
        if self.settings.spec is not None:
            self.spec.openapi  # noqa: B018 - a spec of the user's is checked now, not at the first rendered answer
        self._file_keys = _load_keys_file(self.settings.keys_file)
        fixtures = self.load_fixtures()
        closed = bool(self.settings.keys_file or self.settings.keys)
        self.engine: ScriptEngine
        self.keyring: Keyring
        self.journal: Journal
        coverage: CoverageStore
        if self.settings.state_file is None:
            self.engine = ScriptEngine(fixtures)
            self.keyring = Keyring(closed=closed)
            self.journal = Journal(self.settings.journal_limit)
            coverage = MemoryCoverageStore()
            self._reset_keys()
        else:
            from mockserver.state.sqlite.attach import attach  # only --workers pays for it

            self.engine, self.keyring, self.journal, coverage = attach(
                self.settings.state_file,
                fixtures,
                closed=closed,
                journal_limit=self.settings.journal_limit,
                key_records=self._key_records(fixtures),
            )
        self._outcomes: tuple[Catalog, dict[str, ErrorKind], tuple[OutcomeEntry, ...]] | None = None
        self.coverage = OutcomeCounter(lambda: self.catalog, lambda: self.errors, lambda: self.outcomes, coverage)
        self.reload_error: str | None = None
        validator = BodyValidator(self.spec, refinements=tuple(self.release.get("request", "refinements")))
        self.gateway = Gateway(
            keys=self.keyring, catalog=self.catalog, validator=validator, upstream=self.engine, release=self.release
        )

    @property
    def ocr_models(self) -> list[str]:
        """The models whose requests reach the provider, where scripts answer."""
        return self.catalog.servable_models()

    @property
    def errors(self) -> dict[str, ErrorKind]:
        """The error table of the release this mock serves."""
        return self.gateway.errors.kinds

    @property
    def outcomes(self) -> tuple[OutcomeEntry, ...]:
        """The outcome catalogue of what this mock serves: its catalog and error table (derived again when
        either is another object)."""
        catalog, errors = self.catalog, self.errors
        cached = self._outcomes
        if cached is None or cached[0] is not catalog or cached[1] is not errors:
            cached = self._outcomes = (catalog, errors, outcome_catalogue(catalog, errors))
        return cached[2]

    def load_fixtures(self, directory: Path | None = None) -> FixtureSet:
        """The fixture files, checked: structure, models, and every rendered answer against the spec."""
        directory = directory or self.settings.fixtures
        if directory is None:
            return FixtureSet()
        fixtures, problems = self.check_fixtures(directory)
        if problems:
            raise FixtureError(problems)
        return fixtures

    def check_fixtures(self, path: Path) -> tuple[FixtureSet, list[Problem]]:
        """A fixtures directory or one fixture file: what is valid, and every problem, with its line."""
        directory = path if path.is_dir() else path.parent
        fixtures, problems = read_directory(path) if path.is_dir() else read_file(path)
        fixtures, found = for_release(fixtures, self.release.name, known_releases())
        problems += found
        problems += check_models(fixtures, self.ocr_models)
        problems += rendering_problems(fixtures, self.catalog, self.spec, self.release)
        return fixtures, locate(problems, directory)

    def _key_records(self, fixtures: FixtureSet) -> list[dict[str, Any]]:
        return [*records_from_keys(self.settings.keys), *self._file_keys, *fixtures.keys]

    def _base_key_records(self) -> list[dict[str, Any]]:
        return self._key_records(self.engine.fixtures)

    def _reset_keys(self) -> None:
        self.keyring.replace(self._base_key_records())

    def reset(self, *, keep_coverage: bool = False) -> None:
        """Scripts, journal and key accounts back to the files; the outcome counts cleared unless kept."""
        self.engine.reset()
        self.journal.clear()
        self._reset_keys()
        if not keep_coverage:
            self.coverage.clear()

    def reload(self) -> bool:
        """Read the fixture files again; a broken set leaves the last good one serving."""
        try:
            fixtures = self.load_fixtures()
        except (FixtureError, OSError) as exc:
            self.reload_error = str(exc)
            log.error("fixtures not reloaded, the last good set keeps serving:\n%s", exc)
            return False
        self.engine.load(fixtures)
        self._reset_keys()
        self.reload_error = None
        log.info("fixtures reloaded: %d scripts from %d files", len(fixtures.scripts), len(fixtures.files))
        return True


def _load_keys_file(path: Path | None) -> list[dict[str, Any]]:
    if path is None:
        return []
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FixtureError([Problem(path.name, "", "", f"not readable YAML: {' '.join(str(exc).split())}")]) from None
    if not isinstance(document, dict) or set(document) - {"keys"}:
        raise FixtureError([Problem(path.name, "", "", "expected a mapping with a 'keys' list")])
    problems = structural_problems(document, path.name)
    if problems:
        raise FixtureError(problems)
    keys: list[dict[str, Any]] = document.get("keys", [])
    return keys


def watch_fixtures(mock: Mock, directory: Path) -> threading.Event:
    """``--reload``: reload on every change, in a daemon thread; set the returned event to stop. A broken edit
    keeps the last good set serving (``Mock.reload`` logs why and shows it in ``/_mock/health``)."""
    import watchfiles  # here: only --reload needs it

    stop = threading.Event()

    def run() -> None:
        for _changes in watchfiles.watch(directory, stop_event=stop, debounce=200, raise_interrupt=False):
            mock.reload()

    threading.Thread(target=run, name="ocr-mock-reload", daemon=True).start()
    return stop
