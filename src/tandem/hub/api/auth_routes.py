"""`POST /v1/token`, `POST /v1/refreshtoken` and the heartbeats."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

import anyio
import pydantic
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from tandem.hub.api.body import RawBody, parse, read_json
from tandem.hub.api.context import UNAUTHENTICATED, HubContext, authenticate, hub
from tandem.hub.api.errors import ApiError
from tandem.hub.api.throttle import Throttle
from tandem.hub.models.common import utcnow
from tandem.hub.services import clients
from tandem.hub.services.clients import IssuedTokens, Principal
from tandem.hub.services.errors import FieldProblem, ValidationFailed

router = APIRouter()


class ClientCredentials(pydantic.BaseModel):
    client_id: str = pydantic.Field(min_length=1, max_length=200)
    client_secret: str = pydantic.Field(min_length=1, max_length=1000)
    scope: str | None = pydantic.Field(None, max_length=2000)


HASHING_SLOTS = max(2, os.cpu_count() or 2)
"""Secrets checked at once; more sign-ins wait their turn on the event loop, holding no
worker thread, so a flood of them cannot starve the other routes of threads."""


def _answer(tokens: IssuedTokens) -> dict[str, Any]:
    now = utcnow()

    def seconds(until: datetime) -> int:
        return max(0, int((until - now).total_seconds()))

    return {
        "access_token": tokens.access_token,
        "access_token_type": "Bearer",
        "access_token_expires_in": seconds(tokens.access_expires),
        "access_token_expires_utc": tokens.access_expires.isoformat(),
        "refresh_token": tokens.refresh_token,
        "refresh_token_expires_in": seconds(tokens.refresh_expires),
        "refresh_token_expires_utc": tokens.refresh_expires.isoformat(),
        "scope": " ".join(tokens.scopes),
    }


TOKEN_PATH = "/v1/token"  # noqa: S105 - an address, not a secret


@router.post(TOKEN_PATH)
async def token(request: Request, raw: RawBody) -> dict[str, Any]:
    """The only route anyone may call: it stays cheap to refuse (the throttle answers
    before any secret is hashed) and does its slow work off the event loop."""
    credentials = parse(ClientCredentials, read_json(raw))
    context = hub(request)
    address = request.client.host if request.client else ""
    _refuse_while_waiting(context.throttle, address, credentials.client_id)
    async with _hashing(request):
        _refuse_while_waiting(context.throttle, address, credentials.client_id)
        tokens = await run_in_threadpool(_sign_in, context, credentials, address)
    return _answer(tokens)


def _refuse_while_waiting(throttle: Throttle, address: str, client_id: str) -> None:
    wait = throttle.wait_s(address, client_id)
    if wait:
        raise _too_many(wait)


def _too_many(wait: int) -> ApiError:
    return ApiError(
        429,
        "InvalidRequest",
        f"too many failed sign-ins; try again in {wait} s",
        "client_secret",
        "RequestBody",
        {"Retry-After": str(wait)},
    )


def throttled_address(context: HubContext) -> Callable[[Scope], ApiError | None]:
    """For the door: a sign-in from an address that must wait is refused before anything
    else is done for it (no routing, no parsing), so a flood of guesses costs the server as
    little as a request can."""

    def refusal(scope: Scope) -> ApiError | None:
        if scope["method"] != "POST" or scope["path"].rstrip("/") != TOKEN_PATH:
            return None
        client = scope.get("client")
        wait = context.throttle.wait_s(client[0] if client else "")
        return _too_many(wait) if wait else None

    return refusal


def _hashing(request: Request) -> anyio.CapacityLimiter:
    """This event loop's limiter of concurrent secret checks."""
    loop = asyncio.get_running_loop()
    held: tuple[asyncio.AbstractEventLoop, anyio.CapacityLimiter] | None = getattr(request.app.state, "hashing", None)
    if held is None or held[0] is not loop:
        held = (loop, anyio.CapacityLimiter(HASHING_SLOTS))
        request.app.state.hashing = held
    return held[1]


def _sign_in(context: HubContext, credentials: ClientCredentials, address: str) -> IssuedTokens:
    with context.db.write() as session:
        client = clients.authenticate_client(session, credentials.client_id, credentials.client_secret)
        if client is None:
            context.throttle.failed(address, credentials.client_id)
            raise ApiError(
                401,
                "AuthenticationRequired",
                "client_id or client_secret is wrong",
                "client_secret",
                "RequestBody",
                UNAUTHENTICATED,
            )
        allowed = client.scopes.split()
        if credentials.scope:
            wanted = credentials.scope.replace(",", " ").split()
            missing = [s for s in wanted if s not in allowed]
            if missing:
                raise ValidationFailed(FieldProblem("scope", f"this client may not ask for {', '.join(missing)}"))
        else:
            wanted = allowed
        tokens = clients.issue(
            session, client, wanted, context.access_token_lifetime_s, context.refresh_token_lifetime_s
        )
    context.throttle.succeeded(address, credentials.client_id)
    return tokens


@router.post("/v1/refreshtoken")
def refresh(request: Request, raw: RawBody) -> dict[str, Any]:
    refresh_token = read_json(raw)
    if not isinstance(refresh_token, str) or not refresh_token:
        raise ValidationFailed(FieldProblem("refreshToken", "the body must be the refresh token as a JSON string"))
    context = hub(request)
    with context.db.write() as session:
        found = clients.lookup_token(session, refresh_token, kind="refresh")
        if found is None:
            raise ApiError(401, "AuthenticationRequired", "the refresh token is unknown or expired", "refreshToken")
        client, stored = found
        claimed = request.headers.get("client_id")
        if claimed is not None and claimed != client.client_id:
            raise ApiError(401, "AuthenticationRequired", "Client_Id does not match the token", "Client_Id")
        clients.revoke(session, refresh_token)
        tokens = clients.issue(
            session, client, stored.scopes.split(), context.access_token_lifetime_s, context.refresh_token_lifetime_s
        )
    return _answer(tokens)


@router.get("/heartbeat/server", response_class=PlainTextResponse)
async def server_alive() -> str:
    """On the event loop itself, holding no worker thread: it answers as long as the
    loop is free, which is what it is for."""
    return "Server is alive."


@router.get("/heartbeat/database", response_class=PlainTextResponse)
def database_alive(request: Request) -> Response:
    try:
        with hub(request).db.read() as session:
            session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return PlainTextResponse("Database is not reachable.", status_code=503)
    return PlainTextResponse("Database is alive.")


@router.get("/heartbeat/authorized", status_code=204)
def authorized(_: Principal = Depends(authenticate)) -> Response:
    return Response(status_code=204)
