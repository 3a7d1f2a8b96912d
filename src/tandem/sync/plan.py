"""The planner: immutable values in, frozen actions out. It never acts (STYLE "Plan, don't act").

    plan_item(item, ctx, now) -> ItemPlan          one activity/event pair
    plan_user(activities=, events=, linked=, ctx=, now=) -> UserPlan
                                                   a user's batch: pairs, plans, breaker

What the runtime passes to `plan_user` (so that "missing" means what the planner assumes):

- `events`: what the calendar read returned (changes since the cursor, or a full read),
  plus anything fetched with `get`. An event a link points to that is not among them is
  taken as unchanged (`NOT_READ`) unless its id is in `absent_event_ids` (the calendar
  has no trace of it).
- `linked`: the link and base of every activity guid and event id in the batch (see
  `wanted_links`), and of the series of any occurrence in it.
- `activities`: the hub's changed activities, plus the activity of every link passed and
  of every guid `wanted_activity_guids` names, tombstones included. An activity that is
  not passed is taken as gone from the hub without trace.

- `linked` includes links that have only an intent (a create whose commit never came).

Executing, per item and in order (see `actions` for each action's guard):

- SaveIntent first (store.save_intent), then the writes, each carrying the intent's mark
  (`WRITE_MARK`) to the side; then SaveBase, `settled()` with what the writes returned.
- On AlreadyExists / PreconditionFailed / NotFound: read the item again (`get` the event,
  the activity, the link) and `plan_item` it again; give up after a few tries and
  quarantine it with the error as reason (CAL-17). Rate limits: back off and retry.
- Any other failure stops only that item: its old base and intent stay, and the next run
  plans it again. Advance the cursors only when every item read up to them is settled
  or quarantined.
- A plan with `halt` set (BEY-3) must not be executed at all; show `halt.reason`.
- A dry run (BEY-3) is a plan that is shown instead of executed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from tandem.domain.activity import Activity, ParticipantKind
from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.domain.syncstate import BaseSnapshot, LinkedItem, QuarantinedItem, QuarantineSide, RunCounts
from tandem.sync import actions as act
from tandem.sync.actions import Action
from tandem.sync.context import SyncContext
from tandem.sync.ids import activity_guid_for_event, event_id_for, occurrence_event_id
from tandem.sync.initial import initial_match
from tandem.sync.mapping import event_organiser
from tandem.sync.observe import NOT_READ, EventInput, Item, Role, Seen, Unreadable, observe
from tandem.sync.outcomes import HANDLERS
from tandem.sync.participants import STATUS_FROM_RESPONSE
from tandem.sync.rules import leaves_calendar, not_sent_reason, within_window
from tandem.sync.series import Unrepresentable
from tandem.sync.table import Decision, Side, decide

__all__ = [
    "NOT_READ",
    "Halt",
    "Item",
    "ItemPlan",
    "UserPlan",
    "count_actions",
    "pair",
    "plan_item",
    "plan_user",
    "wanted_activity_guids",
    "wanted_links",
]


@dataclass(frozen=True, slots=True)
class ItemPlan:
    activity_guid: str | None
    event_id: str | None
    decision: Decision | None
    """The table's row, or None when a rule decided before the table (filters, CAL-17)."""
    actions: tuple[Action, ...]

    @property
    def effects(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if isinstance(a, act.EFFECTS))

    @property
    def deletes(self) -> bool:
        return any(isinstance(a, act.DELETIONS) for a in self.actions)


# ---------------------------------------------------------------------------- one item


def _ids_of(item: Item) -> tuple[str | None, str | None]:
    if item.linked is not None:
        return item.linked.link.activity_guid, item.linked.link.event_id
    event_id = item.event.id if isinstance(item.event, CalendarEvent) else None
    return (None if item.activity is None else item.activity.guid), event_id


def _quarantine(item: Item, ctx: SyncContext, now: datetime, side: QuarantineSide, reason: str) -> ItemPlan:
    activity_guid, event_id = _ids_of(item)
    record = QuarantinedItem(
        user_guid=ctx.user_guid,
        calendar_id=ctx.calendar_id,
        activity_guid=activity_guid,
        event_id=event_id,
        side=side,
        reason=reason,
        retry_at=now + ctx.quarantine_retry,
    )
    return ItemPlan(activity_guid, event_id, None, (act.Quarantine(record),))


