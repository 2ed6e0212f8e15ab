"""The per-request log line as ``ocr-mock serve`` writes it: the same text logging would write, the lines of one
event-loop turn in one write, none held back past that turn."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.web.logline import LINE_FORMAT, LOGGER_NAME, RequestLog
from tests.helpers import logging_as_served

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ocr_mock POST /v1/ocr 200 1\.5ms model=mistral/ocr-3$")


class CountingStream(io.StringIO):
    writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@contextlib.contextmanager
def served_logging() -> Iterator[CountingStream]:
    """Logging configured as ``ocr-mock serve`` does, into a stream that counts its writes."""
    stream = CountingStream()
    with logging_as_served(stream):
        yield stream


def log_one(log: RequestLog) -> None:
    log("POST", "/v1/ocr", 200, 1.5, "mistral/ocr-3")


def test_lines_of_one_event_loop_turn_leave_in_one_write_at_the_next_turn() -> None:
    log = RequestLog(logging.getLogger(LOGGER_NAME))

    async def answer_three() -> tuple[str, str]:
        for _ in range(3):
            log_one(log)
        during = stream.getvalue()
        await asyncio.sleep(0)  # one turn of the loop
        return during, stream.getvalue()

    with served_logging() as stream:
        during, after = asyncio.run(answer_three())
    assert during == ""
    lines = after.splitlines()
    assert len(lines) == 3 and all(LINE.match(line) for line in lines), after
    assert stream.writes == 1


def test_without_an_event_loop_the_line_is_written_at_once() -> None:
    with served_logging() as stream:
        log_one(RequestLog(logging.getLogger(LOGGER_NAME)))
    assert LINE.match(stream.getvalue().rstrip("\n"))


def test_a_line_pending_when_the_handler_changes_goes_to_the_handler_it_was_formatted_for() -> None:
    log = RequestLog(logging.getLogger(LOGGER_NAME))
    other = CountingStream()

    async def switch() -> None:
        log_one(log)
        handler = logging.StreamHandler(other)
        handler.setFormatter(logging.Formatter(LINE_FORMAT))
        logging.getLogger().handlers[:] = [handler]
        log_one(log)
        await asyncio.sleep(0)

    with served_logging() as stream:
        asyncio.run(switch())
    assert len(stream.getvalue().splitlines()) == 1 and len(other.getvalue().splitlines()) == 1


def test_through_logging_when_configured_otherwise(caplog: pytest.LogCaptureFixture) -> None:
    """pytest's capture handler is not ``serve``'s configuration: the line is an ordinary log record, at once."""
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        log_one(RequestLog(logging.getLogger(LOGGER_NAME)))
    assert [record.getMessage() for record in caplog.records] == ["POST /v1/ocr 200 1.5ms model=mistral/ocr-3"]


def test_a_line_left_by_a_loop_that_closed_before_its_turn_is_written_with_the_next_line() -> None:
    """Nothing is lost, and the log does not fall silent: the line waited for a loop that never turned again."""
    log = RequestLog(logging.getLogger(LOGGER_NAME))
    loop = asyncio.new_event_loop()

    async def answer() -> None:
        log_one(log)

    with served_logging() as stream:
        loop.call_soon(log_one, log)  # the flush is scheduled for the loop's next turn...
        loop.call_soon(loop.stop)  # ...which never comes
        loop.run_forever()
        loop.close()
        assert stream.getvalue() == ""
        asyncio.run(answer())
        assert len(stream.getvalue().splitlines()) == 2


def test_a_line_still_waiting_when_the_process_exits_is_written() -> None:
    """The loop stopped before the turn that writes it, and no line came after: the exit writes it."""
    script = """
import asyncio, logging
from mockserver.web.logline import LINE_FORMAT, LOGGER_NAME, RequestLog
logging.basicConfig(level=logging.INFO, format=LINE_FORMAT)
log = RequestLog(logging.getLogger(LOGGER_NAME))
loop = asyncio.new_event_loop()
loop.call_soon(log, "POST", "/v1/ocr", 200, 1.5, "mistral/ocr-3")
loop.call_soon(loop.stop)
loop.run_forever()
loop.close()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert LINE.match(done.stderr.rstrip("\n")), done.stderr
