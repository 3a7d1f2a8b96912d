"""Activities as callers describe them (`ActivityDraft`), and a saved activity's state
as a draft, so a caller can change a few fields of it (`draft_of`)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tandem.domain.activity import Origin
from tandem.hub.models import Activity


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


def exdates(activity: Activity) -> tuple[Any, ...]:
    """A row's EXDATEs as values (instants for timed series, dates for all-day ones)."""
    return parse_exdates(activity.exdates)


def parse_exdates(stored: str | None) -> tuple[Any, ...]:
    """The `exdates` column's JSON list as values."""
    return tuple(
        datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text) for text in json.loads(stored or "[]")
    )


def participants_of(activity: Activity) -> tuple[ParticipantDraft, ...]:
    out = []
    for p in activity.participants:
        ref = p.user or p.contact or p.resource
        out.append(
            ParticipantDraft(
                kind=p.kind,
                ref_guid=ref.guid if ref is not None else None,
                email=p.email,
                name=p.name,
                status=p.status,
                phone=p.phone,
                mobile_phone=p.mobile_phone,
            )
        )
    return tuple(out)


def draft_of(activity: Activity, **changes: Any) -> ActivityDraft:
    """The draft that saves `activity` unchanged, with `changes` applied."""
    original: Any = activity.original_start_date or activity.original_start_at
    draft = ActivityDraft(
        name=activity.name,
        type_guid=activity.activity_type.guid,
        owner_guid=activity.owner.guid,
        start=activity.start_date if activity.is_all_day else activity.start_at,
        end=activity.end_date if activity.is_all_day else activity.end_at,
        is_all_day=activity.is_all_day,
        time_zone=activity.time_zone,
        location=activity.location,
        notes=activity.notes,
        is_closed=activity.is_closed,
        customer_guid=activity.customer.guid if activity.customer else None,
        phase_guid=activity.phase.guid if activity.phase else None,
        rrule=activity.rrule,
        exdates=exdates(activity),
        recurrence_parent_guid=activity.recurrence_parent.guid if activity.recurrence_parent else None,
        original_start=original,
        participants=None,
    )
    return dataclasses.replace(draft, **changes)