def _respond(seen: Seen, ctx: SyncContext) -> tuple[Action, ...]:
    """Someone else's item: take the user's own response status into the PSA, nothing else."""
    activity, event = seen.live_activity, seen.event
    if activity is None or event is None or event.cancelled:
        return (act.Skip("the organiser's own sync writes this item"),)
    mine = next((a for a in event.attendees if a.is_self or a.email.strip().lower() == ctx.user_email_lower), None)
    if mine is None:
        return (act.Skip("the user is not an attendee of this event"),)
    status = STATUS_FROM_RESPONSE[mine.response_status]
    participants = list(activity.participants)
    for i, p in enumerate(participants):
        is_me = p.ref_guid == ctx.user_guid or (p.email or "").strip().lower() == ctx.user_email_lower
        if p.kind is ParticipantKind.USER and is_me:
            if p.status == status:
                break
            participants[i] = replace(p, status=status)
            updated = replace(activity, participants=tuple(participants))
            return (act.UpdateActivity(updated, activity.version, frozenset({"attendees"})),)
    return (act.Skip("the organiser's own sync writes this item; the user's response is as in the PSA"),)


def _stray_occurrence(seen: Seen) -> bool:
    event = seen.event
    return (
        seen.item.linked is None
        and seen.item.activity is None
        and event is not None
        and event.cancelled
        and event.recurring_event_id is not None
    )


def _type_left(seen: Seen, ctx: SyncContext, linked: LinkedItem, base: BaseSnapshot) -> tuple[Action, ...] | None:
    """CAL-5/CAL-16: a linked activity whose type left the synced set is removed from the
    calendar without notifications, and unlinked; the PSA keeps the activity."""
    activity = seen.live_activity
    if activity is None or seen.role is not Role.ORGANISER or not leaves_calendar(activity, base.type_guid, ctx):
        return None
    unlink = act.Unlink(linked.link)
    if seen.cal_side in (Side.DELETED, Side.ABSENT):
        return (unlink,)
    return (act.DeleteEvent(ctx.calendar_id, seen.event_id, seen.event_etag, SendUpdates.NONE), unlink)


def _rules_first(seen: Seen, ctx: SyncContext, now: datetime) -> tuple[Action, ...] | None:
    """The rules that apply before the table (filters and windows), or None."""
    activity, linked = seen.live_activity, seen.item.linked
    if linked is not None and linked.base is not None:
        return _type_left(seen, ctx, linked, linked.base)
    if activity is not None and seen.psa is not None and seen.cal_side in (Side.ABSENT, Side.DELETED):
        reason = not_sent_reason(activity, seen.psa, ctx, now)
        if reason is None:
            return None
        return (act.Skip(reason),) if linked is None else (act.Skip(reason), act.Unlink(linked.link))
    windowed = ctx.initial or ctx.calendar_full_read
    if windowed and seen.psa_side is Side.ABSENT and seen.cal is not None and not within_window(seen.cal, ctx, now):
        return (act.Skip(f"CAL-10: it ended more than {ctx.cutoff_days} days ago"),)
    return None


def plan_item(item: Item, ctx: SyncContext, now: datetime) -> ItemPlan:
    """The actions for one pair. Pure: the same values always give the same plan."""
    if item.linked is None and item.activity is None and not isinstance(item.event, CalendarEvent):
        return ItemPlan(None, None, decide(False, Side.ABSENT, Side.ABSENT), ())
    try:
        seen = observe(item, ctx)
    except Unreadable as exc:
        return _quarantine(item, ctx, now, exc.side, exc.reason)
    except ValueError as exc:
        return _quarantine(item, ctx, now, QuarantineSide.PSA, f"the item has no usable identity: {exc}")
    ids = (seen.activity_guid, seen.event_id)
    if _stray_occurrence(seen):
        reason = "a cancelled occurrence came without its series; the calendar port must fold it into the series"
        return _quarantine(item, ctx, now, QuarantineSide.CALENDAR, reason)
    if seen.role is Role.PARTICIPANT:
        return ItemPlan(*ids, None, _respond(seen, ctx))
    try:
        ruled = _rules_first(seen, ctx, now)
    except Unrepresentable as exc:
        return _quarantine(item, ctx, now, QuarantineSide.CALENDAR, f"its recurrence cannot be expanded: {exc}")
    if ruled is not None:
        return ItemPlan(*ids, None, ruled)
    decision = decide(seen.agreed, seen.psa_side, seen.cal_side)
    return ItemPlan(*ids, decision, HANDLERS[decision](seen, ctx, now))


