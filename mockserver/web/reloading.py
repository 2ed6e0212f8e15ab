"""``--reload``: watch the fixtures directory and reload on every change. A broken edit keeps the last
good set serving (``Mock.reload`` logs why and shows it in ``/_mock/health``)."""

from __future__ import annotations

import threading
from pathlib import Path

import watchfiles

from mockserver.mock import Mock


def watch_fixtures(mock: Mock, directory: Path) -> threading.Event:
    """Start watching in a daemon thread; set the returned event to stop."""
    stop = threading.Event()

    def run() -> None:
        for _changes in watchfiles.watch(directory, stop_event=stop, debounce=200, raise_interrupt=False):
            mock.reload()

    threading.Thread(target=run, name="ocr-mock-reload", daemon=True).start()
    return stop
