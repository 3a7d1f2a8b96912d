"""Checking an activity draft whole: every problem at once, each naming the caller's
field, and the rows its guids name. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.domain import limits
from tandem.hub import recurrence as rec
from tandem.hub.models import (
    Activity,
    ActivityParticipant,
    ActivityType,
    Contact,
    Customer,
    Phase,
    Project,
    Resource,
    User,
)
from tandem.hub.services import lookup
from tandem.hub.services.drafts import ActivityDraft, ParticipantDraft
from tandem.hub.services.errors import FieldProblem, ValidationFailed

PARTICIPANT_KINDS = ("User", "Contact", "Resource", "Other")
PARTICIPANT_STATUSES = ("Unknown", "Invited", "Accepted", "Tentative", "Declined")
PARTICIPANT_FIELDS = {"kind": "type", "ref_guid": "participantGuid", "mobile_phone": "mobilePhone"}
"""A participant's fields as the API names them, where the names differ."""


@dataclass(slots=True)
class Resolved:
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


def resolve(session: Session, draft: ActivityDraft, existing: Activity | None) -> Resolved:
    problems: list[FieldProblem] = []

    def problem(key: str, message: str) -> None:
        problems.append(FieldProblem(draft.name_of(key), message))

    _check_texts(draft, problem)
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
    if not limits.is_time_zone(zone):
        problem("time_zone", f"{zone!r} is not an IANA time zone name (such as Europe/Helsinki)")
        zone = "UTC"
    tz = ZoneInfo(zone)
    times = _times(draft, tz, problem) if _in_calendar(draft, problem) else None
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
    return Resolved(
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


def _check_texts(draft: ActivityDraft, problem: Any) -> None:
    """Texts as every writer must give them (the limits: `tandem.domain.limits`). A NUL
    anywhere is refused at once: no text holding one may reach the database (PostgreSQL
    refuses them; SQLite would keep them)."""
    nul = [key for key, text in _texts(draft) if "\x00" in text]
    if nul:
        raise ValidationFailed([FieldProblem(draft.name_of(key), "text may not contain NUL characters") for key in nul])
    if limits.is_blank(draft.name or ""):
        problem("name", "name is required and cannot be blank")
    for key, value, most in (
        ("name", draft.name.strip() if draft.name else None, limits.MAX_ACTIVITY_NAME),
        ("location", draft.location, limits.MAX_LOCATION),
        ("notes", draft.notes, limits.MAX_NOTES),
    ):
        if value is not None and len(value) > most:
            problem(key, f"{draft.name_of(key)} is longer than {most} characters")


def _texts(draft: ActivityDraft) -> list[tuple[str, str]]:
    """Every text of a draft with the key `problem` names it by; a participant's texts are
    named `participants[i].<field>` (a key the draft's names do not translate)."""
    out: list[tuple[str, str]] = []
    for f in fields(draft):
        value = getattr(draft, f.name)
        if isinstance(value, str):
            out.append((f.name, value))
        elif isinstance(value, dict) and f.name == "extra":
            out.extend((f.name, str(text)) for item in value.items() for text in item)
    for i, participant in enumerate(draft.participants or ()):
        where = f"{draft.name_of('participants')}[{i}]"
        for f in fields(participant):
            value = getattr(participant, f.name)
            if isinstance(value, str):
                out.append((f"{where}.{PARTICIPANT_FIELDS.get(f.name, f.name)}", value))
    return out


def _in_calendar(draft: ActivityDraft, problem: Any) -> bool:
    """Every date the draft gives lies in the supported range, so that no conversion of
    it can overflow (a year-1 start with a +02:00 offset once did)."""
    fine = True
    for key, value in (("start", draft.start), ("end", draft.end), ("original_start", draft.original_start)):
        if value is not None and not limits.in_calendar(value):
            problem(key, f"{draft.name_of(key)} must be from {limits.calendar_range()}")
            fine = False
    if any(not limits.in_calendar(d) for d in draft.exdates):
        problem("exdates", f"every EXDATE must be from {limits.calendar_range()}")
        fine = False
    return fine


def _ref(session: Session, model: Any, guid: str | None, field: str, what: str, problems: list[FieldProblem]) -> Any:
    try:
        return lookup.reference(session, model, guid, field, what)
    except ValidationFailed as failed:
        problems.extend(failed.problems)
        return None


def _root_phase(session: Session, project_guid: str, field: str, problems: list[FieldProblem]) -> Phase | None:
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
        rec.check(draft.rrule or "", start, zone)
    except rec.RecurrenceError as error:
        problem("rrule", f"the recurrence rule is refused: {error}")
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
        email = (p.email or "").strip()
        if not email:
            problems.append(FieldProblem(f"{where}.email", "an external participant needs an email address"))
        elif not limits.is_email(email):
            problems.append(FieldProblem(f"{where}.email", f"{email!r} is not an email address"))
        if p.name is not None and len(p.name) > limits.MAX_PARTICIPANT_NAME:
            problems.append(FieldProblem(f"{where}.name", f"longer than {limits.MAX_PARTICIPANT_NAME} characters"))
        row.email, row.name = email or None, p.name or email or None
    if p.kind in ("User", "Contact", "Resource") and p.ref_guid is None:
        problems.append(FieldProblem(ref_field, "participantGuid is required"))
    return [row] if len(problems) == before else []
