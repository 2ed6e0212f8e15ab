"""``ocr-mock serve --workers N``: what each uvicorn worker process runs.

uvicorn starts workers as fresh processes from an import string, so the parent hands them their
settings through one environment variable (JSON), which spawned processes inherit. Each worker builds
its own ``Mock`` over the shared store (``mockserver.state``).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from pathlib import Path

from starlette.applications import Starlette

from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.web.app import create_app
from mockserver.web.logline import LINE_FORMAT
from mockserver.web.serving import settle_heap

SETTINGS_ENV = "OCR_MOCK_WORKER_SETTINGS"
FACTORY = "mockserver.web.workers:create_worker_app"
PATHS = ("spec", "catalog", "keys_file", "fixtures")


def settings_to_env(settings: Settings, log_level: str) -> str:
    fields = {name: (str(value) if isinstance(value, Path) else value) for name, value in asdict(settings).items()}
    return json.dumps({"settings": fields, "log_level": log_level})


def settings_from_env(text: str) -> tuple[Settings, str]:
    document = json.loads(text)
    fields = document["settings"]
    for name in PATHS:
        if fields.get(name) is not None:
            fields[name] = Path(fields[name])
    fields["keys"] = tuple(fields["keys"])
    return Settings(**fields), str(document["log_level"])


def create_worker_app() -> Starlette:
    """The app of one worker (uvicorn calls this factory in each worker process)."""
    settings, log_level = settings_from_env(os.environ[SETTINGS_ENV])
    logging.basicConfig(level=log_level.upper(), format=LINE_FORMAT)
    app = create_app(mock=Mock(settings))
    settle_heap()
    return app
