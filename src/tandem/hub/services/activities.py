"""Creating, changing and deleting activities: the rules, and the change log beside them.

Every caller (REST API, web, sync, ERP, CLI) describes the activity it wants as an
`ActivityDraft`; the service checks it whole, reports every problem at once naming the
caller's field, and writes nothing unless all is well.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from tandem.domain.activity import ChangeOperation, Origin
from tandem.hub import recurrence as rec
from tandem.hub.models import (
    Activity,
    ActivityParticipant,
    ActivityType,
    Contact,
    Customer,
    Phase,
    Resource,
    User,
)
from tandem.hub.models.common import utcnow
from tandem.hub.services import changelog, counters, lookup
from tandem.hub.services.errors import FieldProblem, InvalidOperation, ValidationFailed, VersionConflict

MAX_NAME = 500
MAX_LOCATION = 1000
PARTICIPANT_KINDS = ("User", "Contact", "Resource", "Other")
PARTICIPANT_STATUSES = ("Unknown", "Invited", "Accepted", "Tentative", "Declined")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is changing the hub: where the change comes from, and a label for the audit."""

    origin: Origin
    label: str = ""


@dataclass(frozen=True, slots=True)
class ParticipantDraft:
    kind: str
    ref_guid: str | None = None
    email: str | None = None
    name: str | None = None
    status: str = "Unknown"
    phone: str | None = None
    mobile_phone: str | None = None


@dataclass(frozen=True, slots=True)
class ActivityDraft:
    """An activity as a caller wants it. Naive datetimes are wall time in `time_zone`
    (or the owner's zone); all-day activities may give dates or datetimes."""

    name: str
    type_guid: str | None
    owner_guid: str | None
    start: datetime | date | None
    end: datetime | date | None = None
    is_all_day: bool = False
    time_zone: str | None = None
    location: str | None = None
    notes: str | None = None
    is_closed: bool = False
    customer_guid: str | None = None
    phase_guid: str | None = None
    project_guid: str | None = None
    rrule: str | None = None
    exdates: tuple[datetime | date, ...] = ()
    recurrence_parent_guid: str | None = None
    original_start: datetime | date | None = None
    participants: tuple[ParticipantDraft, ...] | None = None
    """None leaves the participants as they are."""
    guid: str | None = None
    """Create with this guid (the sync derives it from the calendar event); None: a new one."""
    extra: dict[str, str] | None = None
    """Marks the sync keeps on the activity (its write id); None leaves them as they are."""
    field_names: dict[str, str] = field(default_factory=dict)
    """The caller's names for draft fields, so problems name what the caller sent."""

    def name_of(self, key: str) -> str:
        return self.field_names.get(key, key)


@dataclass(slots=True)
class _Resolved:
    activity_type: ActivityType
    owner: User
    zone: str
    start_at: datetime
    end_at: datetime
    start_date: date | None
    end_date: date | None
    customer: Customer | None
    phase: Phase | None
    parent: Activity | None
    original_start_at: datetime | None
    original_start_date: date | None
    participants: list[ActivityParticipant] | None


def create(session: Session, draft: ActivityDraft, actor: Actor) -> Activity:
    resolved = _resolve(session, draft, existing=None)
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
    resolved = _resolve(session, draft, existing=activity)
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
    return activity


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
    import sqlalchemy as sa

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


def _apply(activity: Activity, draft: ActivityDraft, r: _Resolved, actor: Actor) -> None:
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


def _resolve(session: Session, draft: ActivityDraft, existing: Activity | None) -> _Resolved:
    problems: list[FieldProblem] = []

    def problem(key: str, message: str) -> None:
        problems.append(FieldProblem(draft.name_of(key), message))

    name = (draft.name or "").strip()
    if not name:
        problem("name", "name is required and cannot be blank")
    elif len(name) > MAX_NAME:
        problem("name", f"name is longer than {MAX_NAME} characters")
    if draft.location is not None and len(draft.location) > MAX_LOCATION:
        problem("location", f"location is longer than {MAX_LOCATION} characters")
    activity_type = _ref(session, ActivityType, draft.type_guid, draft.name_of("type"), "activity type", problems)
    owner = _ref(session, User, draft.owner_guid, draft.name_of("owner"), "user", problems)
    if draft.type_guid is None:
        problem("type", "activityType.guid is required")
    if draft.owner_guid is None:
        problem("owner", "ownerUser.guid is required")
    customer = _ref(session, Customer, draft.customer_guid, draft.name_of("customer"), "customer", problems)
    phase = _ref(session, Phase, draft.phase_guid, draft.name_of("phase"), "phase", problems)
    if phase is None and draft.project_guid is not None:
        phase = _root_phase(session, draft.project_guid, draft.name_of("project"), problems)
    zone = draft.time_zone or (owner.time_zone if owner else "UTC")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        problem("time_zone", f"{zone!r} is not an IANA time zone name")
        tz = ZoneInfo("UTC")
    times = _times(draft, tz, problem)
    parent = _recurrence_parent(session, draft, existing, problem)
    if draft.rrule is not None and times is not None:
        _check_rrule(draft, times[0], zone, problem)
    participants = _participants(session, draft, problems)
    if problems:
        raise ValidationFailed(problems)
    assert activity_type is not None
    assert owner is not None
    assert times is not None
    original_at, original_date = _original_start(draft, tz)
    return _Resolved(
        activity_type=activity_type,
        owner=owner,
        zone=zone,
        start_at=times[0],
        end_at=times[1],
        start_date=times[2],
        end_date=times[3],
        customer=customer,
        phase=phase,
        parent=parent,
        original_start_at=original_at,
        original_start_date=original_date,
        participants=participants,
    )


