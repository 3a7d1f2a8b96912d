"""Initial matching (CAL-10): on a user's first sync, link what already exists on both sides.

An unlinked activity and an unlinked event pair up when their subject, start (date and
time), end (date and time) and recurrence rule are the same. Pairing writes nothing by
itself; what differs in the other fields is settled like any pair met without a base.
Items that ended more than `cutoff_days` before the sync (and have no occurrence to come)
are left alone, and so are items one side cannot read: the rules quarantine those later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime

from tandem.domain.activity import Activity
from tandem.domain.calendar import CalendarEvent
from tandem.domain.syncstate import SyncedFields
from tandem.sync.context import SyncContext
from tandem.sync.mapping import fields_from_activity, fields_from_event
from tandem.sync.rules import within_window
from tandem.sync.series import Unrepresentable


@dataclass(frozen=True, slots=True)
class InitialMatch:
    pairs: tuple[tuple[Activity, CalendarEvent], ...]
    activities: tuple[Activity, ...]
    """Left unpaired: each becomes a create in the calendar, if the rules let it."""
    events: tuple[CalendarEvent, ...]
    """Left unpaired: each becomes a create in the PSA, if the window lets it."""


def match_key(fields: SyncedFields) -> Hashable:
    """Subject, start, end and recurrence: what the seed says an initial match compares."""
    rule = None if fields.recurrence is None else fields.recurrence.rrule
    return (fields.summary.strip().casefold(), fields.start, fields.end, rule)


def _keyed_activities(
    activities: Iterable[Activity], ctx: SyncContext, now: datetime
) -> tuple[dict[Hashable, list[Activity]], list[Activity]]:
    keyed: dict[Hashable, list[Activity]] = defaultdict(list)
    rest: list[Activity] = []
    for activity in sorted(activities, key=lambda a: a.guid):
        try:
            fields = fields_from_activity(activity, ctx, ctx.user_email_lower)
            usable = not activity.deleted and activity.owner_guid == ctx.user_guid and within_window(fields, ctx, now)
        except Unrepresentable:
            usable = False
        if usable:
            keyed[match_key(fields)].append(activity)
        else:
            rest.append(activity)
    return keyed, rest


def initial_match(
    activities: Iterable[Activity], events: Iterable[CalendarEvent], ctx: SyncContext, now: datetime
) -> InitialMatch:
    """Pair unlinked activities and events; equal keys pair in a stable order, one to one."""
    keyed, rest_activities = _keyed_activities(activities, ctx, now)
    pairs: list[tuple[Activity, CalendarEvent]] = []
    rest_events: list[CalendarEvent] = []
    for event in sorted(events, key=lambda e: e.id):
        candidates: list[Activity] = []
        if not event.cancelled:
            try:
                fields = fields_from_event(event, ctx, ctx.user_email_lower)
                if within_window(fields, ctx, now):
                    candidates = keyed.get(match_key(fields), [])
            except Unrepresentable:
                pass
        if candidates:
            pairs.append((candidates.pop(0), event))
        else:
            rest_events.append(event)
    leftover = [a for group in keyed.values() for a in group]
    return InitialMatch(
        tuple(pairs), tuple(sorted(leftover + rest_activities, key=lambda a: a.guid)), tuple(rest_events)
    )
