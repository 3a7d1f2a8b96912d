"""What may be sent, what is left alone, and who is told (CAL-5, 10, 11, 12, 16).

Each rule is a small pure function of the item, the context and `now`, so the planner
reads as a list of rules and each rule is tested with literal values.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from tandem.domain.activity import Activity, ActivityCategory
from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.domain.syncstate import SyncedFields
from tandem.sync.context import SyncContext
from tandem.sync.series import ends_after

IMPORTED_EVENT_TYPES = frozenset({"default", "outOfOffice", "focusTime", "fromGmail"})


def comes_into_the_psa(event: CalendarEvent) -> bool:
    """BEY-10: a working location (a Workspace user can have one every day) and a birthday
    are not work and never become activities; a type Google adds later is left alone, never
    imported as a meeting."""
    return event.event_type in IMPORTED_EVENT_TYPES


def event_type_for(activity: Activity, fields: SyncedFields, ctx: SyncContext) -> str:
    """BEY-10: the Google event type a new event is made with. An absence goes out as an
    out-of-office entry where Google can hold one: timed (Google refuses an all-day one) and
    the user's own (no guests: an out-of-office is a status, not a meeting). Anything else,
    and an absence Google cannot hold, is a default (busy) event. The type is fixed once the
    event exists, so only a new event gets one."""
    absence = ctx.category_of(activity.type_guid) is ActivityCategory.ABSENCES
    if absence and isinstance(fields.start, datetime) and not fields.attendees:
        return "outOfOffice"
    return "default"


def type_is_sent(type_guid: str, ctx: SyncContext) -> bool:
    """CAL-5 and CAL-12: the admin's chosen types go to the calendar; Task-category ones never."""
    return type_guid in ctx.synced_type_guids and ctx.category_of(type_guid) is not ActivityCategory.TASK


def not_sent_reason(activity: Activity, fields: SyncedFields, ctx: SyncContext, now: datetime) -> str | None:
    """Why an activity without a link is not written to the calendar, or None if it is.

    Only new items are filtered: calendar -> PSA is never restricted (CAL-5), and an
    item that is already linked keeps syncing (see `leaves_calendar`).
    """
    if activity.category is ActivityCategory.TASK or ctx.category_of(activity.type_guid) is ActivityCategory.TASK:
        return "CAL-12: project tasks are never sent to the calendar"
    if activity.type_guid not in ctx.synced_type_guids:
        return "CAL-5: its activity type is not synced to the calendar"
    if not ends_after(fields.start, fields.end, fields.recurrence, fields.time_zone or activity.time_zone, now):
        return "CAL-11: it ended before now"
    return None


def leaves_calendar(activity: Activity, base_type_guid: str, ctx: SyncContext) -> bool:
    """CAL-5: a linked activity whose type left the synced set goes from the calendar.

    Only a *change* of type counts: an entry that came from the calendar may carry a type
    that is not synced (the default type), and must not be deleted for that.
    """
    if activity.type_guid == base_type_guid:
        return False
    return type_is_sent(base_type_guid, ctx) and not type_is_sent(activity.type_guid, ctx)


def cutoff(ctx: SyncContext, now: datetime) -> datetime:
    return now - timedelta(days=ctx.cutoff_days)


def within_window(fields: SyncedFields, ctx: SyncContext, now: datetime) -> bool:
    """CAL-10: an item that ended more than `cutoff_days` ago is left alone at a first
    (or full) read, unless it is a series with occurrences still to come."""
    zone = fields.time_zone or ctx.default_time_zone
    # A series with an occurrence after now also has one ending after the cutoff.
    return ends_after(fields.start, fields.end, fields.recurrence, zone, cutoff(ctx, now))


PSA_ONLY_ON_CALENDAR = frozenset({"private"})
"""Calendar fields that only PSA-only data drives: privacy follows the activity type (CAL-6),
and a type change notifies no one (CAL-16)."""


def send_updates_for(fields: Collection[str]) -> SendUpdates:
    """CAL-16: a PSA change that attendees can see notifies them all; a change that comes
    only from PSA-only fields (the type, making an entry private or public) notifies no one."""
    if set(fields) - PSA_ONLY_ON_CALENDAR:
        return SendUpdates.ALL
    return SendUpdates.NONE
