"""Starting a server on loopback, waiting until it answers, and stopping it: always by its own pid."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class ServerSpec:
    """How to run one server: ``{port}`` in the command is replaced by a free loopback port, ``{scratch}``
    by the run's scratch directory (where the logs go)."""

    name: str
    command: tuple[str, ...]
    ocr_path: str = "/v1/ocr"  # Prism drops the server's base path /v1
    cwd: Path | None = None


@dataclass
class Running:
    spec: ServerSpec
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}{self.spec.ocr_path}"


def post(url: str, body: bytes, auth: str, timeout: float = 60.0) -> tuple[int, bytes]:
    """One POST; the status and body, whatever the status."""
    request = urllib.request.Request(
        url, data=body, headers={"Authorization": auth, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@contextlib.contextmanager
def running(spec: ServerSpec, log_dir: Path, ready_body: bytes, auth: str, timeout: float = 60.0) -> Iterator[Running]:
    """The server, started and answering 200 to ``ready_body``; stopped (TERM, then KILL) afterwards."""
    server = start(spec, log_dir)
    try:
        wait_until_ok(server, ready_body, auth, timeout)
        yield server
    finally:
        stop(server)


def start(spec: ServerSpec, log_dir: Path) -> Running:
    port = free_port()
    log = log_dir / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', spec.name)}.log"
    command = [part.replace("{port}", str(port)).replace("{scratch}", str(log_dir)) for part in spec.command]
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=spec.cwd, start_new_session=True)
    return Running(spec, process, port, log)


def wait_until_ok(server: Running, body: bytes, auth: str, timeout: float) -> float:
    """Seconds until the first 200; raises if the process dies or the time runs out."""
    started = time.perf_counter()
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.spec.name} exited with {server.process.returncode}; see {server.log}")
        with contextlib.suppress(OSError):
            if post(server.url, body, auth, timeout=2.0)[0] == 200:
                return time.perf_counter() - started
        time.sleep(0.005)
    raise TimeoutError(f"{server.spec.name} did not answer 200 within {timeout:.0f} s; see {server.log}")


def stop(server: Running) -> None:
    """SIGTERM to the server's own process group (Prism runs under a node launcher), then SIGKILL."""
    if server.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


def rss_bytes(pid: int, field: str = "VmRSS") -> int:
    """A memory figure of a process from /proc (VmRSS now, VmHWM the peak since the last reset)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak_rss(pid: int) -> None:
    """Start VmHWM again from the current RSS (Linux: write 5 to clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of the process and its live descendants (``--workers`` serves from child processes)."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        with contextlib.suppress(OSError):
            total += cpu_seconds(current)
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
    return total

