"""The one log line per answered request, at INFO on the ``ocr_mock`` logger.

``ocr-mock serve`` configures logging with ``LINE_FORMAT`` on one stream handler (cli.py). With exactly that
configuration, ``RequestLog`` writes the very text logging would write, without building a ``LogRecord`` and
walking the handler chain (about 30 µs of a request's CPU, a tenth of the mock's), and the lines of one event-loop
turn go out in one write at the start of the next turn (under load a turn answers tens of requests: one system call
instead of tens; a line waits for no more than the requests answered beside it). With any other configuration (a
test's ``caplog``, a user's handlers or filters, another format) it logs through ``logging`` as usual, at once.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import time
import weakref

LOGGER_NAME = "ocr_mock"
LINE_FORMAT = "%(asctime)s %(name)s %(message)s"
MESSAGE = "%s %s %d %.1fms model=%s"
LOGGED_CHARACTERS = 200


def loggable(value: str) -> str:
    """A caller's value in the log line: control characters escaped (no forged lines), long values cut."""
    if len(value) <= LOGGED_CHARACTERS and value.isprintable():
        return value
    cut = value[:LOGGED_CHARACTERS].encode("unicode_escape", "backslashreplace").decode("ascii")
    return cut + ("..." if len(value) > LOGGED_CHARACTERS else "")


def message_args(method: str, path: str, status: int, elapsed_ms: float, model: str | None) -> tuple[object, ...]:
    """The arguments of ``MESSAGE`` for one request."""
    return method, loggable(path), status, elapsed_ms, loggable(model) if model else "-"


class RequestLog:
    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger(LOGGER_NAME)
        self._second = -1
        self._second_text = ""
        self._pending: list[str] = []  # lines of this event-loop turn, written by ``flush`` at the next
        self._pending_handler: logging.StreamHandler[logging.TextIO] | None = None  # type: ignore[name-defined]
        self._pending_loop: asyncio.AbstractEventLoop | None = None
        _LOGS.add(self)

    def __call__(self, method: str, path: str, status: int, elapsed_ms: float, model: str | None) -> None:
        logger = self.logger
        if not logger.isEnabledFor(logging.INFO):
            return
        args = message_args(method, path, status, elapsed_ms, model)
        handler = self._plain_handler()
        if handler is None:
            logger.info(MESSAGE, *args)
            return
        formatter = handler.formatter
        assert formatter is not None
        waiting_on = self._pending_loop
        if self._pending and (handler is not self._pending_handler or waiting_on is None
                              or not waiting_on.is_running()):
            self.flush()  # lines waiting for another handler, or for a loop that stopped before its next turn
        self._pending.append(f"{self._asctime(formatter)} {logger.name} {MESSAGE % args}{handler.terminator}")
        if len(self._pending) == 1:
            # once a turn (asyncio's loop lookup costs a getpid on Python 3.11); None for a synchronous caller
            loop = asyncio._get_running_loop()
            self._pending_handler, self._pending_loop = handler, loop
            if loop is None:
                self.flush()
            else:
                loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write the lines of this event-loop turn in one write (requests answered in the same turn share it)."""
        handler, lines = self._pending_handler, self._pending
        if handler is None or not lines:
            return
        self._pending, self._pending_handler, self._pending_loop = [], None, None
        text = "".join(lines)
        with handler.lock or _NO_LOCK:
            try:
                handler.stream.write(text)
                handler.stream.flush()
            except Exception:  # as StreamHandler.emit: a broken stream is reported, never raised into a request
                handler.handleError(logging.makeLogRecord({"msg": text}))

    def _plain_handler(self) -> logging.StreamHandler[logging.TextIO] | None:  # type: ignore[name-defined]
        """The root's one stream handler when it, and nothing else, would write this logger's line in
        ``LINE_FORMAT``; otherwise None (log through ``logging``)."""
        logger, root = self.logger, logging.root
        if logger.handlers or logger.filters or not logger.propagate or logger.parent is not root or root.filters:
            return None
        handlers = root.handlers
        if len(handlers) != 1:
            return None
        handler = handlers[0]
        formatter = handler.formatter
        # ``_style`` and ``_fmt`` are the stdlib Formatter's own; read with getattr so that another Python's
        # Formatter only turns the shortcut off
        if (type(handler) is not logging.StreamHandler or handler.filters or handler.level > logging.INFO
                or type(formatter) is not logging.Formatter or formatter.datefmt is not None
                or type(getattr(formatter, "_style", None)) is not logging.PercentStyle
                or getattr(formatter, "_fmt", None) != LINE_FORMAT):
            return None
        return handler

    def _asctime(self, formatter: logging.Formatter) -> str:
        """``Formatter.formatTime`` with no date format: the local time to the second, then milliseconds."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second_text = time.strftime(formatter.default_time_format, formatter.converter(second))
            self._second = second
        return formatter.default_msec_format % (self._second_text, int((now - second) * 1000))  # type: ignore[operator]


_LOGS: weakref.WeakSet[RequestLog] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    """At exit, the lines of a turn that never came (a loop stopped with lines pending) are written too."""
    for log in list(_LOGS):
        log.flush()


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NO_LOCK = _NoLock()
