"""Creating, changing and deleting activities, with the change log beside them.

Every caller (REST API, web, sync, ERP, CLI) describes the activity it wants as an
`ActivityDraft`; `activity_rules.resolve` checks it whole, and nothing is written unless
all is well.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.domain.activity import ChangeOperation
from tandem.hub import recurrence as rec
from tandem.hub.models import Activity, ActivityParticipant
from tandem.hub.models.common import utcnow
from tandem.hub.services import changelog, counters, lookup
from tandem.hub.services.activity_rules import Resolved, resolve
from tandem.hub.services.drafts import ActivityDraft, Actor, ParticipantDraft
from tandem.hub.services.errors import InvalidOperation, VersionConflict

__all__ = ["ActivityDraft", "Actor", "ParticipantDraft", "create", "delete", "fingerprint", "update"]


def create(session: Session, draft: ActivityDraft, actor: Actor) -> Activity:
    resolved = resolve(session, draft, existing=None)
    label = actor.label or actor.origin.value
    activity = Activity(created_by=label, updated_by=label)
    if draft.guid:
        _check_new_guid(session, draft.guid)
        activity.guid = draft.guid
    _apply(activity, draft, resolved, actor)
    session.add(activity)
    session.flush()
    changelog.record(session, activity, ChangeOperation.CREATE, actor.origin, changelog.touched_users(activity))
    return activity


def update(
    session: Session,
    activity: Activity,
    draft: ActivityDraft,
    actor: Actor,
    expected_version: int | None = None,
) -> Activity:
    """Change a saved activity to look like `draft`. A tombstone comes back to life (the
    sync restores an activity deleted in the PSA but edited in the calendar)."""
    if expected_version is not None and activity.version != expected_version:
        raise VersionConflict(f"activity {activity.guid} is at version {activity.version}, not {expected_version}")
    resolved = resolve(session, draft, existing=activity)
    if resolved.owner.id != activity.owner_user_id and counters.settings(session).calendar_addon_enabled:
        raise InvalidOperation(
            "The owner of a saved activity cannot be changed while calendar synchronization is on "
            "for the organization: the activity lives in the owner's calendar. "
            "Create a new activity for the new owner instead.",
            field=draft.name_of("owner"),
        )
    before_users = changelog.touched_users(activity)
    before = fingerprint(activity)
    was_deleted = activity.is_deleted
    _apply(activity, draft, resolved, actor)
    activity.is_deleted = False
    activity.deleted_at = None
    session.flush()
    changed = [k for k, v in fingerprint(activity).items() if before.get(k) != v]
    if was_deleted:
        changed.append("deleted")
    if not changed:
        return activity
    activity.version += 1
    activity.updated_at = utcnow()
    activity.updated_by = actor.label or actor.origin.value
    operation = ChangeOperation.CREATE if was_deleted else ChangeOperation.UPDATE
    changelog.record(
        session, activity, operation, actor.origin, before_users | changelog.touched_users(activity), changed
    )
    if before["recurrence"][0]:
        _drop_stray_exceptions(session, activity, changed, actor)
    if activity.rrule:
        _carry_to_exceptions(session, activity, before, changed, actor)
    return activity


TIMING = ("start", "end", "all_day", "time_zone", "recurrence")


def _drop_stray_exceptions(session: Session, series: Activity, changed: list[str], actor: Actor) -> None:
    """A series whose time or rule changed (CAL-9): an exception whose occurrence the series
    no longer has names nothing any more, and goes, as Google drops it from the calendar's
    copy; the series' new time applies to that day. Exceptions of occurrences the series
    still has stay, with their own times."""
    if not any(f in changed for f in TIMING):
        return
    for child in _exceptions_of(session, series):
        if not _still_occurs(series, child):
            delete(session, child, actor)


def _still_occurs(series: Activity, child: Activity) -> bool:
    if not series.rrule:
        return False
    zone = series.time_zone or "UTC"
    if series.is_all_day:
        day, first = child.original_start_date, series.start_date
        if day is None or first is None:
            return False
        instant = datetime.combine(day, time(), ZoneInfo(zone))
        start: datetime | date = first
        wanted: datetime | date = day
    else:
        if child.original_start_at is None:
            return False
        instant = wanted = child.original_start_at
        start = series.start_at
    try:
        found = rec.occurrences(series.rrule, start, zone, instant, instant + timedelta(minutes=1), limit=1)
    except ValueError:
        return False
    return found == [wanted]


CARRIED = ("name", "type", "location", "notes", "closed", "customer", "project", "phase", "participants")
"""What an edit of a series carries to its exceptions (times never: an exception's time is its own)."""


def _carry_to_exceptions(
    session: Session, series: Activity, before: dict[str, Any], changed: list[str], actor: Actor
) -> None:
    """A series and its exceptions are one thing (CAL-9, CAL-13): an edit of the series
    reaches every exception whose value of that field was still the series' old one, as
    Google does with the calendar's copy; what an exception changed itself stays."""
    fields = [f for f in CARRIED if f in changed]
    if not fields:
        return
    for child in _exceptions_of(session, series):
        mine = fingerprint(child)
        taken = [f for f in fields if mine[f] == before[f]]
        if not taken:
            continue
        before_users = changelog.touched_users(child)
        for name in taken:
            _copy(series, child, name)
        session.flush()
        child.version += 1
        child.updated_at = utcnow()
        child.updated_by = actor.label or actor.origin.value
        touched = before_users | changelog.touched_users(child)
        changelog.record(session, child, ChangeOperation.UPDATE, actor.origin, touched, taken)


def _copy(series: Activity, child: Activity, field: str) -> None:
    if field == "name":
        child.name = series.name
    elif field == "type":
        child.activity_type, child.activity_type_id = series.activity_type, series.activity_type_id
    elif field == "location":
        child.location = series.location
    elif field == "notes":
        child.notes = series.notes
    elif field == "closed":
        child.is_closed = series.is_closed
    elif field == "customer":
        child.customer, child.customer_id = series.customer, series.customer_id
    elif field in ("project", "phase"):
        child.phase, child.phase_id = series.phase, series.phase_id
        child.project, child.project_id = series.project, series.project_id
    elif field == "participants":
        _replace_participants(child, [_participant_copy(p) for p in series.participants])


def _participant_copy(p: ActivityParticipant) -> ActivityParticipant:
    return ActivityParticipant(
        kind=p.kind,
        status=p.status,
        email=p.email,
        name=p.name,
        user_id=p.user_id,
        contact_id=p.contact_id,
        resource_id=p.resource_id,
        phone=p.phone,
        mobile_phone=p.mobile_phone,
    )


def delete(session: Session, activity: Activity, actor: Actor, expected_version: int | None = None) -> None:
    """Tombstone the activity (and the exceptions of a series): kept until the retention passes."""
    if expected_version is not None and activity.version != expected_version:
        raise VersionConflict(f"activity {activity.guid} is at version {activity.version}, not {expected_version}")
    if activity.is_deleted:
        return
    now = utcnow()
    for child in _exceptions_of(session, activity):
        delete(session, child, actor)
    activity.is_deleted = True
    activity.deleted_at = now
    activity.updated_at = now
    activity.updated_by = actor.label or actor.origin.value
    activity.version += 1
    changelog.record(session, activity, ChangeOperation.DELETE, actor.origin, changelog.touched_users(activity))


def _exceptions_of(session: Session, activity: Activity) -> Sequence[Activity]:
    return session.scalars(
        sa.select(Activity).where(Activity.recurrence_parent_id == activity.id, Activity.is_deleted.is_(False))
    ).all()


def fingerprint(activity: Activity) -> dict[str, Any]:
    """The values whose change is a change of the activity, by domain field name."""
    return {
        "name": activity.name,
        "type": activity.activity_type_id,
        "owner": activity.owner_user_id,
        "start": activity.start_date if activity.is_all_day else activity.start_at,
        "end": activity.end_date if activity.is_all_day else activity.end_at,
        "all_day": activity.is_all_day,
        "time_zone": activity.time_zone,
        "location": activity.location,
        "notes": activity.notes,
        "closed": activity.is_closed,
        "customer": activity.customer_id,
        "project": activity.project_id,
        "phase": activity.phase_id,
        "recurrence": (activity.rrule, activity.exdates),
        "recurrence_parent": (activity.recurrence_parent_id, activity.original_start_at, activity.original_start_date),
        "extra": activity.extra,
        "participants": sorted(
            (p.kind, p.user_id or 0, p.contact_id or 0, p.resource_id or 0, p.email or "", p.name or "", p.status)
            for p in activity.participants
        ),
    }


def _check_new_guid(session: Session, guid: str) -> None:
    if lookup.find(session, Activity, guid) is not None:
        raise InvalidOperation(f"an activity with guid {guid} already exists", field="guid")


def _apply(activity: Activity, draft: ActivityDraft, r: Resolved, actor: Actor) -> None:
    activity.name = draft.name.strip()
    activity.activity_type = r.activity_type
    activity.activity_type_id = r.activity_type.id
    activity.owner = r.owner
    activity.owner_user_id = r.owner.id
    activity.time_zone = r.zone
    activity.is_all_day = draft.is_all_day
    activity.start_at, activity.end_at = r.start_at, r.end_at
    activity.start_date, activity.end_date = r.start_date, r.end_date
    activity.location = draft.location or None
    activity.notes = draft.notes
    activity.is_closed = draft.is_closed
    activity.customer = r.customer
    activity.customer_id = r.customer.id if r.customer else None
    activity.phase = r.phase
    activity.phase_id = r.phase.id if r.phase else None
    activity.project = r.phase.project if r.phase else None
    activity.project_id = r.phase.project_id if r.phase else None
    activity.rrule = draft.rrule
    activity.exdates = json.dumps([d.isoformat() for d in _exdates_in_kind(draft)]) if draft.exdates else None
    activity.recurrence_parent_id = r.parent.id if r.parent else None
    activity.original_start_at, activity.original_start_date = r.original_start_at, r.original_start_date
    if r.participants is not None:
        _replace_participants(activity, r.participants)
    if draft.extra is not None:
        activity.extra = json.dumps(draft.extra, sort_keys=True) if draft.extra else None


def _exdates_in_kind(draft: ActivityDraft) -> list[datetime | date]:
    out: list[datetime | date] = []
    for d in draft.exdates:
        if draft.is_all_day:
            out.append(d.date() if isinstance(d, datetime) else d)
        else:
            out.append(d.astimezone(UTC) if isinstance(d, datetime) else datetime.combine(d, time(), UTC))
    return sorted(set(out), key=lambda x: x.isoformat())


def _replace_participants(activity: Activity, wanted: list[ActivityParticipant]) -> None:
    """Keep the rows (and guids) of participants that stay; add and remove the rest."""

    def key(p: ActivityParticipant) -> tuple[str, object]:
        ref = p.user_id or p.contact_id or p.resource_id
        return (p.kind, ref if ref is not None else (p.email or "").lower())

    current = {key(p): p for p in activity.participants}
    keep: list[ActivityParticipant] = []
    for p in wanted:
        existing = current.pop(key(p), None)
        if existing is None:
            keep.append(p)
            continue
        for attr in ("status", "email", "name", "phone", "mobile_phone"):
            new = getattr(p, attr)
            if new is not None and getattr(existing, attr) != new:
                setattr(existing, attr, new)
        keep.append(existing)
    activity.participants = keep
