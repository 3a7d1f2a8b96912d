"""Serving the hub over HTTP: uvicorn, with a connection that does not wait forever.

uvicorn parses HTTP with httptools (C, llhttp): a flood of requests, most refused at the
door, costs the server a fraction of what the pure-Python h11 parser costs per request,
and the event loop stays free for everyone else (BEY-11). Where httptools cannot be
imported, h11 serves with the same guard.

uvicorn times out a keep-alive connection that is idle between requests, but not one
that never sends a request, nor one that trickles its request line and headers a byte
at a time: each would hold a connection (and its memory) for as long as the client
likes. `_HeadGuard` gives every request's head `HEAD_TIMEOUT_S` to arrive
whole, from the connection's first byte or the previous response; past it the client
gets a 408 and the connection closes. (A trickled body is the door's business:
`tandem.hub.api.door.Limits.body_timeout_s`.)
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools missing: h11 serves
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

HEAD_TIMEOUT_S = 10.0
KEEP_ALIVE_S = 5
REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class _HeadGuard(asyncio.Protocol):
    """Mixed into uvicorn's protocol classes (which provide what is declared here)."""

    head_timeout_s = HEAD_TIMEOUT_S
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    logger: logging.Logger
    cycle: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._awaiting_head():
            self._head_bytes += len(data)
            if self._head_timer is None:
                self._arm()
        super().data_received(data)
        if not self._awaiting_head():
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        # uvicorn's keep-alive timer ends at the next byte; ours, at the next whole head
        self._head_bytes = 0
        if not self.transport.is_closing():
            self._arm()

    def _awaiting_head(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or not self._awaiting_head():
            return
        if self._head_bytes:
            self.logger.info("closing a connection whose request head took over %g s", self.head_timeout_s)
            self.transport.write(REQUEST_TIMEOUT)
        self.transport.close()


class GuardedH11Protocol(_HeadGuard, H11Protocol):
    pass


def protocol_class() -> type[asyncio.Protocol]:
    if HttpToolsProtocol is None:
        return GuardedH11Protocol
    return type("GuardedHttpToolsProtocol", (_HeadGuard, HttpToolsProtocol), {})


class _Server(uvicorn.Server):
    """uvicorn's server, that calls `on_ready` once it serves: the app started (its lifespan,
    the workers with it) and the socket listens, after uvicorn's own start-up lines."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self._on_ready()


def serve(
    app: Any,
    host: str,
    port: int,
    log_level: str,
    head_timeout_s: float = HEAD_TIMEOUT_S,
    on_ready: Callable[[], None] = lambda: None,
) -> None:
    """Run `app` until interrupted; `on_ready` once it serves."""
    protocol = type("Protocol", (protocol_class(),), {"head_timeout_s": head_timeout_s})
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        log_config=None,  # its lines go to Tandem's handler: the same format, the same ids
        http=protocol,
        ws="none",
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    _Server(config, on_ready).run()
