"""Every refusal becomes Severa's `ExceptionModel`:

    {"error": {"httpStatusCode": 400, "type": "InvalidParameter",
               "details": [{"message": "...", "location": {"name": "endDateTime", "type": "RequestBody"}}]}}

`type` is one of the spec's ExceptionTypeEnum names. Internal errors are logged with a
reference and answered without their details.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tandem.hub.services.errors import (
    FieldProblem,
    InvalidOperation,
    ItemNotFound,
    ValidationFailed,
    VersionConflict,
)


class ApiError(Exception):
    """A refusal decided in the API layer (authentication, scopes, malformed requests)."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        name: str | None = None,
        location: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.problems = [FieldProblem(name or "", message, location or "")]
        self.headers = headers or {}


def error_body(status: int, type_: str, problems: list[FieldProblem]) -> dict[str, Any]:
    details = []
    for p in problems:
        detail: dict[str, Any] = {"message": p.message}
        if p.field or p.location:
            detail["location"] = {"name": p.field or None, "type": p.location or "RequestBody"}
        details.append(detail)
    return {"error": {"httpStatusCode": status, "type": type_, "details": details}}


def respond(
    status: int, type_: str, problems: list[FieldProblem], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(status, type_, problems), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return respond(exc.status, exc.type, exc.problems, exc.headers)

    @app.exception_handler(ValidationFailed)
    async def validation_failed(_: Request, exc: ValidationFailed) -> JSONResponse:
        return respond(400, "InvalidParameter", exc.problems)

    @app.exception_handler(ItemNotFound)
    async def not_found(_: Request, exc: ItemNotFound) -> JSONResponse:
        return respond(404, "InvalidParameter", [FieldProblem(exc.field, str(exc), "PathParameter")])

    @app.exception_handler(InvalidOperation)
    async def invalid_operation(_: Request, exc: InvalidOperation) -> JSONResponse:
        return respond(400, "InvalidOperation", [FieldProblem(exc.field or "", str(exc))])

    @app.exception_handler(VersionConflict)
    async def version_conflict(_: Request, exc: VersionConflict) -> JSONResponse:
        return respond(409, "InvalidOperation", [FieldProblem("", str(exc))])

    @app.exception_handler(RequestValidationError)
    async def request_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            FieldProblem(".".join(str(x) for x in e["loc"][1:]) or str(e["loc"][0]), e["msg"], _location(e["loc"]))
            for e in exc.errors()
        ]
        return respond(400, "InvalidParameter", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        type_ = {401: "AuthenticationRequired", 403: "PermissionDenied"}.get(exc.status_code, "InvalidRequest")
        return respond(exc.status_code, type_, [FieldProblem("", str(exc.detail), "")])


def reference() -> str:
    """A reference for an internal error: in the answer and in the log line with the traceback."""
    return uuid.uuid4().hex[:12]


def internal_response(ref: str) -> JSONResponse:
    """An internal error's answer: no details, only the reference to look up in the log.
    (The door, `tandem.hub.api.door`, catches what no handler here took.)"""
    return respond(500, "InternalSystemError", [FieldProblem("", f"Internal error, reference {ref}", "")])


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    return {"path": "PathParameter", "query": "UriParameter", "header": "RequestHeader"}.get(
        str(loc[0]) if loc else "", "RequestBody"
    )
