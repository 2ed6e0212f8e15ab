"""Running the app under uvicorn with what the mock needs from the server: the transport in the ASGI
scope (for connection faults)."""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .faults import TRANSPORT


class TransportExposingProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, adding the connection's transport to each request's scope."""

    def on_message_begin(self) -> None:
        super().on_message_begin()
        scope: Any = self.scope
        scope["extensions"] = {TRANSPORT: self.transport}
