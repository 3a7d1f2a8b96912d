"""The activity form of My week: what the form offers (`choices`), a saved activity as the
form's values (`values_of`), and the form's values as the hub's `ActivityDraft` (`draft`).

Only the form's own shape is checked here (a date that is no date, a number that is no
number); every rule of an activity is the hub's (`activity_rules.resolve`, the REST API's
rules), and its messages are shown beside the field they name.
"""

from __future__ import annotations

import dataclasses
import email.utils
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.hub import recurrence as rec
from tandem.hub.models import Activity, ActivityType, Contact, Customer, Project, Resource, User
from tandem.hub.services.activity_rules import resolve
from tandem.hub.services.drafts import ActivityDraft, ParticipantDraft, draft_of, participants_of
from tandem.hub.services.errors import FieldProblem, ValidationFailed

FIELD_NAMES = {
    "name": "name",
    "type": "type",
    "owner": "owner",
    "start": "date",
    "end": "end_time",
    "time_zone": "date",
    "original_start": "date",
    "location": "location",
    "notes": "notes",
    "customer": "customer",
    "phase": "project",
    "project": "project",
    "rrule": "repeat",
    "exdates": "repeat",
    "recurrence_parent": "name",
    "participants": "participants",
}
"""The hub's draft fields by the form's names, so the hub's messages land beside the right field."""

REPEATS = {"daily": "Daily", "weekly": "Weekly", "monthly": "Monthly"}
WEEKDAYS = tuple(zip(rec.ICAL_DAYS, rec.WEEKDAYS, strict=True))


@dataclass(frozen=True, slots=True)
class Option:
    guid: str
    label: str


@dataclass(frozen=True, slots=True)
class Choices:
    types: tuple[Option, ...]
    users: tuple[Option, ...]
    customers: tuple[Option, ...]
    projects: tuple[Option, ...]
    contacts: tuple[Option, ...]
    resources: tuple[Option, ...]


def choices(session: Session) -> Choices:
    def options(query: Any, label: Any) -> tuple[Option, ...]:
        return tuple(Option(row.guid, label(row)) for row in session.scalars(query).unique())

    return Choices(
        types=options(
            sa.select(ActivityType).where(ActivityType.is_active.is_(True)).order_by(ActivityType.name), _name
        ),
        users=options(
            sa.select(User).where(User.is_active.is_(True)).order_by(User.first_name, User.last_name),
            lambda u: u.full_name,
        ),
        customers=options(sa.select(Customer).where(Customer.is_active.is_(True)).order_by(Customer.name), _name),
        projects=options(
            sa.select(Project).where(Project.is_closed.is_(False)).order_by(Project.name),
            lambda p: p.name,
        ),
        contacts=options(
            sa.select(Contact).where(Contact.is_active.is_(True)).order_by(Contact.first_name, Contact.last_name),
            lambda c: f"{c.full_name} ({c.customer.name})",
        ),
        resources=options(sa.select(Resource).where(Resource.is_active.is_(True)).order_by(Resource.name), _name),
    )


def _name(row: Any) -> str:
    return str(row.name)


def new_values(session: Session, viewer: User, day: date) -> dict[str, str]:
    """A new activity's form: today's or the chosen day, 09:00–10:00, the viewer's default type."""
    default = session.get(ActivityType, viewer.default_activity_type_id) if viewer.default_activity_type_id else None
    if default is None:
        default = session.scalars(sa.select(ActivityType).where(ActivityType.is_default.is_(True))).first()
    return {
        "date": day.isoformat(),
        "start_time": "09:00",
        "end_time": "10:00",
        "type": default.guid if default else "",
        "owner": viewer.guid,
        "repeat": "none",
        "interval": "1",
        "ends": "never",
    }


def shown(activity: Activity) -> str:
    """A fingerprint of what the form shows of a saved activity. A save whose version is
    older but whose fingerprint still matches met only changes the form does not show (the
    sync's own marks, a participant's answer): it goes ahead instead of "changed meanwhile"."""
    return hashlib.sha256(json.dumps(sorted(values_of(activity).items())).encode()).hexdigest()[:32]


