"""Literal values for planner tests: one organisation, its users and types, a fixed `now`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tandem.domain.activity import Activity, ActivityCategory, Participant, ParticipantKind, ParticipantStatus
from tandem.domain.calendar import Attendee, CalendarEvent
from tandem.domain.syncstate import BaseSnapshot, Link, LinkedItem
from tandem.sync.context import People, SyncContext
from tandem.sync.ids import event_id_for
from tandem.sync.mapping import fields_from_activity, owner_email

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
ANN = "11111111-1111-4111-8111-111111111111"
ANN_EMAIL = "ann@example.com"
BOB = "22222222-2222-4222-8222-222222222222"
BOB_EMAIL = "bob@example.com"

MEETING = "aaaaaaaa-0000-4000-8000-000000000001"
PERSONAL = "aaaaaaaa-0000-4000-8000-000000000002"
TASK = "aaaaaaaa-0000-4000-8000-000000000003"
INTERNAL = "aaaaaaaa-0000-4000-8000-000000000004"
"""A type the admin did not choose for the calendar."""

CATEGORIES = {
    MEETING: ActivityCategory.CALENDAR_ENTRY,
    PERSONAL: ActivityCategory.PERSONAL,
    TASK: ActivityCategory.TASK,
    INTERNAL: ActivityCategory.CALENDAR_ENTRY,
}

GUID_1 = "0f6a3c1e-5b7d-4e2a-9c8b-1d2e3f4a5b6c"
GUID_2 = "7c9d2e4f-1a3b-4c5d-8e6f-0a1b2c3d4e5f"


def context(**changes: Any) -> SyncContext:
    ctx = SyncContext(
        user_guid=ANN,
        user_email=ANN_EMAIL,
        calendar_id=ANN_EMAIL,
        synced_type_guids=frozenset({MEETING, PERSONAL, TASK}),
        default_type_guid=MEETING,
        personal_type_guid=PERSONAL,
        type_categories=CATEGORIES,
        people=People.of({ANN_EMAIL: ANN, "Bob@Example.com": BOB}),
        default_time_zone="Europe/Helsinki",
    )
    return replace(ctx, **changes)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2030, month, day, hour, minute, tzinfo=UTC)


def activity(guid: str = GUID_1, **changes: Any) -> Activity:
    base = Activity(
        guid=guid,
        name="Planning",
        start=at(5, 8),
        end=at(5, 9),
        time_zone="Europe/Helsinki",
        type_guid=MEETING,
        category=ActivityCategory.CALENDAR_ENTRY,
        owner_guid=ANN,
        notes="Agenda",
        location="Room 1",
        version=3,
        updated_at=at(1, 8),
    )
    return replace(base, **changes)


def event(event_id: str | None = None, **changes: Any) -> CalendarEvent:
    base = CalendarEvent(
        id=event_id or event_id_for(GUID_1),
        start=at(5, 8),
        end=at(5, 9),
        time_zone="Europe/Helsinki",
        summary="Planning",
        description="Agenda",
        location="Room 1",
        organizer_email=ANN_EMAIL,
        etag='"e1"',
        updated=at(1, 8),
    )
    return replace(base, **changes)


def linked_to(act: Activity, ctx: SyncContext | None = None, *, etag: str | None = '"e1"') -> LinkedItem:
    """The link and base of an activity that both sides agreed on as it is now."""
    ctx = ctx or context()
    fields = fields_from_activity(act, ctx, owner_email(act, ctx))
    link = Link(ANN, ANN_EMAIL, act.guid, event_id_for(act.guid))
    return LinkedItem(link, BaseSnapshot(fields, act.type_guid, act.version, etag, at(1, 9)))


def user(guid: str, email: str, status: ParticipantStatus = ParticipantStatus.INVITED) -> Participant:
    return Participant(kind=ParticipantKind.USER, status=status, email=email, ref_guid=guid)


def external(email: str, name: str | None = None, status: ParticipantStatus = ParticipantStatus.INVITED) -> Participant:
    return Participant(kind=ParticipantKind.OTHER, status=status, email=email, name=name or email)


def guest(email: str, **changes: Any) -> Attendee:
    return replace(Attendee(email=email), **changes)


def all_day(start: date, end: date) -> dict[str, Any]:
    return {"start": start, "end": end, "time_zone": "Europe/Helsinki"}


ONE_HOUR = timedelta(hours=1)
