"""Where the plugin's mocks live: one event loop thread per test session (per xdist worker) that serves
every loopback server the session starts and runs the sync in-process transport; one ``AppHost`` per
distinct configuration, reused from test to test and reset in between."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from functools import cached_property
from typing import Any, TypeVar

from mockserver.mock import Mock
from mockserver.pytest_plugin.transports import InProcessAsyncTransport, InProcessTransport, SharedTransport
from mockserver.settings import Settings
from mockserver.web.app import create_app

T = TypeVar("T")
STARTUP_TIMEOUT_S = 10.0


class LoopThread:
    """An asyncio event loop running in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="ocr-gateway-loop", daemon=True)
        self._thread.start()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.submit(coroutine).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()


class CallerLoops:
    """Runs a coroutine to completion for a sync caller: on an event loop of the caller's own thread when that
    thread runs none (no thread hop: the fastest in-process path), else on the session's loop thread."""

    def __init__(self, fallback: Callable[[], LoopThread]) -> None:
        self._fallback = fallback
        self._loops: dict[int, asyncio.AbstractEventLoop] = {}
        self._lock = threading.Lock()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._own_loop().run_until_complete(coroutine)
        return self._fallback().run(coroutine)

    def _own_loop(self) -> asyncio.AbstractEventLoop:
        ident = threading.get_ident()
        loop = self._loops.get(ident)
        if loop is None:
            with self._lock:
                loop = self._loops[ident] = asyncio.new_event_loop()
        return loop

    def close(self) -> None:
        with self._lock:
            for loop in self._loops.values():
                if not loop.is_running():
                    loop.close()
            self._loops.clear()


class LoopbackServer:
    """uvicorn serving ``app`` on a free 127.0.0.1 port, as ``ocr-mock serve`` does (with the protocol that
    lets connection faults close the socket)."""

    def __init__(self, app: Any, loop: LoopThread) -> None:
        import uvicorn  # here: a session that only uses the in-process transports never pays for it

        from mockserver.web.serving import TransportExposingProtocol

        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, http=TransportExposingProtocol, lifespan="off", server_header=False,
            access_log=False, log_config=None, timeout_graceful_shutdown=1,
            timeout_keep_alive=3600,  # the session's clients share connections; only the session closes them
        )
        self._server = uvicorn.Server(config)
        self._loop = loop
        self._done = loop.submit(self._server.serve())
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self._server.started:
            if self._done.done():
                self._done.result()
                raise RuntimeError("the mock's loopback server stopped while starting")
            if time.monotonic() > deadline:
                raise TimeoutError("the mock's loopback server did not start")
            time.sleep(0.0005)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"

    def stop(self) -> None:
        """Close the listening socket and every connection now. (uvicorn's graceful shutdown waits for its next
        tick and then sleeps 0.1 s: a test session's server has no request in flight when it stops.)"""
        self._done.cancel()
        self._loop.run(self._close())

    async def _close(self) -> None:
        for connection in list(self._server.server_state.connections):
            connection.shutdown()
        for server in self._server.servers:
            server.close()


class AppHost:
    """One mock (state, ASGI app, in-process transports) and, from the first time a test needs a URL, its
    loopback server."""

    def __init__(self, settings: Settings, loop: Callable[[], LoopThread], callers: CallerLoops) -> None:
        self.mock = Mock(settings)
        self.app = create_app(mock=self.mock)
        self._loop = loop  # the session's loop thread, started when a server first needs it
        self._callers = callers
        self._server: LoopbackServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        with self._lock:
            if self._server is None:
                self._server = LoopbackServer(self.app, self._loop())
            return self._server.url

    @cached_property
    def transport(self) -> InProcessTransport:
        return InProcessTransport(self.app, self._callers)

    @cached_property
    def async_transport(self) -> InProcessAsyncTransport:
        return InProcessAsyncTransport(self.app)

    @cached_property
    def socket_transport(self) -> SharedTransport:
        return SharedTransport()

    def close(self) -> None:
        if "socket_transport" in self.__dict__:
            self.socket_transport.shutdown()
        if self._server is not None:
            self._server.stop()
            self._server = None


class HostPool:
    """The session's hosts: shared ones by configuration, and private ones for ``ocr_gateway_factory``."""

    def __init__(self) -> None:
        self._shared: dict[Settings, AppHost] = {}
        self._loop: LoopThread | None = None
        self._callers = CallerLoops(lambda: self.loop)

    @property
    def loop(self) -> LoopThread:
        if self._loop is None:
            self._loop = LoopThread()
        return self._loop

    def shared(self, settings: Settings) -> AppHost:
        host = self._shared.get(settings)
        if host is None:
            host = self._shared[settings] = AppHost(settings, lambda: self.loop, self._callers)
        return host

    def private(self, settings: Settings) -> AppHost:
        return AppHost(settings, lambda: self.loop, self._callers)

    def close(self) -> None:
        for host in self._shared.values():
            host.close()
        self._shared.clear()
        self._callers.close()
        if self._loop is not None:
            self._loop.close()
            self._loop = None
