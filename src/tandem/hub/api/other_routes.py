"""The routes that are not plain resources: organisation settings, a customer's contact
persons, invoice creation, and Tandem's own extensions under `/tandem/v1`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from tandem.hub.api import crud, query, views
from tandem.hub.api.body import RawBody, parse, read_json
from tandem.hub.api.context import hub, require
from tandem.hub.api.inputs import CreateInvoiceIn, ResourceIn
from tandem.hub.models import Contact, Customer, InvoiceStatus, Project, User
from tandem.hub.models.common import utcnow
from tandem.hub.services import changelog, counters, entities, lookup, masters
from tandem.hub.services.clients import Principal
from tandem.hub.services.errors import FieldProblem, ItemNotFound, ValidationFailed

router = APIRouter()


@router.get("/v1/organizationsettings", dependencies=[Depends(require("organization:read"))])
def organization_settings(request: Request) -> dict[str, Any]:
    with hub(request).db.read() as session:
        return views.organization_settings(counters.settings(session))


@router.get("/v1/customers/{customerGuid}/contactpersons", dependencies=[Depends(require("customers:read"))])
def contacts_of(customerGuid: str, request: Request) -> JSONResponse:
    params = request.query_params
    with hub(request).db.read() as session:
        customer = lookup.get(session, Customer, customerGuid, "customer")
        where = [Contact.customer_id == customer.id]
        active = query.boolean(params, "active")
        if active is not None:
            where.append(Contact.is_active.is_(active))
        text = query.text(params, "textToSearch")
        if text:
            like = f"%{text.lower()}%"
            where.append(
                sa.or_(sa.func.lower(Contact.first_name).like(like), sa.func.lower(Contact.last_name).like(like))
            )
        rows, token = crud.list_page(session, Contact, params, where, "offset")
        return crud.listing([views.contact(r) for r in rows], token)


@router.post("/v1/invoices", status_code=201)
def create_invoices(request: Request, raw: RawBody, _: Principal = Depends(require("invoices:write"))) -> JSONResponse:
    """Invoice drafts for projects: one per project, or one for all with groupProjects."""
    body = parse(CreateInvoiceIn, read_json(raw))
    with hub(request).db.write() as session:
        projects = []
        for i, ref in enumerate(body.projects):
            project = lookup.find(session, Project, ref.guid)
            if project is None:
                raise ValidationFailed(FieldProblem(f"projects[{i}].guid", f"no project has guid {ref.guid!r}"))
            projects.append(project)
        if body.invoice_status_guid is not None:
            lookup.reference(session, InvoiceStatus, body.invoice_status_guid, "invoiceStatusGuid", "invoice status")
        if body.billing_customer_guid is not None:
            lookup.reference(session, Customer, body.billing_customer_guid, "billingCustomerGuid", "customer")
        groups = [projects] if body.group_projects else [[p] for p in projects]
        made = []
        for group in groups:
            values = {
                "customer_guid": body.billing_customer_guid or group[0].customer.guid,
                "project_guid": group[0].guid,
                "date": body.date or utcnow().date(),
            }
            if body.invoice_status_guid is not None:
                values["status_guid"] = body.invoice_status_guid
            made.append(views.invoice(masters.save(session, entities.INVOICES, None, values)))
    return JSONResponse(made, status_code=201)


# -- Tandem's extensions ------------------------------------------------------------------

EXTENSIONS = "/tandem/v1"


@router.get(EXTENSIONS + "/changes", dependencies=[Depends(require("activities:read"))])
def change_feed(request: Request) -> dict[str, Any]:
    """The activity change log, deletions included: `after` (a seq, default 0), optionally
    `userGuid` (only changes touching that user's calendar), `limit` (default 100, max 1000)."""
    params = request.query_params
    after = query.integer(params, "after")
    after = 0 if after is None else after
    limit = query.integer(params, "limit")
    limit = 100 if limit is None else limit
    if not 1 <= limit <= 1000:
        raise ValidationFailed(FieldProblem("limit", "limit must be between 1 and 1000", "UriParameter"))
    with hub(request).db.read() as session:
        user_guid = query.text(params, "userGuid")
        if user_guid is not None:
            user = lookup.find(session, User, user_guid)
            if user is None:
                raise ItemNotFound("user", user_guid, "userGuid")
            rows = changelog.changes_for_user(session, user.id, after, limit)
        else:
            rows = changelog.changes_after(session, after, limit)
        touched = changelog.users_of_changes(session, [r.seq for r in rows])
        items = [
            {
                "seq": r.seq,
                "activityGuid": r.activity_guid,
                "operation": r.operation,
                "origin": r.origin,
                "changedFields": list(r.changed_fields),
                "userGuids": touched[r.seq],
                "changedDateTime": r.created_at.isoformat(),
            }
            for r in rows
        ]
        last = items[-1]["seq"] if items else after
        return {"changes": items, "lastSeq": last, "latestSeq": changelog.latest_seq(session)}


@router.post(EXTENSIONS + "/users/{guid}/activity", status_code=204)
def user_active(guid: str, request: Request, _: Principal = Depends(require("users:read"))) -> Response:
    """Tell Tandem the user is active in the PSA (a login, work in progress): the user's
    calendar sync starts soon, debounced (CAL-8). A PSA front end calls it; it changes nothing."""
    context = hub(request)
    with context.db.read() as session:
        lookup.get(session, User, guid, "user")
    for listener in context.on_user_active:
        listener(guid)
    return Response(status_code=204)


RESOURCES = crud.Resource(
    "resources",
    entities.RESOURCES,
    ResourceIn,
    crud.simple(views.resource),
    "settings",
    prefix=EXTENSIONS,
    search=("name", "code"),
)