def values_of(activity: Activity) -> dict[str, str]:
    """A saved activity as the form shows it, its times in its own time zone."""
    zone = ZoneInfo(activity.time_zone)
    values = {
        "name": activity.name,
        "type": activity.activity_type.guid,
        "owner": activity.owner.guid,
        "location": activity.location or "",
        "notes": activity.notes or "",
        "customer": activity.customer.guid if activity.customer else "",
        "project": activity.project.guid if activity.project else "",
        "repeat": "none",
        "interval": "1",
        "ends": "never",
    }
    if activity.is_all_day and activity.start_date:
        values["all_day"] = "on"
        values["date"] = activity.start_date.isoformat()
        last = (activity.end_date or activity.start_date + timedelta(days=1)) - timedelta(days=1)
        values["end_date"] = last.isoformat() if last != activity.start_date else ""
    else:
        start, end = activity.start_at.astimezone(zone), activity.end_at.astimezone(zone)
        values |= {"date": start.date().isoformat(), "start_time": f"{start:%H:%M}", "end_time": f"{end:%H:%M}"}
        values["end_date"] = end.date().isoformat() if end.date() != start.date() else ""
    values |= _recurrence_values(activity)
    if activity.rrule and _rrule(values, _start_of(activity), activity.time_zone, _ignore) != activity.rrule:
        values["repeat"] = KEEP  # a rule the form cannot show: kept as it is unless the user picks another
    for p in participants_of(activity):
        if p.kind == "Other":
            values["external"] = values.get("external", "") + _address(p) + "\n"
        elif p.ref_guid:
            values[f"{p.kind.lower()}:{p.ref_guid}"] = "on"
    return values


KEEP = "keep"
"""The repeat choice of a series whose rule the form's choices cannot express (a yearly one,
"the second Tuesday", several rules from the calendar…): saving keeps it unchanged."""


def _start_of(activity: Activity) -> date | datetime:
    if activity.is_all_day and activity.start_date:
        return activity.start_date
    return activity.start_at.astimezone(ZoneInfo(activity.time_zone)).replace(tzinfo=None)


def _ignore(field: str, message: str) -> None:
    return None


def _address(p: ParticipantDraft) -> str:
    return email.utils.formataddr((p.name or "", p.email or "")) if p.name and p.name != p.email else p.email or ""


def _recurrence_values(activity: Activity) -> dict[str, str]:
    shape = rec.from_rrule(activity.rrule, activity.time_zone) if activity.rrule else None
    if shape is None:
        return {}
    frequency = str(shape["frequency"]).lower()
    pattern = shape["pattern"].get(frequency, {})
    values = {"repeat": frequency if frequency in REPEATS else "none", "interval": str(pattern.get("interval", 1))}
    values |= {f"day:{ical}": "on" for ical, name in WEEKDAYS if pattern.get(name)}
    ends = shape["range"]
    if ends.get("maxOccurrences"):
        values |= {"ends": "count", "count": str(ends["maxOccurrences"])}
    elif ends.get("recursUntilDate"):
        values |= {"ends": "until", "until": str(ends["recursUntilDate"])}
    return values


def draft(session: Session, sent: dict[str, str], viewer: User, existing: Activity | None) -> ActivityDraft:
    """The draft the form describes; ValidationFailed names the form's fields (every
    problem at once: the form's own and the hub's)."""
    problems: list[FieldProblem] = []

    def problem(field: str, message: str) -> None:
        problems.append(FieldProblem(field, message))

    zone = existing.time_zone if existing is not None else viewer.time_zone or "UTC"
    all_day = sent.get("all_day") == "on"
    start, end = _times(sent, all_day, problem)
    owner = sent.get("owner") or (existing.owner.guid if existing is not None else viewer.guid)
    changes: dict[str, Any] = {
        "name": sent.get("name", ""),
        "type_guid": sent.get("type") or None,
        "owner_guid": owner,
        "start": start,
        "end": end,
        "is_all_day": all_day,
        "time_zone": zone,
        "location": sent.get("location", "").strip() or None,
        "notes": sent.get("notes", "") or None,
        "customer_guid": sent.get("customer") or None,
        "participants": _participants(sent, existing),
        "field_names": FIELD_NAMES,
    }
    project = sent.get("project") or None
    if existing is None or project != (existing.project.guid if existing.project else None):
        changes |= {"project_guid": project, "phase_guid": None}
    if existing is not None and existing.rrule and sent.get("repeat") == KEEP:
        pass  # the series' own rule, as it is (draft_of keeps it and its exceptions' dates)
    elif existing is None or existing.recurrence_parent_id is None:
        changes["rrule"] = _rrule(sent, start, zone, problem)
        if existing is not None and changes["rrule"] != existing.rrule:
            changes["exdates"] = ()
    wanted = draft_of(existing, **changes) if existing is not None else ActivityDraft(**changes)
    if problems:
        try:
            resolve(session, wanted, existing)
        except ValidationFailed as failed:
            named = {p.field for p in problems}
            problems.extend(p for p in failed.problems if p.field not in named)
        raise ValidationFailed(problems)
    return wanted


