"""A real ``redis-server`` for the tests, on a free loopback port, started and stopped by the tests.

The server is Debian's ``redis-server`` package (``make test`` installs it when missing). Without it the
Redis tests fail, saying how to install it: they never skip.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

INSTALL = "apt-get install -y redis-server (Debian's package; `make test` does it), or put redis-server on PATH"


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_redis(directory: Path, port: int | None = None, *options: str) -> RedisServer:
    """``redis-server`` in the foreground on ``port`` or a free one, in memory only (no RDB, no AOF) unless
    ``options`` say otherwise."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(f"redis-server is not installed, and the Redis store's tests need a real one: {INSTALL}",
                    pytrace=False)
    port = port or free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory), "--protected-mode", "yes", *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                if connection.recv(16).startswith(b"+PONG"):
                    return RedisServer(process, port)
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"redis-server did not start on port {port} (exit {process.poll()})", pytrace=False)
        time.sleep(0.02)


@contextmanager
def running_redis(directory: Path, port: int | None = None) -> Iterator[RedisServer]:
    server = start_redis(directory, port)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()
