"""The door: what every request passes before any route sees it.

A pure ASGI middleware (no BaseHTTPMiddleware: it must see a client that goes away):

- an address holding NUL is a 400 (PostgreSQL would refuse it deep inside a query);
- the body is read here, whole, before the route runs, within `Limits.body_bytes`
  (413 otherwise; a `Content-Length` over the limit is refused before a byte is read)
  and within `Limits.body_timeout_s` (408: a client trickling its body is not waited
  for). Both answers close the connection, since the rest of the body is unread; a page
  form in `Limits.too_large_pages` (the calendar key upload) gets a 303 back to its page,
  which says why, instead of the API's 413;
- a refusal known from the request's address and path alone (`refuse`: a sign-in from an
  address that must wait) is answered here, at the least cost a request can have, after
  a short pause (`Limits.refusal_hold_s`);
- a client that disconnects mid-body is not an error: it is logged once, quietly, and
  nothing runs;
- an unexpected exception is answered with a 500 naming a reference, logged once with
  its traceback, and the connection stays usable (the server would otherwise drop it
  without `Connection: close`, failing the client's next request).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tandem.domain import limits
from tandem.hub.api import errors
from tandem.hub.services.errors import FieldProblem

log = logging.getLogger("tandem.api")

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True, slots=True)
class Limits:
    body_bytes: int = 1 * MIB
    """The largest request body any route takes."""
    small_body_bytes: int = 16 * KIB
    """The largest body of the routes anyone may call without a token."""
    small_body_paths: frozenset[str] = field(default_factory=lambda: frozenset({"/v1/token", "/v1/refreshtoken"}))
    body_timeout_s: float = 30.0
    """How long a client may take to send its whole body."""
    too_large_pages: Mapping[str, str] = field(default_factory=dict)
    """A page form's path -> where to send the browser (303) when its body is too large."""
    refusal_hold_s: float = 1.0
    """An early refusal is answered after this pause (a throttled address waits at least 1 s
    anyway): a guesser ignoring `Retry-After` gets one answer a second per connection
    instead of hundreds, and the server's time goes to everyone else."""

    def for_path(self, path: str) -> int:
        return self.small_body_bytes if path.rstrip("/") in self.small_body_paths else self.body_bytes


EarlyRefusal = Callable[[Scope], errors.ApiError | None]
"""A refusal known from the address alone (a throttled sign-in), answered before any route work."""


class Door:
    def __init__(self, app: ASGIApp, limits: Limits | None = None, refuse: EarlyRefusal | None = None) -> None:
        self.app = app
        self.limits = limits or Limits()
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"") or b"%00" in scope.get("raw_path", b""):
            problem = FieldProblem("", "the address may not contain NUL characters", "UriParameter")
            await _answer(scope, receive, send, 400, "InvalidRequest", problem)
            return
        limit = self.limits.for_path(scope["path"])
        declared = _content_length(scope)
        if declared == -1:
            problem = FieldProblem("Content-Length", "Content-Length must be a whole number of bytes", "RequestHeader")
            await _answer(scope, receive, send, 400, "InvalidRequest", problem, close=True)
            return
        if declared is not None and declared > limit:
            await _too_large(scope, receive, send, limit, self.limits.too_large_pages.get(scope["path"]))
            return
        try:
            async with asyncio.timeout(self.limits.body_timeout_s):
                body = await _read_body(receive, limit)
        except TimeoutError:
            problem = FieldProblem("", f"the request body did not arrive within {self.limits.body_timeout_s:g} s")
            await _answer(scope, receive, send, 408, "InvalidRequest", problem, close=True)
            return
        if body is None:
            log.info("%s %s: the client went away before sending its whole body", scope["method"], scope["path"])
            return
        if isinstance(body, _TooLarge):
            await _too_large(scope, receive, send, limit, self.limits.too_large_pages.get(scope["path"]))
            return
        refusal = self.refuse(scope) if self.refuse is not None else None
        if refusal is not None:
            await asyncio.sleep(self.limits.refusal_hold_s)
            await errors.respond(refusal.status, refusal.type, refusal.problems, refusal.headers)(scope, receive, send)
            return
        await self._run(scope, _replay(body, receive), send)

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            reference = errors.reference()
            log.exception("internal error %s on %s %s", reference, scope["method"], scope["path"])
            if started:
                raise  # half an answer went out; only closing the connection can tell the client
            await errors.internal_response(reference)(scope, receive, send)


class _TooLarge:
    pass


async def _read_body(receive: Receive, limit: int) -> bytes | _TooLarge | None:
    """The whole body; `_TooLarge` past `limit`; None when the client went away."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return _TooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def _content_length(scope: Scope) -> int | None:
    """The declared length; None when not declared; -1 when not a number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            length = limits.whole_number(value.decode("latin-1").strip())
            return -1 if length is None or length < 0 else length
    return None


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int, page: str | None = None) -> None:
    if page is not None:  # a page form: back to its page, which says why (the rest is never read)
        headers = [(b"location", page.encode("latin-1")), (b"content-length", b"0"), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    problem = FieldProblem("", f"the request body is larger than {limit} bytes", "RequestBody")
    await _answer(scope, receive, send, 413, "InvalidRequest", problem, close=True)


async def _answer(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    type_: str,
    problem: FieldProblem,
    *,
    close: bool = False,
) -> None:
    headers = {"Connection": "close"} if close else None
    await errors.respond(status, type_, [problem], headers)(scope, receive, send)