# ---------------------------------------------------------------------------- a user's batch


@dataclass(frozen=True, slots=True)
class Halt:
    """Why a user's plan was not executed (BEY-3), with what it would have done."""

    reason: str
    deletions: int
    linked_items: int
    withheld: tuple[ItemPlan, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class UserPlan:
    items: tuple[ItemPlan, ...]
    halt: Halt | None = None

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(a for item in self.items for a in item.actions)

    @property
    def is_empty(self) -> bool:
        """Nothing to write anywhere: what a second plan right after a sync must be."""
        return self.halt is None and not any(item.effects for item in self.items)

    def counts(self) -> RunCounts:
        return count_actions(self.actions)


_COUNTED: tuple[tuple[type, str], ...] = (
    (act.CreateEvent, "events_created"),
    (act.UpdateEvent, "events_updated"),
    (act.RestoreEvent, "events_created"),
    (act.DeleteEvent, "events_deleted"),
    (act.CreateActivity, "activities_created"),
    (act.UpdateActivity, "activities_updated"),
    (act.RestoreActivity, "activities_created"),
    (act.DeleteActivity, "activities_deleted"),
    (act.SaveBase, "linked"),
    (act.Unlink, "unlinked"),
    (act.RecordConflict, "conflicts"),
    (act.Quarantine, "quarantined"),
    (act.Skip, "skipped"),
)


def count_actions(actions: Iterable[Action]) -> RunCounts:
    """The run record's counts for a list of (executed) actions."""
    totals = dict.fromkeys(RunCounts.__dataclass_fields__, 0)
    for action in actions:
        for kind, name in _COUNTED:
            if isinstance(action, kind):
                totals[name] += 1
    return RunCounts(**totals)


def wanted_activity_guids(events: Iterable[CalendarEvent], ctx: SyncContext) -> frozenset[str]:
    """The activities the runtime must look up (tombstones too) for unlinked events."""
    return frozenset(activity_guid_for_event(e.id, event_organiser(e, ctx)) for e in events)


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

    def __init__(self, activities: Iterable[Activity], events: Iterable[CalendarEvent], linked: Iterable[LinkedItem]):
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
        if activity.recurrence_parent_guid is not None and activity.original_start is not None:
            series = self.series_event_id(activity) or event_id_for(activity.recurrence_parent_guid)
            return occurrence_event_id(series, activity.original_start)
        return event_id_for(activity.guid)

    def item(self, activity: Activity | None, event: EventInput, linked: LinkedItem | None = None) -> Item:
        series_event = None if activity is None else self.series_event_id(activity)
        series_guid = self.series_guid(event) if isinstance(event, CalendarEvent) else None
        return Item(activity, event, linked, series_event, series_guid)


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
    p = _Pairing(activities, events, linked)
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


def plan_user(
    *,
    activities: Iterable[Activity],
    events: Iterable[CalendarEvent],
    linked: Iterable[LinkedItem],
    ctx: SyncContext,
    now: datetime,
    absent_event_ids: Collection[str] = frozenset(),
    linked_items: int | None = None,
) -> UserPlan:
    """Plan a user's batch. `linked_items` is the user's total number of links (for the
    breaker); without it, the links passed are counted."""
    linked = tuple(linked)
    plans = tuple(plan_item(i, ctx, now) for i in pair(activities, events, linked, ctx, now, absent_event_ids))
    deletions = sum(1 for p in plans if p.deletes)
    total = len(linked) if linked_items is None else linked_items
    if ctx.breaker.trips(deletions, total) and not ctx.confirm_mass_deletion:
        reason = (
            f"BEY-3: this run would delete {deletions} of the user's {total} synced items; "
            "nothing was written. Confirm the run to let it delete."
        )
        return UserPlan((), Halt(reason, deletions, total, plans))
    return UserPlan(plans)
