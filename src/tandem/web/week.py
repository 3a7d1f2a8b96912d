"""My week: the signed-in user's activities in a week, and the form that creates, changes
and deletes one (CAL-6, CAL-8, CAL-15).

Writes go through the hub's activity service, as the REST API's do, and then wake the
sync (`HubContext.activity_changed`, as the API does after each write), so a change made
here reaches the calendar as soon as it commits. Only an activity's owner changes or
deletes it here; a user who takes part in someone else's activity sees it (a Personal one
only as "Busy", CAL-6).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from tandem.domain import limits
from tandem.domain.activity import Origin
from tandem.hub.models import Activity, ActivityParticipant, User
from tandem.hub.services import activities as service
from tandem.hub.services import counters, lookup
from tandem.hub.services.errors import InvalidOperation, ValidationFailed, VersionConflict
from tandem.web import access, week_form, week_view
from tandem.web.access import Visit
from tandem.web.context import web
from tandem.web.forms import form
from tandem.web.pages import go, page

router = APIRouter(include_in_schema=False)

DONE = {"created": "Saved the new activity.", "saved": "Saved.", "deleted": "Deleted the activity."}
OWNER_FIXED = (
    "The owner cannot change once the activity is saved, because calendar sync is on for the organisation: "
    "the activity lives in the owner's calendar (CAL-15). Make a new activity for another owner."
)
CHANGED_MEANWHILE = "Someone changed this activity since you opened it. Open it again to see the change, then edit it."
WEEK = timedelta(days=7)
NOT_YOURS = "Only the owner of an activity changes or deletes it here."


def _viewer(session: Session, seen: Visit) -> User:
    assert seen.person is not None
    return lookup.get(session, User, seen.person.guid, "user")


def _today(viewer: User) -> date:
    return datetime.now(ZoneInfo(viewer.time_zone or "UTC")).date()


def _day(text: str | None) -> date | None:
    """The day a query names; None (this week) for anything else or a day outside the
    calendar the hub keeps (a week beside 9999-12-31 would overflow)."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day is not None and limits.in_calendar(day) else None


@router.get("/week")
def my_week(request: Request, start: str = "", done: str = "", seen: Visit = Depends(access.signed_in)) -> Response:
    context = web(request)
    with context.hub.db.read() as session:
        viewer = _viewer(session, seen)
        monday = week_view.monday_of(_day(start) or _today(viewer))
        days = week_view.week(session, viewer, monday)
        today = _today(viewer)
    for listener in context.hub.on_user_active:  # working in the PSA starts the user's sync (CAL-8)
        listener(viewer.guid)
    return page(
        request,
        seen,
        "week.html",
        title="My week",
        days=days,
        monday=monday,
        today=today,
        previous=monday - WEEK,
        following=monday + WEEK,
        done=DONE.get(done),
        zone=viewer.time_zone,
    )


@router.get("/week/new")
def new_activity(
    request: Request, day: str = Query("", alias="date"), seen: Visit = Depends(access.signed_in)
) -> Response:
    with web(request).hub.db.read() as session:
        viewer = _viewer(session, seen)
        values = week_form.new_values(session, viewer, _day(day) or _today(viewer))
        return _form(request, seen, session, None, values, {}, 200)


@router.post("/week/new")
def create_activity(
    request: Request, seen: Visit = Depends(access.signed_in), sent: dict[str, str] = Depends(form)
) -> Response:
    context = web(request)
    try:
        with context.hub.db.write() as session:
            viewer = _viewer(session, seen)
            draft = week_form.draft(session, sent, viewer, None)
            made = service.create(session, draft, _actor(seen))
            start = _start_day(made)
    except (ValidationFailed, InvalidOperation) as refused:
        return _refused(request, seen, None, sent, refused)
    context.hub.activity_changed()
    return go(request, seen, f"/week?start={week_view.monday_of(start).isoformat()}&done=created")


@router.get("/week/{guid}")
def show_activity(guid: str, request: Request, seen: Visit = Depends(access.signed_in)) -> Response:
    with web(request).hub.db.read() as session:
        viewer = _viewer(session, seen)
        activity = _visible(session, guid, viewer)
        if activity is None:
            return _not_found(request, seen)
        if activity.owner_user_id == viewer.id:
            return _form(request, seen, session, activity, week_form.values_of(activity), {}, 200)
        entry = week_view.shows_details(activity, viewer.id)
        return page(
            request,
            seen,
            "activity_view.html",
            title=activity.name if entry else week_view.BUSY,
            activity=activity,
            details=entry,
            when=week_view.when(activity, viewer),
        )


