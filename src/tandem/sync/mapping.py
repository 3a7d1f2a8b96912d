"""Activity <-> calendar event, through one canonical record of the synced fields (CAL-13).

    Activity.name            <-> CalendarEvent.summary
    Activity.notes           <-> description
    Activity.location        <-> location
    start / end / time_zone  <-> start / end / time_zone   (one group: "timing")
    Activity.recurrence      <-> recurrence                (RRULE, EXDATE, RDATE)
    category Personal        <-> private                   (CAL-6)
    participants             <-> attendees                 (CAL-14, see `participants`)

Activity type, customer, project, phase and the closed flag are PSA-only: nothing here
writes them from the calendar, except the type that privacy asks for (CAL-6).

Both directions go through `SyncedFields`, so comparing the two sides, or a side with
the base snapshot, is comparing two equal-shaped values. Anything the other side could
not hold (no start, a naive time, an end before the start, an unreadable rule) raises
`Unrepresentable` with a reason the admin can read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from tandem.domain.activity import Activity, Moment, Recurrence
from tandem.domain.calendar import CalendarEvent, EventStatus
from tandem.domain.syncstate import SyncedFields
from tandem.sync.context import SyncContext
from tandem.sync.participants import (
    attendees_from_event,
    attendees_from_participants,
    calendar_attendees,
    participants_with,
)
from tandem.sync.series import (
    Unrepresentable,
    check_recurrence,
    normalise_moment,
    normalise_recurrence,
    without_stray_exdates,
    zone,
)

WARN_PRIVATE_AS_DEFAULT = "private-entry-default-type"
"""CAL-6: no Personal type, so a private calendar entry became a public activity."""


def _text(value: str | None) -> str | None:
    return value if value else None


def _timing(start: Moment | None, end: Moment | None, time_zone: str | None) -> tuple[Moment, Moment, str | None]:
    """Start, end and zone in canonical form, or the reason the pair is not a valid time span."""
    if start is None or end is None:
        raise Unrepresentable("it has no start or no end")
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise Unrepresentable("its start and end are not both dates or both times")
    start, end = normalise_moment(start), normalise_moment(end)
    if isinstance(start, datetime):
        zone(time_zone)  # an unknown zone is refused here, not when the series is expanded
        if end < start:
            raise Unrepresentable("it ends before it starts")
        return start, end, time_zone
    if end <= start:
        raise Unrepresentable("an all-day item must end (exclusively) after the day it starts")
    return start, end, None


def _recurrence(recurrence: Recurrence | None, start: Moment, time_zone: str | None) -> Recurrence | None:
    result = normalise_recurrence(recurrence, start)
    check_recurrence(result, start, time_zone)
    return without_stray_exdates(result, start, time_zone)


def owner_email(activity: Activity, ctx: SyncContext) -> str:
    """The email of the activity's owner, who organises its event."""
    if activity.owner_guid == ctx.user_guid:
        return ctx.user_email_lower
    return ctx.people.email_of(activity.owner_guid) or ctx.user_email_lower


def event_organiser(event: CalendarEvent, ctx: SyncContext) -> str:
    """The organiser of an event; a copy without one is the user's own."""
    return (event.organizer_email or ctx.user_email).strip().lower()


def fields_from_activity(activity: Activity, ctx: SyncContext, organiser: str) -> SyncedFields:
    start, end, time_zone = _timing(activity.start, activity.end, activity.time_zone)
    return SyncedFields(
        summary=activity.name or "",
        description=_text(activity.notes),
        location=_text(activity.location),
        start=start,
        end=end,
        time_zone=time_zone,
        recurrence=_recurrence(activity.recurrence, start, time_zone),
        private=activity.is_private,
        attendees=attendees_from_participants(activity.participants, ctx.people, organiser),
    )


def fields_from_event(event: CalendarEvent, ctx: SyncContext, organiser: str) -> SyncedFields:
    """The synced fields of a live event; a timed event without a zone is in the calendar's."""
    start, end, time_zone = _timing(event.start, event.end, event.time_zone or ctx.default_time_zone)
    return SyncedFields(
        summary=event.summary or "",
        description=_text(event.description),
        location=_text(event.location),
        start=start,
        end=end,
        time_zone=time_zone,
        recurrence=_recurrence(event.recurrence, start, time_zone),
        private=event.private,
        attendees=attendees_from_event(event.attendees, ctx.people, organiser),
    )


