"""Run ``ocr-mock serve`` as a real process on a free loopback port, for tests over a real socket."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

OCR_MOCK = Path(sys.executable).with_name("ocr-mock")
LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@dataclass
class RunningServer:
    process: subprocess.Popen[str]
    url: str
    output: list[str] = field(default_factory=list)

    @property
    def log(self) -> str:
        return "".join(self.output)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then wait; the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


@contextmanager
def serve(*args: str, env: dict[str, str] | None = None, startup_timeout: float = 15.0) -> Iterator[RunningServer]:
    """``ocr-mock serve --port 0 ARGS``; yields once it listens, and stops it afterwards."""
    process = subprocess.Popen(
        [str(OCR_MOCK), "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    output: list[str] = []
    found = threading.Event()
    url: list[str] = []

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            match = LISTENING.search(line)
            if match and not url:
                url.append(match.group(1))
                found.set()
        found.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + startup_timeout
    while not found.wait(0.05):
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError("ocr-mock serve did not start:\n" + "".join(output))
    if not url:
        process.wait(timeout=5)
        raise RuntimeError(f"ocr-mock serve exited with {process.returncode}:\n" + "".join(output))
    server = RunningServer(process=process, url=url[0], output=output)
    _wait_until_accepting(server, deadline)
    try:
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


def _wait_until_accepting(server: RunningServer, deadline: float) -> None:
    """With ``--workers``, uvicorn logs the address once the parent has bound it, before a worker listens."""
    while True:
        try:
            with socket.create_connection(_address(server.url), timeout=1):
                return
        except ConnectionRefusedError:
            if time.monotonic() > deadline or server.process.poll() is not None:
                raise
            time.sleep(0.05)


def _address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)

