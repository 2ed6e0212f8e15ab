"""A Python handle on the zod oracle: one long-running ``node oracle.mjs`` answering over pipes.

The oracle validates OCR request bodies with zod 4.4.3 against this directory's rendering of the gateway's schema
and answers with what the gateway's 400 ``validation_error`` body would hold (see README.md). This class only runs
it: installing Node.js and running ``npm ci`` here are left to the caller, and a missing piece raises
:class:`OracleUnavailable` naming the fix.

    with ZodOracle() as oracle:
        oracle.validate("2026-08", {"model": "mistral/ocr-3"})
        # {'ok': False, 'description': 'Exactly one of image or document is required at document', 'details': [...]}
        oracle.validate_many("2026-07", bodies)  # one round trip for the whole batch
"""

from __future__ import annotations

import contextlib
import json
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Literal, Self, get_args

Release = Literal["2026-07", "2026-08"]
RELEASES: Final[tuple[Release, ...]] = get_args(Release)
Verdict = dict[str, Any]
"""``{"ok": True}``, or ``{"ok": False, "description": str, "details": [...]}`` (plus ``"error": "invalid_json"``
for raw text that is not JSON)."""

ORACLE_DIR: Final = Path(__file__).resolve().parent
ZOD_VERSION: Final = "4.4.3"


class OracleError(RuntimeError):
    """The oracle could not answer: it refused an input line, died, or took too long."""


class OracleUnavailable(OracleError):
    """The oracle cannot start here; the message says what to install or run."""


def unavailable_reason(node: str = "node", directory: Path = ORACLE_DIR) -> str | None:
    """Why the oracle cannot start here, with the fix; None when it can (e.g. for ``pytest.skip``)."""
    if shutil.which(node) is None:
        return (
            f"Node.js ({node!r}) is not on PATH: the zod oracle needs Node.js 18 or later "
            f"(e.g. `apt-get install nodejs npm`), then `npm ci` in {directory}"
        )
    manifest = directory / "node_modules" / "zod" / "package.json"
    if not manifest.is_file():
        return f"{directory / 'node_modules'} is missing or has no zod: run `npm ci` in {directory}"
    try:
        version = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError) as error:
        return f"cannot read {manifest} ({error}): run `npm ci` in {directory}"
    if version != ZOD_VERSION:
        return f"{manifest} is zod {version}, the oracle needs zod {ZOD_VERSION}: run `npm ci` in {directory}"
    return None


class ZodOracle:
    """The oracle process, started on ``__enter__`` (or :meth:`start`) and stopped on ``__exit__`` (or :meth:`close`).

    Calls are serialised by a lock, so one instance may be shared between threads; each call is one round trip.
    """

    def __init__(self, *, node: str = "node", directory: Path = ORACLE_DIR, timeout: float = 60.0) -> None:
        self._node = node
        self._directory = directory
        self._timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._answers: queue.Queue[bytes | None] = queue.Queue()
        self._lock = threading.Lock()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start ``node oracle.mjs``; :class:`OracleUnavailable` when Node.js or node_modules is missing."""
        if self._process is not None:
            return
        reason = unavailable_reason(self._node, self._directory)
        if reason is not None:
            raise OracleUnavailable(reason)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  (kept open for the process's life; close() closes it)
        self._answers = queue.Queue()
        self._process = subprocess.Popen(
            [self._node, str(self._directory / "oracle.mjs")],
            cwd=self._directory,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        # Drains stdout all the time, so the oracle never blocks on a full pipe while a large batch is written.
        threading.Thread(target=self._read_answers, args=(self._process,), daemon=True).start()

    def close(self) -> None:
        """Stop the oracle (closing its stdin ends it); idempotent."""
        process, self._process = self._process, None
        if process is not None:
            assert process.stdin is not None
            with contextlib.suppress(OSError):
                process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def validate(self, release: Release, body: Any) -> Verdict:
        """The gateway's verdict on one JSON body (any JSON value: dict, list, str, number, bool or None)."""
        return self._exchange([_line(release, "body", body)])[0]

    def validate_raw(self, release: Release, text: str) -> Verdict:
        """The verdict on a request body given as text, the gateway's JSON parsing included (e.g. ``1e400``)."""
        return self._exchange([_line(release, "raw", text)])[0]

    def validate_many(self, release: Release, bodies: Iterable[Any]) -> list[Verdict]:
        """The verdicts on many bodies, in order, in one round trip."""
        return self._exchange([_line(release, "body", body) for body in bodies])

    def _read_answers(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._answers.put(line)
        self._answers.put(None)  # end of output: the process is gone

    def _exchange(self, lines: list[bytes]) -> list[Verdict]:
        with self._lock:
            if self._process is None:
                raise OracleError("the oracle is not running: use `with ZodOracle() as oracle:` or call start()")
            try:
                answers = self._round_trip(lines)
            except OracleError:
                # A late or missing answer would pair the next call's inputs with this call's answers: stop here.
                self._failed()
                raise
            verdicts: list[Verdict] = [json.loads(answer) for answer in answers]
            refused = [verdict["oracle_error"] for verdict in verdicts if "oracle_error" in verdict]
            if refused:
                raise OracleError(f"the oracle refused {len(refused)} input line(s), the first: {refused[0]}")
            return verdicts

    def _round_trip(self, lines: list[bytes]) -> list[bytes]:
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(b"".join(lines))
            self._process.stdin.flush()
        except BrokenPipeError:
            raise OracleError(f"the oracle has exited{self._stderr_tail()}") from None
        answers: list[bytes] = []
        for _ in lines:
            try:
                answer = self._answers.get(timeout=self._timeout)
            except queue.Empty:
                raise OracleError(f"no answer from the oracle within {self._timeout} s") from None
            if answer is None:
                raise OracleError(f"the oracle has exited{self._stderr_tail()}")
            answers.append(answer)
        return answers

    def _failed(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace").strip()
        return f"; its stderr ends with:\n{text[-2000:]}" if text else ""


def _line(release: Release, kind: Literal["body", "raw"], value: Any) -> bytes:
    if release not in RELEASES:
        raise ValueError(f"unknown release {release!r}: expected one of {', '.join(RELEASES)}")
    # ASCII-only (lone surrogates survive as escapes) and strict JSON: NaN and infinities have no JSON spelling,
    # so they raise ValueError here; send such bodies as text with validate_raw.
    encoded = json.dumps({"release": release, kind: value}, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return encoded.encode("ascii") + b"\n"
