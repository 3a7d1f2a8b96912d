"""The ASGI app: Google's endpoints (token, Calendar API v3, batch, certificates) and the
emulator's controls.

The Calendar API answers both under `/calendar/v3/...` (Google's path) and at the root
(`/calendars/...`), because google-api-python-client with `client_options.api_endpoint`
set to the server's base URL drops the service path.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from tandem.emulators.google.batch import parse_batch, render_batch
from tandem.emulators.google.controls import Controls
from tandem.emulators.google.dispatch import ApiHandler, ApiRequest, ApiResponse, error_response
from tandem.emulators.google.errors import ApiError, OAuthError
from tandem.emulators.google.state import GoogleEmulator

JSON_TYPE = "application/json; charset=UTF-8"
API_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _http(response: ApiResponse) -> Response:
    if response.body is None:
        return Response(status_code=response.status, headers=response.headers)
    return Response(response.content(), status_code=response.status, headers=response.headers, media_type=JSON_TYPE)


async def _api_request(request: Request) -> ApiRequest:
    return ApiRequest(
        method=request.method,
        path=str(request.scope["path"]),
        query=parse_qs(request.url.query, keep_blank_values=True),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=await request.body(),
    )


class _Endpoints:
    """Google's endpoints over one emulator."""

    def __init__(self, emulator: GoogleEmulator) -> None:
        self.emulator = emulator
        self.handler = ApiHandler(emulator)

    async def token(self, request: Request) -> Response:
        raw = await request.body()
        try:
            if "json" in request.headers.get("content-type", ""):
                form = {str(k): str(v) for k, v in json.loads(raw or b"{}").items()}
            else:
                form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8")).items()}
            answer = self.emulator.exchange_token(form)
        except OAuthError as error:
            self.emulator.count_request("-", "token")
            return JSONResponse(error.body(), status_code=error.status)
        except (ValueError, AttributeError):
            self.emulator.count_request("-", "token")
            return JSONResponse(OAuthError("invalid_request", "Malformed request body.").body(), status_code=400)
        return JSONResponse(answer, headers={"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate"})

    async def api(self, request: Request) -> Response:
        try:
            incoming = await _api_request(request)
        except ClientDisconnect:  # the client went away (a killed sync): nothing to answer
            return Response(status_code=499)
        response = self.handler.handle(incoming)
        if response.delay:
            await asyncio.sleep(response.delay)
        return _http(response)

    async def batch(self, request: Request) -> Response:
        try:
            outer = await _api_request(request)
        except ClientDisconnect:
            return Response(status_code=499)
        try:
            user = self.emulator.authenticate(outer.headers.get("authorization")).subject
        except ApiError:
            user = "-"
        self.emulator.count_request(user, "batch")
        try:
            parts = parse_batch(outer.headers.get("content-type", ""), outer.body, outer.headers)
        except (ApiError, UnicodeDecodeError) as error:
            failure = error if isinstance(error, ApiError) else ApiError(400, "badRequest", "Bad Request")
            return _http(error_response(failure))
        answers = []
        for part in parts:
            response = self.handler.handle(part.request)
            if response.delay:
                await asyncio.sleep(response.delay)
            answers.append((part.content_id, response))
        content, content_type = render_batch(answers)
        return Response(content, media_type=content_type)

    async def certificates(self, request: Request) -> Response:
        account = self.emulator.service_account(str(request.path_params["email"]))
        if account is None:
            return JSONResponse({"error": {"code": 404, "message": "Not Found"}}, status_code=404)
        return JSONResponse({account.key_id: account.certificate_pem})


def build_app(emulator: GoogleEmulator) -> Starlette:
    endpoints = _Endpoints(emulator)
    routes = [
        Route("/token", endpoints.token, methods=["POST"]),
        Route("/o/oauth2/token", endpoints.token, methods=["POST"]),
        Route("/oauth2/v4/token", endpoints.token, methods=["POST"]),
        Route("/robot/v1/metadata/x509/{email}", endpoints.certificates, methods=["GET"]),
        Route("/batch/calendar/v3", endpoints.batch, methods=["POST"]),
        Route("/batch", endpoints.batch, methods=["POST"]),
        Mount("/emulator", routes=Controls(emulator).routes()),
        Route("/{path:path}", endpoints.api, methods=API_METHODS),
    ]
    return Starlette(routes=routes)
