"""Pairing: what the runtime read for one user, turned into items the planner can judge.

    pair(activities, events, linked, ctx, now) -> tuple[Item, ...]
    wanted_links(activities, events)           which links the runtime must load
    wanted_activity_guids(events, ctx)         which activities it must look up

An activity and an event belong together, in this order of trust: through their link;
through their deterministic ids (`ids.event_id_of`, `ids.activity_guid_for_event`), so a
retried create that never got linked pairs with what it wrote; and on a first sync only,
by initial matching (CAL-10). What is left is an item with one side.

This is a separate idea from planning (`plan`): pairing decides *which* activity and
event are one item; planning decides what to do with an item.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import datetime

from tandem.domain.activity import Activity
from tandem.domain.calendar import CalendarEvent
from tandem.domain.syncstate import LinkedItem
from tandem.sync.context import SyncContext
from tandem.sync.ids import activity_guid_for_event, event_id_for, event_id_of
from tandem.sync.initial import initial_match
from tandem.sync.mapping import event_organiser
from tandem.sync.observe import NOT_READ, EventInput, Item

__all__ = ["pair", "wanted_activity_guids", "wanted_links"]


def wanted_activity_guids(events: Iterable[CalendarEvent], ctx: SyncContext) -> frozenset[str]:
    """The activities the runtime must look up (tombstones too) for unlinked events, and
    the series of every occurrence (an exception starts from its series' activity)."""
    guids: set[str] = set()
    for e in events:
        organiser = event_organiser(e, ctx)
        guids.add(activity_guid_for_event(e.id, organiser))
        if e.recurring_event_id is not None:
            guids.add(activity_guid_for_event(e.recurring_event_id, organiser))
    return frozenset(guids)


def wanted_links(
    activities: Iterable[Activity], events: Iterable[CalendarEvent]
) -> tuple[frozenset[str], frozenset[str]]:
    """Activity guids and event ids whose links the runtime must load, series included."""
    guids: set[str] = set()
    ids: set[str] = set()
    for a in activities:
        guids.add(a.guid)
        if a.recurrence_parent_guid is not None:
            guids.add(a.recurrence_parent_guid)
    for e in events:
        ids.add(e.id)
        if e.recurring_event_id is not None:
            ids.add(e.recurring_event_id)
    return frozenset(guids), frozenset(ids)


class _Pairing:
    """Items of a batch: first through links, then by deterministic ids, then (first sync) matching."""

    def __init__(
        self,
        activities: Iterable[Activity],
        events: Iterable[CalendarEvent],
        linked: Iterable[LinkedItem],
        ctx: SyncContext,
    ):
        self.ctx = ctx
        self.acts = {a.guid: a for a in activities}
        self.evs = {e.id: e for e in events}
        self.linked = list({(li.link.activity_guid, li.link.event_id): li for li in linked}.values())
        self.by_guid = {li.link.activity_guid: li for li in self.linked}
        self.by_event = {li.link.event_id: li for li in self.linked}

    def series_event_id(self, activity: Activity) -> str | None:
        parent = activity.recurrence_parent_guid
        return None if parent is None or parent not in self.by_guid else self.by_guid[parent].link.event_id

    def series_guid(self, event: CalendarEvent) -> str | None:
        parent = event.recurring_event_id
        return None if parent is None or parent not in self.by_event else self.by_event[parent].link.activity_guid

    def event_id_of(self, activity: Activity) -> str:
        return event_id_of(activity, self.series_event_id(activity))

    def series_activity(self, event: CalendarEvent, linked_guid: str | None) -> Activity | None:
        """The activity of an occurrence's series, when the run has it (through the series'
        link, else its deterministic guid)."""
        if event.recurring_event_id is None:
            return None
        guid = linked_guid or activity_guid_for_event(event.recurring_event_id, event_organiser(event, self.ctx))
        series = self.acts.get(guid)
        return None if series is None or series.deleted else series

    def item(self, activity: Activity | None, event: EventInput, linked: LinkedItem | None = None) -> Item:
        series_event = None if activity is None else self.series_event_id(activity)
        if not isinstance(event, CalendarEvent):
            return Item(activity, event, linked, series_event)
        series_guid = self.series_guid(event)
        return Item(activity, event, linked, series_event, series_guid, self.series_activity(event, series_guid))


def _linked_items(p: _Pairing, absent: Collection[str]) -> Iterator[Item]:
    for li in p.linked:
        event_id = li.link.event_id
        event: EventInput = p.evs.get(event_id) or (None if event_id in absent else NOT_READ)
        yield p.item(p.acts.get(li.link.activity_guid), event, li)


def _unlinked(
    p: _Pairing, ctx: SyncContext
) -> tuple[list[tuple[Activity | None, CalendarEvent | None]], list[Activity], list[CalendarEvent]]:
    pairs: list[tuple[Activity | None, CalendarEvent | None]] = []
    events = {i: e for i, e in p.evs.items() if i not in p.by_event}
    activities = {g: a for g, a in p.acts.items() if g not in p.by_guid}
    for guid, activity in list(activities.items()):
        event = events.pop(p.event_id_of(activity), None) if _derivable(activity) else None
        if event is not None:
            pairs.append((activities.pop(guid), event))
    for event_id, event in list(events.items()):
        guid = activity_guid_for_event(event_id, event_organiser(event, ctx))
        if guid in activities:
            pairs.append((activities.pop(guid), events.pop(event_id)))
    return pairs, list(activities.values()), list(events.values())


def _derivable(activity: Activity) -> bool:
    try:
        event_id_for(activity.guid)
    except ValueError:
        return False
    return True


def pair(
    activities: Iterable[Activity],
    events: Iterable[CalendarEvent],
    linked: Iterable[LinkedItem],
    ctx: SyncContext,
    now: datetime,
    absent_event_ids: Collection[str] = frozenset(),
) -> tuple[Item, ...]:
    """The batch as items: linked pairs, pairs by id, matched pairs (CAL-10), then the rest."""
    p = _Pairing(activities, events, linked, ctx)
    items = list(_linked_items(p, absent_event_ids))
    by_id, lone_activities, lone_events = _unlinked(p, ctx)
    items.extend(p.item(a, e) for a, e in by_id)
    if ctx.initial:
        matched = initial_match(lone_activities, lone_events, ctx, now)
        items.extend(p.item(a, e) for a, e in matched.pairs)
        lone_activities, lone_events = list(matched.activities), list(matched.events)
    items.extend(p.item(a, None if p.event_id_of(a) in absent_event_ids else NOT_READ) for a in lone_activities)
    items.extend(p.item(None, e) for e in lone_events)
    return tuple(items)
