"""Activities and their participants: `/v1/activities…`, `/v1/activityparticipants…`."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from tandem.domain.activity import Origin
from tandem.hub import recurrence as rec
from tandem.hub.api import paging, query, views
from tandem.hub.api.body import RawBody, parse, read_json, writable
from tandem.hub.api.context import hub, require
from tandem.hub.api.crud import listing
from tandem.hub.api.inputs import ActivityIn, ParticipantIn, ParticipantPatch
from tandem.hub.api.patch import apply as apply_patch
from tandem.hub.models import Activity, ActivityParticipant, ActivityType, Customer, Phase, Project, User
from tandem.hub.services import activities as service
from tandem.hub.services import lookup
from tandem.hub.services.activities import ActivityDraft, Actor
from tandem.hub.services.clients import Principal
from tandem.hub.services.drafts import draft_of, participants_of
from tandem.hub.services.entities import CATEGORIES
from tandem.hub.services.errors import FieldProblem, ItemNotFound, ValidationFailed

router = APIRouter()
READ, WRITE, DELETE = (Depends(require(f"activities:{r}")) for r in ("read", "write", "delete"))

FIELD_NAMES = {
    "name": "name",
    "type": "activityType.guid",
    "owner": "ownerUser.guid",
    "start": "startDateTime",
    "end": "endDateTime",
    "time_zone": "timeZone",
    "location": "location",
    "customer": "customer.guid",
    "phase": "phase.guid",
    "rrule": "recurrence",
    "recurrence_parent": "recurrenceParentActivityGuid",
    "original_start": "originalStartDateTime",
    "participants": "participants",
}


def actor(principal: Principal) -> Actor:
    return Actor(Origin.API, principal.label)


def get_activity(session: Session, guid: str) -> Activity:
    activity = lookup.find(session, Activity, guid)
    if activity is None or activity.is_deleted:
        raise ItemNotFound("activity", guid)
    return activity


def view(session: Session, activity: Activity) -> dict[str, Any]:
    starts: list[datetime | date] = []
    if activity.rrule:
        for child in session.scalars(
            sa.select(Activity).where(Activity.recurrence_parent_id == activity.id, Activity.is_deleted.is_(False))
        ):
            starts.append(child.original_start_date or child.original_start_at)  # type: ignore[arg-type]
    return views.activity(activity, starts)


def draft_from(session: Session, body: ActivityIn, existing: Activity | None, keep_rrule: bool) -> ActivityDraft:
    zone = body.time_zone
    if zone is None:
        owner = lookup.find(session, User, body.owner_user.guid)
        zone = owner.time_zone if owner else "UTC"
    rrule: str | None = None
    exdates: tuple[datetime | date, ...] = ()
    if keep_rrule and existing is not None:
        rrule = existing.rrule
        exdates = draft_of(existing).exdates
    elif body.recurrence is not None:
        try:
            rrule = rec.to_rrule(body.recurrence.model_dump(mode="json"), body.start, zone)
        except rec.RecurrenceError as error:
            raise ValidationFailed(FieldProblem(error.field, str(error))) from None
    if existing is not None and body.recurrence is not None and existing.rrule and rrule == existing.rrule:
        exdates = draft_of(existing).exdates
    return ActivityDraft(
        name=body.name,
        type_guid=body.activity_type.guid,
        owner_guid=body.owner_user.guid,
        start=body.start,
        end=body.end,
        is_all_day=body.is_all_day,
        time_zone=body.time_zone or (existing.time_zone if existing else None),
        location=body.location,
        notes=body.notes,
        is_closed=body.is_closed,
        customer_guid=body.customer.guid if body.customer else None,
        phase_guid=body.phase.guid if body.phase else None,
        rrule=rrule,
        exdates=exdates,
        recurrence_parent_guid=body.recurrence_parent_guid,
        original_start=body.original_start,
        field_names=FIELD_NAMES,
    )


# -- listing ----------------------------------------------------------------------------


def _in_guids(params: QueryParams, name: str, model: Any, column: Any) -> list[sa.ColumnElement[bool]]:
    guids = query.many(params, name)
    return [column.in_(sa.select(model.id).where(model.guid.in_(guids)))] if guids else []


def activity_filters(params: QueryParams) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [Activity.is_deleted.is_(False)]
    closed = query.boolean(params, "closed")
    if closed is not None:
        where.append(Activity.is_closed.is_(closed))
    categories = query.choices(params, "activityCategories", CATEGORIES)
    if categories:
        where.append(
            Activity.activity_type_id.in_(sa.select(ActivityType.id).where(ActivityType.category.in_(categories)))
        )
    where += _in_guids(params, "activityTypeGuids", ActivityType, Activity.activity_type_id)
    where += _in_guids(params, "customerGuids", Customer, Activity.customer_id)
    where += _in_guids(params, "projectGuids", Project, Activity.project_id)
    where += _in_guids(params, "phaseGuids", Phase, Activity.phase_id)
    users = query.many(params, "userGuids")
    if users:
        user_ids = sa.select(User.id).where(User.guid.in_(users))
        owned = Activity.owner_user_id.in_(user_ids)
        if query.boolean(params, "includeAsMember"):
            member = Activity.id.in_(
                sa.select(ActivityParticipant.activity_id).where(ActivityParticipant.user_id.in_(user_ids))
            )
            where.append(sa.or_(owned, member))
        else:
            where.append(owned)
    where += _time_window(params)
    changed = query.instant(params, "changedSince")
    if changed is not None:
        where.append(Activity.updated_at >= changed)
    where += _recurrence_type(params)
    return where


def _time_window(params: QueryParams) -> list[sa.ColumnElement[bool]]:
    start, end = query.instant(params, "startDateTime"), query.instant(params, "endDateTime")
    where: list[sa.ColumnElement[bool]] = []
    if start is not None and end is not None and end < start:
        raise ValidationFailed(FieldProblem("endDateTime", "endDateTime is before startDateTime", "UriParameter"))
    if query.boolean(params, "useStrictStartAndEndDateTime"):
        if start is not None:
            where.append(Activity.start_at >= start)
        if end is not None:
            where.append(Activity.end_at <= end)
    else:
        if start is not None:
            where.append(Activity.end_at >= start)
        if end is not None:
            where.append(Activity.start_at <= end)
    return where


def _recurrence_type(params: QueryParams) -> list[sa.ColumnElement[bool]]:
    kind = query.text(params, "recurrenceType")
    if kind is None:
        return []
    if kind == "None":
        return [Activity.rrule.is_(None), Activity.recurrence_parent_id.is_(None)]
    if kind == "Series":
        return [Activity.rrule.is_not(None)]
    if kind == "Exception":
        return [Activity.recurrence_parent_id.is_not(None)]
    if kind == "Occurrence":
        raise ValidationFailed(
            FieldProblem(
                "recurrenceType",
                "Tandem stores series, not occurrences: list recurrenceType=Series and expand recurrenceRule",
                "UriParameter",
            )
        )
    raise ValidationFailed(
        FieldProblem("recurrenceType", "must be None, Series, Exception or Occurrence", "UriParameter")
    )


@router.get("/v1/activities", dependencies=[READ])
def list_activities(request: Request) -> JSONResponse:
    params = request.query_params
    rows = paging.row_count(params.get("rowCount"))
    stmt = sa.select(Activity).where(*activity_filters(params)).order_by(Activity.start_at, Activity.id)
    position = paging.decode_token(params.get("pageToken"))
    if position is not None:
        try:
            at, last_id = datetime.fromisoformat(position[0]), int(position[1])
        except (ValueError, TypeError, IndexError):
            raise ValidationFailed(
                FieldProblem("pageToken", "pageToken is not one this server gave out", "UriParameter")
            ) from None
        stmt = stmt.where(sa.or_(Activity.start_at > at, sa.and_(Activity.start_at == at, Activity.id > last_id)))
    with hub(request).db.read() as session:
        found = list(session.scalars(stmt.limit(rows + 1)).unique())
        token = None
        if len(found) > rows:
            found = found[:rows]
            token = paging.encode_token([found[-1].start_at.isoformat(), found[-1].id])
        return listing([view(session, a) for a in found], token)


@router.get("/v1/activities/{guid}", dependencies=[READ])
def get_one(guid: str, request: Request) -> dict[str, Any]:
    with hub(request).db.read() as session:
        return view(session, get_activity(session, guid))


@router.post("/v1/activities", status_code=201)
def create(request: Request, raw: RawBody, principal: Principal = WRITE) -> JSONResponse:
    body = parse(ActivityIn, read_json(raw))
    context = hub(request)
    with context.db.write() as session:
        activity = service.create(session, draft_from(session, body, None, keep_rrule=False), actor(principal))
        result = view(session, activity)
    context.activity_changed()
    return JSONResponse(result, status_code=201)


@router.patch("/v1/activities/{guid}")
def patch(guid: str, request: Request, raw: RawBody, principal: Principal = WRITE) -> list[dict[str, Any]]:
    operations = read_json(raw)
    context = hub(request)
    out = []
    with context.db.write() as session:
        for one in guid.split(","):
            activity = get_activity(session, one.strip())
            before = view(session, activity)
            document = apply_patch(before, operations, writable(ActivityIn))
            body = parse(ActivityIn, document)
            keep = document.get("recurrence") == before.get("recurrence")
            service.update(session, activity, draft_from(session, body, activity, keep_rrule=keep), actor(principal))
            out.append(view(session, activity))
    context.activity_changed()
    return out


@router.delete("/v1/activities/{guid}", status_code=204)
def delete(guid: str, request: Request, principal: Principal = DELETE) -> Response:
    context = hub(request)
    with context.db.write() as session:
        service.delete(session, get_activity(session, guid), actor(principal))
    context.activity_changed()
    return Response(status_code=204)


@router.delete("/v1/activities/{guid}/exceptions", status_code=204)
def reset_exceptions(guid: str, request: Request, principal: Principal = DELETE) -> Response:
    context = hub(request)
    with context.db.write() as session:
        series = get_activity(session, guid)
        if not series.rrule:
            raise ItemNotFound("recurring activity", guid)
        for child in session.scalars(
            sa.select(Activity).where(Activity.recurrence_parent_id == series.id, Activity.is_deleted.is_(False))
        ):
            service.delete(session, child, actor(principal))
        service.update(session, series, draft_of(series, exdates=()), actor(principal))
    context.activity_changed()
    return Response(status_code=204)


# -- participants -----------------------------------------------------------------------


def _participant(session: Session, guid: str) -> ActivityParticipant:
    row = lookup.find(session, ActivityParticipant, guid)
    if row is None or row.activity.is_deleted:
        raise ItemNotFound("activity participant", guid)
    return row


@router.get("/v1/activities/{activityGuid}/activityparticipants", dependencies=[READ])
def participants(activityGuid: str, request: Request) -> list[dict[str, Any]]:
    with hub(request).db.read() as session:
        return [views.participant(p) for p in get_activity(session, activityGuid).participants]


@router.get("/v1/activityparticipants/{guid}", dependencies=[READ])
def participant(guid: str, request: Request) -> dict[str, Any]:
    with hub(request).db.read() as session:
        return views.participant(_participant(session, guid))


@router.post("/v1/activityparticipants", status_code=201)
def add_participant(request: Request, raw: RawBody, principal: Principal = WRITE) -> JSONResponse:
    body = parse(ParticipantIn, read_json(raw))
    context = hub(request)
    with context.db.write() as session:
        activity = lookup.find(session, Activity, body.activity_guid)
        if activity is None or activity.is_deleted:
            raise ValidationFailed(FieldProblem("activityGuid", f"no activity has guid {body.activity_guid!r}"))
        existing = participants_of(activity)
        new = service.ParticipantDraft(
            kind=body.type,
            ref_guid=body.participant_guid,
            email=body.email,
            name=body.name,
            status=body.status,
            phone=body.phone,
            mobile_phone=body.mobile_phone,
        )
        if new.kind != "Other" and any(p.kind == new.kind and p.ref_guid == new.ref_guid for p in existing):
            raise ValidationFailed(FieldProblem("participantGuid", "already a participant of this activity"))
        draft = draft_of(activity, participants=(*existing, new), field_names={"participants": "participants"})
        service.update(session, activity, draft, actor(principal))
        added = activity.participants[-1]
        result = views.participant(added)
    context.activity_changed()
    return JSONResponse(result, status_code=201)


@router.patch("/v1/activityparticipants/{guid}")
def patch_participant(guid: str, request: Request, raw: RawBody, principal: Principal = WRITE) -> list[dict[str, Any]]:
    operations = read_json(raw)
    context = hub(request)
    with context.db.write() as session:
        row = _participant(session, guid)
        body = parse(ParticipantPatch, apply_patch(views.participant(row), operations, writable(ParticipantPatch)))
        activity = row.activity
        wanted = []
        for p, current in zip(participants_of(activity), activity.participants, strict=True):
            if current.id == row.id:
                p = dataclasses.replace(p, status=body.status, phone=body.phone, mobile_phone=body.mobile_phone)
            wanted.append(p)
        service.update(session, activity, draft_of(activity, participants=tuple(wanted)), actor(principal))
        result = [views.participant(row)]
    context.activity_changed()
    return result


@router.delete("/v1/activities/{activityGuid}/activityparticipants/{activityParticipantGuid}", status_code=204)
def remove_participant(
    activityGuid: str,
    activityParticipantGuid: str,
    request: Request,
    principal: Principal = DELETE,
) -> Response:
    context = hub(request)
    with context.db.write() as session:
        activity = get_activity(session, activityGuid)
        wanted = tuple(
            p
            for p, current in zip(participants_of(activity), activity.participants, strict=True)
            if current.guid != activityParticipantGuid
        )
        if len(wanted) == len(activity.participants):
            raise ItemNotFound("activity participant", activityParticipantGuid, "activityParticipantGuid")
        service.update(session, activity, draft_of(activity, participants=wanted), actor(principal))
    context.activity_changed()
    return Response(status_code=204)
