"""The planner: immutable values in, frozen actions out. It never acts (STYLE "Plan, don't act").

    plan_item(item, ctx, now) -> ItemPlan          one activity/event pair
    plan_user(activities=, events=, linked=, ctx=, now=) -> UserPlan
                                                   a user's batch: pairs it (`pairing.pair`),
                                                   plans each item, applies the breaker

What the runtime passes to `plan_user` (so that "missing" means what the planner assumes):

- `events`: what the calendar read returned (changes since the cursor, or a full read),
  plus anything fetched with `get`. An event a link points to that is not among them is
  taken as unchanged (`NOT_READ`) unless its id is in `absent_event_ids` (the calendar
  has no trace of it).
- `linked`: the link and base of every activity guid and event id in the batch (see
  `pairing.wanted_links`), and of the series of any occurrence in it.
- `activities`: the hub's changed activities, plus the activity of every link passed and
  of every guid `pairing.wanted_activity_guids` names, tombstones included. An activity that is
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

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from tandem.domain.activity import Activity, ParticipantKind, ParticipantStatus
from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.domain.syncstate import BaseSnapshot, LinkedItem, QuarantinedItem, QuarantineSide, RunCounts, is_stand_in
from tandem.sync import actions as act
from tandem.sync.actions import Action
from tandem.sync.context import SyncContext
from tandem.sync.observe import NOT_READ, Item, Role, Seen, Unreadable, observe
from tandem.sync.outcomes import HANDLERS
from tandem.sync.pairing import pair
from tandem.sync.participants import STATUS_FROM_RESPONSE
from tandem.sync.rules import comes_into_the_psa, leaves_calendar, not_sent_reason, within_window
from tandem.sync.series import Unrepresentable
from tandem.sync.table import Decision, Side, decide

__all__ = [
    "NOT_READ",
    "Halt",
    "Item",
    "ItemPlan",
    "UserPlan",
    "count_actions",
    "plan_item",
    "plan_user",
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


def _quarantine(
    item: Item, ctx: SyncContext, now: datetime, side: QuarantineSide, reason: str, *, at_once: bool = False
) -> ItemPlan:
    """Set the item aside with its reason; it is planned again after `quarantine_retry`, or
    at the user's next run (`at_once`: waiting, not refused)."""
    activity_guid, event_id = _ids_of(item)
    record = QuarantinedItem(
        user_guid=ctx.user_guid,
        calendar_id=ctx.calendar_id,
        activity_guid=activity_guid,
        event_id=event_id,
        side=side,
        reason=reason,
        retry_at=now if at_once else now + ctx.quarantine_retry,
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


def _retire_stand_in(seen: Seen, ctx: SyncContext) -> tuple[Action, ...]:
    """CAL-14: the user's stand-in copy of an activity whose owner's calendar now holds it
    (or that the user declined): removed without mail (it has no guests), and unlinked; the
    owner's event, with its invitation, takes its place."""
    actions: list[Action] = []
    if seen.cal_side not in (Side.ABSENT, Side.DELETED):
        actions.append(act.DeleteEvent(ctx.calendar_id, seen.event_id, seen.event_etag, SendUpdates.NONE))
    if seen.item.linked is not None:
        actions.append(act.Unlink(seen.item.linked.link))
    return tuple(actions)


def _holds_stand_in(seen: Seen) -> bool:
    linked, event = seen.item.linked, seen.event
    if linked is not None:
        return is_stand_in(linked.link.event_id)
    return event is not None and not event.cancelled and is_stand_in(event.id)


def _declined_by_deleting(seen: Seen, ctx: SyncContext) -> tuple[Action, ...] | None:
    """CAL-14: the user deleted their stand-in copy: they decline, as removing Google's copy
    of an invitation does; the copy is not made again."""
    activity, linked = seen.live_activity, seen.item.linked
    if activity is None or linked is None or linked.base is None or seen.cal_side is not Side.DELETED:
        return None
    participants = tuple(
        replace(p, status=ParticipantStatus.DECLINED)
        if p.kind is ParticipantKind.USER and p.ref_guid == ctx.user_guid
        else p
        for p in activity.participants
    )
    declined = replace(activity, participants=participants)
    return (act.UpdateActivity(declined, activity.version, frozenset({"attendees"})), act.Unlink(linked.link))


def _colleagues_meeting_copied(seen: Seen, ctx: SyncContext) -> bool:
    """CAL-14 on a calendar that does not fan invitations out (CalDAV without scheduling):
    the user's own copy of a colleague's meeting, which the user's sync wrote. Deleting it
    declines, as deleting a stand-in copy does; it never deletes the meeting of everyone."""
    activity = seen.live_activity
    return not ctx.fans_out_invitations and activity is not None and activity.owner_guid != ctx.user_guid


def _taken_off_copied_meeting(seen: Seen, ctx: SyncContext) -> bool:
    """CAL-16 without fan-out: the PSA took the user off a colleague's meeting their calendar
    holds a copy of. The copy goes, without mail, and is unlinked (as a retired stand-in copy
    is), as Google takes a removed attendee's copy away."""
    activity, linked = seen.live_activity, seen.item.linked
    return (
        linked is not None
        and activity is not None
        and _colleagues_meeting_copied(seen, ctx)
        and not any(p.kind is ParticipantKind.USER and p.ref_guid == ctx.user_guid for p in activity.participants)
    )


def _waits_for_stand_ins(seen: Seen, ctx: SyncContext) -> bool:
    """CAL-14: the owner's calendar takes an activity over only once no colleague's stand-in
    copy of it is left, so no participant ever sees it twice."""
    activity = seen.live_activity
    return (
        seen.role is Role.ORGANISER
        and seen.item.linked is None
        and activity is not None
        and activity.guid in ctx.stood_in
        and seen.cal_side in (Side.ABSENT, Side.DELETED)
    )


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
    if activity is None or not seen.role.writes_calendar or not leaves_calendar(activity, base.type_guid, ctx):
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
        return ItemPlan(None, None, decide(linked=False, psa=Side.ABSENT, calendar=Side.ABSENT), ())
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
        if _holds_stand_in(seen):
            return ItemPlan(*ids, None, _retire_stand_in(seen, ctx))
        return ItemPlan(*ids, None, _respond(seen, ctx))
    if seen.role is Role.STAND_IN or _colleagues_meeting_copied(seen, ctx):
        declined = _declined_by_deleting(seen, ctx)
        if declined is not None:
            return ItemPlan(*ids, None, declined)
    if _taken_off_copied_meeting(seen, ctx):
        return ItemPlan(*ids, None, _retire_stand_in(seen, ctx))
    if _waits_for_stand_ins(seen, ctx):
        reason = "CAL-14: waiting until the participants' stand-in copies are gone (their next sync removes them)"
        return _quarantine(item, ctx, now, QuarantineSide.CALENDAR, reason, at_once=True)
    try:
        ruled = _rules_first(seen, ctx, now)
    except Unrepresentable as exc:
        return _quarantine(item, ctx, now, QuarantineSide.CALENDAR, f"its recurrence cannot be expanded: {exc}")
    if ruled is not None:
        return ItemPlan(*ids, None, ruled)
    decision = decide(linked=seen.agreed, psa=seen.psa_side, calendar=seen.cal_side)
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
    events = [e for e in events if comes_into_the_psa(e)]
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
