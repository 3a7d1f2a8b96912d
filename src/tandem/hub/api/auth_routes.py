"""`POST /v1/token`, `POST /v1/refreshtoken` and the heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pydantic
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse

from tandem.hub.api.body import parse, read_json
from tandem.hub.api.context import UNAUTHENTICATED, authenticate, hub
from tandem.hub.api.errors import ApiError
from tandem.hub.models.common import utcnow
from tandem.hub.services import clients
from tandem.hub.services.clients import IssuedTokens, Principal
from tandem.hub.services.errors import FieldProblem, ValidationFailed

router = APIRouter()


class ClientCredentials(pydantic.BaseModel):
    client_id: str = pydantic.Field(min_length=1)
    client_secret: str = pydantic.Field(min_length=1)
    scope: str | None = None


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


@router.post("/v1/token")
async def token(request: Request) -> dict[str, Any]:
    credentials = parse(ClientCredentials, await read_json(request))
    context = hub(request)
    with context.db.write() as session:
        client = clients.authenticate_client(session, credentials.client_id, credentials.client_secret)
        if client is None:
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
    return _answer(tokens)


@router.post("/v1/refreshtoken")
async def refresh(request: Request) -> dict[str, Any]:
    refresh_token = await read_json(request)
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
def server_alive() -> str:
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
