"""Routes for a master-data resource, made from its description (`Resource`).

list (paged, filtered, `changedSince`), get, post, PATCH (JSON Patch over the
representation, then validated like a POST body) and delete; each guarded by the
scope the spec names (`<area>:read|write|delete`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from tandem.hub.api import paging, query
from tandem.hub.api.body import RawBody, parse, read_json, writable
from tandem.hub.api.context import hub, require
from tandem.hub.api.inputs import Body
from tandem.hub.api.patch import apply as apply_patch
from tandem.hub.services import lookup, masters
from tandem.hub.services.clients import Principal
from tandem.hub.services.masters import EntityRules

Filters = Callable[[QueryParams], Sequence[sa.ColumnElement[bool]]]
View = Callable[[Session, Any], dict[str, Any]]
Operation = Literal["list", "get", "post", "patch", "delete"]
ALL: frozenset[Operation] = frozenset({"list", "get", "post", "patch", "delete"})


@dataclass(frozen=True)
class Resource:
    path: str
    rules: EntityRules
    body: type[Body]
    view: View
    scope: str
    filters: Filters = lambda _: ()
    paging: Literal["token", "offset"] = "token"
    operations: frozenset[Operation] = ALL
    search: tuple[str, ...] = ()
    """Columns `textToSearch` looks in."""
    delete_hook: Callable[[Session, Any, QueryParams], None] | None = None
    prefix: str = "/v1"

    @property
    def model(self) -> Any:
        return self.rules.model


def simple(view: Callable[[Any], dict[str, Any]]) -> View:
    """A view that needs only the row."""
    return lambda _session, row: view(row)


def list_page(
    session: Session, model: Any, params: QueryParams, where: Sequence[sa.ColumnElement[bool]], mode: str
) -> tuple[list[Any], str | None]:
    """One page of rows in id order, and the token of the next page (None on the last)."""
    rows = paging.row_count(params.get("rowCount"))
    stmt = sa.select(model).where(*where).order_by(model.id)
    if mode == "offset":
        stmt = stmt.offset(paging.first_row(params.get("firstRow")))
    else:
        after = paging.id_position(params.get("pageToken"))
        if after is not None:
            stmt = stmt.where(model.id > after)
    found = list(session.scalars(stmt.limit(rows + 1)).unique())
    more = len(found) > rows
    found = found[:rows]
    token = paging.encode_token([found[-1].id]) if more and mode == "token" else None
    return found, token


def listing(items: list[dict[str, Any]], token: str | None) -> JSONResponse:
    headers = {"NextPageToken": token} if token else {}
    return JSONResponse(items, headers=headers)


def common_filters(resource: Resource, params: QueryParams) -> list[sa.ColumnElement[bool]]:
    where = list(resource.filters(params))
    changed = query.instant(params, "changedSince")
    if changed is not None:
        where.append(resource.model.updated_at >= changed)
    text = query.text(params, "textToSearch")
    if text and resource.search:
        like = f"%{text.lower()}%"
        where.append(sa.or_(*(sa.func.lower(getattr(resource.model, c)).like(like) for c in resource.search)))
    return where


def router_for(resource: Resource) -> APIRouter:
    router = APIRouter()
    base = f"{resource.prefix}/{resource.path}"
    read, write, delete = (Depends(require(f"{resource.scope}:{r}")) for r in ("read", "write", "delete"))

    if "list" in resource.operations:

        @router.get(base, dependencies=[read], name=f"{resource.path}_list")
        def list_(request: Request) -> JSONResponse:
            params = request.query_params
            with hub(request).db.read() as session:
                rows, token = list_page(
                    session, resource.model, params, common_filters(resource, params), resource.paging
                )
                return listing([resource.view(session, r) for r in rows], token)

    if "get" in resource.operations:

        @router.get(base + "/{guid}", dependencies=[read], name=f"{resource.path}_get")
        def get(guid: str, request: Request) -> dict[str, Any]:
            with hub(request).db.read() as session:
                return resource.view(session, lookup.get(session, resource.model, guid, resource.rules.what))

    if "post" in resource.operations:

        @router.post(base, status_code=201, name=f"{resource.path}_post")
        def post(request: Request, raw: RawBody, _: Principal = write) -> JSONResponse:
            body = parse(resource.body, read_json(raw))
            with hub(request).db.write() as session:
                row = masters.save(session, resource.rules, None, body.values())
                view = resource.view(session, row)
            return JSONResponse(view, status_code=201)

    if "patch" in resource.operations:

        @router.patch(base + "/{guid}", name=f"{resource.path}_patch")
        def patch(guid: str, request: Request, raw: RawBody, _: Principal = write) -> list[dict[str, Any]]:
            operations = read_json(raw)
            out = []
            with hub(request).db.write() as session:
                for one in guid.split(","):
                    row = lookup.get(session, resource.model, one.strip(), resource.rules.what)
                    document = apply_patch(resource.view(session, row), operations, writable(resource.body))
                    body = parse(resource.body, document)
                    masters.save(session, resource.rules, row, body.values())
                    session.refresh(row)
                    out.append(resource.view(session, row))
            return out

    if "delete" in resource.operations:

        @router.delete(base + "/{guid}", status_code=204, name=f"{resource.path}_delete")
        def remove(guid: str, request: Request, _: Principal = delete) -> Response:
            with hub(request).db.write() as session:
                row = lookup.get(session, resource.model, guid, resource.rules.what)
                if resource.delete_hook is not None:
                    resource.delete_hook(session, row, request.query_params)
                masters.delete(session, resource.rules, row)
            return Response(status_code=204)

    return router