def event_from_fields(
    fields: SyncedFields,
    *,
    event_id: str,
    ctx: SyncContext,
    current: CalendarEvent | None = None,
    series_event_id: str | None = None,
    original_start: Moment | None = None,
    event_type: str = "default",
    organiser: str | None = None,
) -> CalendarEvent:
    """The event to write for these fields; rooms and calendar-only data of `current` are kept.
    A new event gets `event_type`; an existing one keeps its own (Google fixes it). A new
    event's organiser is `organiser`, else the user."""
    keep = current.attendees if current is not None else ()
    organiser = organiser or ctx.user_email
    return CalendarEvent(
        id=event_id,
        start=fields.start,
        end=fields.end,
        time_zone=fields.time_zone,
        summary=fields.summary,
        description=fields.description,
        location=fields.location,
        status=EventStatus.CONFIRMED,
        private=fields.private,
        recurrence=fields.recurrence,
        recurring_event_id=series_event_id if current is None else current.recurring_event_id or series_event_id,
        original_start=original_start if current is None else current.original_start or original_start,
        attendees=calendar_attendees(fields.attendees, keep),
        organizer_email=organiser if current is None else current.organizer_email or organiser,
        etag=None if current is None else current.etag,
        updated=None if current is None else current.updated,
        sequence=0 if current is None else current.sequence,
        private_properties={} if current is None else dict(current.private_properties),
        event_type=event_type if current is None else current.event_type,
    )


@dataclass(frozen=True, slots=True)
class Adopted:
    """An activity as the calendar side's fields make it, and warnings for the admin."""

    activity: Activity
    warnings: tuple[str, ...] = ()


def _privacy(activity: Activity, private: bool, ctx: SyncContext) -> tuple[Activity, tuple[str, ...]]:
    """CAL-6: a private entry is a Personal activity; a public one leaves Personal."""
    if private == activity.is_private:
        return activity, ()
    if private and ctx.personal_type_guid is None:
        return activity, (WARN_PRIVATE_AS_DEFAULT,)
    type_guid = ctx.type_for_privacy(private)
    return replace(activity, type_guid=type_guid, category=ctx.category_of(type_guid)), ()


def apply_fields(
    activity: Activity,
    fields: SyncedFields,
    changed: frozenset[str],
    ctx: SyncContext,
    organiser: str,
    status_updates: frozenset[str] = frozenset(),
) -> Adopted:
    """The activity with the named synced fields taken from `fields`; the rest untouched."""
    updated = activity
    if "summary" in changed:
        updated = replace(updated, name=fields.summary)
    if "description" in changed:
        updated = replace(updated, notes=fields.description)
    if "location" in changed:
        updated = replace(updated, location=fields.location)
    if "timing" in changed:
        updated = replace(updated, start=fields.start, end=fields.end, time_zone=fields.time_zone or activity.time_zone)
    if "recurrence" in changed:
        updated = replace(updated, recurrence=fields.recurrence)
    warnings: tuple[str, ...] = ()
    if "private" in changed:
        updated, warnings = _privacy(updated, fields.private, ctx)
    if "attendees" in changed:
        participants = participants_with(activity.participants, fields.attendees, status_updates, ctx.people, organiser)
        updated = replace(updated, participants=participants)
    return Adopted(updated, warnings)


EVENT_FIELDS = frozenset({"summary", "description", "location", "timing", "private", "attendees"})
"""The synced fields an occurrence of a series carries (a recurrence is the series')."""


def new_exception(
    series: Activity,
    fields: SyncedFields,
    *,
    guid: str,
    ctx: SyncContext,
    organiser: str,
    original_start: Moment | None,
) -> Adopted:
    """The activity an occurrence of a PSA series becomes when the calendar first shows it
    apart (moved, edited): the series' activity (its type, customer, project, phase, owner,
    contacts and resources, which the calendar never carries) with the occurrence's own
    fields (CAL-13, CAL-14b/c)."""
    occurrence = replace(
        series,
        guid=guid,
        recurrence=None,
        recurrence_parent_guid=series.guid,
        original_start=original_start,
        participants=tuple(replace(p, guid=None) for p in series.participants),
        version=0,
        updated_at=None,
        deleted=False,
        extra={},
    )
    everyone = frozenset(a.email for a in fields.attendees)
    return apply_fields(occurrence, fields, EVENT_FIELDS, ctx, organiser, status_updates=everyone)


def new_activity(
    fields: SyncedFields,
    *,
    guid: str,
    ctx: SyncContext,
    organiser: str,
    series_guid: str | None = None,
    original_start: Moment | None = None,
    event_type: str = "default",
) -> Adopted:
    """The activity a calendar entry first seen becomes; the user owns it."""
    type_guid = ctx.type_for_entry(fields.private, event_type)
    absent = type_guid == ctx.absence_type_guid
    warnings = (WARN_PRIVATE_AS_DEFAULT,) if fields.private and ctx.personal_type_guid is None and not absent else ()
    everyone = frozenset(a.email for a in fields.attendees)
    participants = participants_with((), fields.attendees, everyone, ctx.people, organiser)
    activity = Activity(
        guid=guid,
        name=fields.summary,
        start=fields.start,
        end=fields.end,
        time_zone=fields.time_zone or ctx.default_time_zone,
        type_guid=type_guid,
        category=ctx.category_of(type_guid),
        owner_guid=ctx.user_guid,
        location=fields.location,
        notes=fields.description,
        recurrence=fields.recurrence,
        recurrence_parent_guid=series_guid,
        original_start=original_start,
        participants=participants,
        version=0,
    )
    return Adopted(activity, warnings)