def _ref(session: Session, model: Any, guid: str | None, field: str, what: str, problems: list[FieldProblem]) -> Any:
    try:
        return lookup.reference(session, model, guid, field, what)
    except ValidationFailed as failed:
        problems.extend(failed.problems)
        return None


def _root_phase(session: Session, project_guid: str, field: str, problems: list[FieldProblem]) -> Phase | None:
    import sqlalchemy as sa

    from tandem.hub.models import Project

    project = _ref(session, Project, project_guid, field, "project", problems)
    if project is None:
        return None
    return session.scalars(
        sa.select(Phase).where(Phase.project_id == project.id, Phase.parent_phase_id.is_(None)).order_by(Phase.id)
    ).first()


def _as_local(value: datetime | date, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=tz) if value.tzinfo is None else value
    return datetime.combine(value, time(), tz)


def _wall_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


Times = tuple[datetime, datetime, date | None, date | None]


def _times(draft: ActivityDraft, tz: ZoneInfo, problem: Any) -> Times | None:
    if draft.start is None:
        problem("start", "startDateTime is required")
        return None
    if draft.is_all_day:
        first = _wall_date(draft.start)
        if draft.end is None:
            last = first + timedelta(days=1)
        else:
            last = _wall_date(draft.end)
            # An end at midnight (or a date after the start) is already exclusive; an end
            # later in a day means "through that day".
            midnight = not isinstance(draft.end, datetime) or draft.end.time() == time()
            if not (midnight and last > first):
                last = last + timedelta(days=1)
        if last <= first:
            problem("end", "endDateTime is before startDateTime")
            return None
        return (_as_local(first, tz), _as_local(last, tz), first, last)
    start = _as_local(draft.start, tz).astimezone(UTC)
    end = _as_local(draft.end, tz).astimezone(UTC) if draft.end is not None else start
    if end < start:
        problem("end", "endDateTime is before startDateTime")
        return None
    return (start, end, None, None)


def _check_rrule(draft: ActivityDraft, start: datetime, zone: str, problem: Any) -> None:
    try:
        rec.series(draft.rrule or "", start, zone)
    except (ValueError, TypeError) as error:
        problem("rrule", f"not a valid RFC 5545 RRULE: {error}")


def _recurrence_parent(
    session: Session, draft: ActivityDraft, existing: Activity | None, problem: Any
) -> Activity | None:
    if draft.recurrence_parent_guid is None:
        return None
    parent = lookup.find(session, Activity, draft.recurrence_parent_guid)
    if parent is None or parent.is_deleted:
        problem("recurrence_parent", f"no activity has guid {draft.recurrence_parent_guid!r}")
        return None
    if not parent.rrule:
        problem("recurrence_parent", "that activity is not a recurring series")
        return None
    if existing is not None and parent.id == existing.id:
        problem("recurrence_parent", "an activity cannot be an exception of itself")
        return None
    if draft.rrule:
        problem("rrule", "an exception of a series cannot recur itself")
    if draft.original_start is None:
        problem("original_start", "an exception needs the start the occurrence had in the series")
    return parent


def _original_start(draft: ActivityDraft, tz: ZoneInfo) -> tuple[datetime | None, date | None]:
    if draft.original_start is None:
        return None, None
    if isinstance(draft.original_start, datetime):
        return _as_local(draft.original_start, tz).astimezone(UTC), None
    return _as_local(draft.original_start, tz).astimezone(UTC), draft.original_start


def _participants(
    session: Session, draft: ActivityDraft, problems: list[FieldProblem]
) -> list[ActivityParticipant] | None:
    if draft.participants is None:
        return None
    rows: list[ActivityParticipant] = []
    for i, p in enumerate(draft.participants):
        rows.extend(_participant_row(session, p, f"{draft.name_of('participants')}[{i}]", problems))
    return rows


def _participant_row(
    session: Session, p: ParticipantDraft, where: str, problems: list[FieldProblem]
) -> list[ActivityParticipant]:
    before = len(problems)
    if p.kind not in PARTICIPANT_KINDS:
        problems.append(FieldProblem(f"{where}.type", f"type must be one of {', '.join(PARTICIPANT_KINDS)}"))
    if p.status not in PARTICIPANT_STATUSES:
        problems.append(FieldProblem(f"{where}.status", f"status must be one of {', '.join(PARTICIPANT_STATUSES)}"))
    row = ActivityParticipant(kind=p.kind, status=p.status, phone=p.phone, mobile_phone=p.mobile_phone)
    ref_field = f"{where}.participantGuid"
    if p.kind == "User":
        user = _ref(session, User, p.ref_guid, ref_field, "user", problems)
        if user is not None:
            row.user, row.user_id, row.email, row.name = user, user.id, user.email, user.full_name
    elif p.kind == "Contact":
        contact = _ref(session, Contact, p.ref_guid, ref_field, "contact", problems)
        if contact is not None:
            row.contact, row.contact_id, row.email, row.name = contact, contact.id, contact.email, contact.full_name
    elif p.kind == "Resource":
        resource = _ref(session, Resource, p.ref_guid, ref_field, "resource", problems)
        if resource is not None:
            row.resource, row.resource_id, row.email, row.name = resource, resource.id, resource.email, resource.name
    elif p.kind == "Other":
        if not p.email or "@" not in p.email:
            problems.append(FieldProblem(f"{where}.email", "an external participant needs an email address"))
        row.email, row.name = (p.email or "").strip() or None, p.name or p.email
    if p.kind in ("User", "Contact", "Resource") and p.ref_guid is None:
        problems.append(FieldProblem(ref_field, "participantGuid is required"))
    return [row] if len(problems) == before else []