@router.post("/week/{guid}")
def change_activity(
    guid: str, request: Request, seen: Visit = Depends(access.signed_in), sent: dict[str, str] = Depends(form)
) -> Response:
    context = web(request)
    try:
        with context.hub.db.write() as session:
            viewer = _viewer(session, seen)
            activity = _owned(request, seen, session, guid, viewer)
            if isinstance(activity, Response):
                return activity
            draft = week_form.draft(session, sent, viewer, activity)
            version = sent.get("version", "")
            expected = int(version) if version.isdigit() else None
            if expected != activity.version and sent.get("shown") == week_form.shown(activity):
                expected = activity.version  # nothing the user saw has changed since
            service.update(session, activity, draft, _actor(seen), expected_version=expected)
            start = _start_day(activity)
    except (ValidationFailed, InvalidOperation, VersionConflict) as refused:
        return _refused(request, seen, guid, sent, refused)
    context.hub.activity_changed()
    return go(request, seen, f"/week?start={week_view.monday_of(start).isoformat()}&done=saved")


@router.post("/week/{guid}/delete")
def delete_activity(
    guid: str, request: Request, seen: Visit = Depends(access.signed_in), _: dict[str, str] = Depends(form)
) -> Response:
    context = web(request)
    with context.hub.db.write() as session:
        activity = _owned(request, seen, session, guid, _viewer(session, seen))
        if isinstance(activity, Response):
            return activity
        start = _start_day(activity)
        service.delete(session, activity, _actor(seen))
    context.hub.activity_changed()
    return go(request, seen, f"/week?start={week_view.monday_of(start).isoformat()}&done=deleted")


def _owned(request: Request, seen: Visit, session: Session, guid: str, viewer: User) -> Activity | Response:
    """The viewer's own activity to change or delete; else the page that says why not
    (404 when it is not in their week at all, 403 when they only take part in it)."""
    activity = _visible(session, guid, viewer)
    if activity is None:
        return _not_found(request, seen)
    if activity.owner_user_id != viewer.id:
        return page(request, seen, "error.html", 403, title="Not allowed", message=NOT_YOURS)
    return activity


def _actor(seen: Visit) -> service.Actor:
    assert seen.person is not None
    return service.Actor(Origin.WEB, f"web:{seen.person.email}")


def _start_day(activity: Activity) -> date:
    if activity.is_all_day and activity.start_date:
        return activity.start_date
    return activity.start_at.astimezone(ZoneInfo(activity.time_zone)).date()


def _visible(session: Session, guid: str, viewer: User) -> Activity | None:
    """The live activity `guid` when the viewer owns it or takes part in it; else None (as
    if it did not exist: no page tells whether someone else's activity exists)."""
    activity = lookup.find(session, Activity, guid)
    if activity is None or activity.is_deleted:
        return None
    if activity.owner_user_id == viewer.id:
        return activity
    taking_part = session.scalar(
        sa.select(ActivityParticipant.id).where(
            ActivityParticipant.activity_id == activity.id, ActivityParticipant.user_id == viewer.id
        )
    )
    return activity if taking_part is not None else None


def _not_found(request: Request, seen: Visit) -> Response:
    return page(request, seen, "error.html", 404, title="Not found", message="There is no such activity in your week.")


def _refused(
    request: Request,
    seen: Visit,
    guid: str | None,
    sent: dict[str, str],
    refused: ValidationFailed | InvalidOperation | VersionConflict,
) -> Response:
    """The form again, with what was typed and each message beside its field."""
    if isinstance(refused, ValidationFailed):
        errors, status = week_form.error_fields(refused), 400
    elif isinstance(refused, InvalidOperation):
        errors, status = {refused.field or "name": str(refused)}, 400
    else:
        errors, status = {"version": CHANGED_MEANWHILE}, 409
    with web(request).hub.db.read() as session:
        activity = lookup.find(session, Activity, guid) if guid else None
        return _form(request, seen, session, activity, dict(sent), errors, status)


def _form(
    request: Request,
    seen: Visit,
    session: Session,
    activity: Activity | None,
    values: dict[str, str],
    errors: dict[str, str],
    status: int,
) -> Response:
    owner_fixed = activity is not None and counters.settings(session).calendar_addon_enabled
    return page(
        request,
        seen,
        "activity_form.html",
        status,
        title="New activity" if activity is None else "Edit activity",
        activity=activity,
        values=values,
        errors=errors,
        choices=week_form.choices(session),
        weekdays=week_form.WEEKDAYS,
        owner_fixed=owner_fixed,
        owner_fixed_why=OWNER_FIXED,
        owner_name=activity.owner.full_name if activity is not None else "",
        version=activity.version if activity is not None else "",
        shown=week_form.shown(activity) if activity is not None else "",
        is_exception=activity is not None and activity.recurrence_parent_id is not None,
    )
