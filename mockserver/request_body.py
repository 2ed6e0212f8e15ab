"""The raw request body in one buffer, held only as long as its reader needs it.

``Request.body()`` keeps every chunk until it joins them (two copies at the peak) and then caches the
result on the request for its whole life. For a 20 MB image that is 20 MB more at the peak and 20 MB
held while the gateway works on the parsed body. Reading into one growing buffer keeps one copy, and
it is freed as soon as the JSON is parsed. The stream is consumed: ``request.body()`` cannot be
called afterwards.
"""

from __future__ import annotations

from starlette.requests import Request


async def read_body_once(request: Request) -> bytearray:
    buffer = bytearray()
    async for chunk in request.stream():
        buffer += chunk
    return buffer