def _times(sent: dict[str, str], all_day: bool, problem: Any) -> tuple[date | datetime | None, date | datetime | None]:
    day = _date(sent.get("date", ""), "date", problem)
    last = _date(sent.get("end_date", ""), "end_date", problem)
    if all_day:
        return day, (last + timedelta(days=1)) if last is not None else None
    begins = _time(sent.get("start_time", ""), "start_time", problem)
    ends = _time(sent.get("end_time", ""), "end_time", problem)
    if day is None or begins is None:
        return None, None
    return datetime.combine(day, begins), datetime.combine(last or day, ends) if ends is not None else None


def _date(text: str, field: str, problem: Any) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        problem(field, "Enter a date as YYYY-MM-DD, such as 2026-12-07.")
        return None


def _time(text: str, field: str, problem: Any) -> time | None:
    if not text.strip():
        if field == "start_time":
            problem(field, "Enter the start time as HH:MM, such as 09:30.")
        return None
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        problem(field, "Enter a time as HH:MM, such as 09:30.")
        return None


def _whole(text: str, field: str, problem: Any) -> int | None:
    if not text.strip().isdigit():
        problem(field, "Enter a whole number, such as 2.")
        return None
    return int(text.strip())


RECURRENCE_FIELDS = {"interval": "interval", "maxOccurrences": "count", "recursUntilDate": "until"}


def _rrule(sent: dict[str, str], start: date | datetime | None, zone: str, problem: Any) -> str | None:
    """The Severa `recurrence` the form describes, as the API turns it into an RRULE."""
    repeat = sent.get("repeat", "none")
    if repeat == "none":
        return None
    if repeat not in REPEATS:
        problem("repeat", "Choose how the activity repeats.")
        return None
    frequency = REPEATS[repeat]
    pattern: dict[str, Any] = {"interval": _whole(sent.get("interval", "1") or "1", "interval", problem)}
    if repeat == "weekly":
        pattern |= {name: sent.get(f"day:{ical}") == "on" for ical, name in WEEKDAYS}
    if repeat == "monthly" and start is not None:
        pattern["dayOfMonth"] = start.day
    ends = sent.get("ends", "never")
    scope: dict[str, Any] = {}
    if ends == "count":
        scope["maxOccurrences"] = _whole(sent.get("count", ""), "count", problem)
    elif ends == "until":
        scope["recursUntilDate"] = sent.get("until", "").strip() or None
        if scope["recursUntilDate"] is None:
            problem("until", "Enter the last date of the series as YYYY-MM-DD.")
    if start is None or pattern["interval"] is None or None in scope.values():
        return None
    model = {"frequency": frequency, "pattern": {repeat: pattern}, "range": scope}
    try:
        return rec.to_rrule(model, start, zone)
    except rec.RecurrenceError as error:
        field = next((f for key, f in RECURRENCE_FIELDS.items() if key in error.field), "repeat")
        problem(field, str(error))
        return None


def _participants(sent: dict[str, str], existing: Activity | None) -> tuple[ParticipantDraft, ...]:
    """The ticked users, contacts and resources and the external addresses typed (one a
    line), each keeping the answer (status) it already had."""
    had = {(p.kind, p.ref_guid or (p.email or "").lower()): p for p in participants_of(existing)} if existing else {}
    wanted: list[ParticipantDraft] = []
    for key, value in sent.items():
        kind, _, guid = key.partition(":")
        if value == "on" and guid and kind in ("user", "contact", "resource"):
            wanted.append(ParticipantDraft(kind.capitalize(), guid))
    for line in sent.get("external", "").splitlines():
        if line.strip():
            name, address = email.utils.parseaddr(line.strip()) if "<" in line else ("", line.strip())
            wanted.append(ParticipantDraft("Other", email=address or line.strip(), name=name or None))
    out = []
    for p in wanted:
        before = had.get((p.kind, p.ref_guid or (p.email or "").lower()))
        out.append(dataclasses.replace(p, status=before.status, name=p.name or before.name) if before else p)
    return tuple(out)


def error_fields(failed: ValidationFailed) -> dict[str, str]:
    """The problems by the form field they are shown beside (a participant's: the participants')."""
    errors: dict[str, str] = {}
    for p in failed.problems:
        field = "participants" if p.field.startswith("participants") else p.field
        errors[field] = f"{errors[field]} {p.message}" if field in errors else p.message
    return errors
