"""One item as the planner sees it: who writes it, its ids, and each side's state.

An `Item` is what the runtime hands the planner for one activity/event pair: the link
and base snapshot if there is one, the activity (None when the hub has no trace of it;
tombstones come with `deleted=True`), and the event (None when the calendar has no trace
of it, `status=cancelled` when deleted, or `NOT_READ` when the calendar reported no change
for it this run, which means "as the base says").

Each side is judged against its reference (see `merge.Refs`): the base, or while writes
are in flight (`Intent`), the target for a side that carries the write mark and the
planned-from value for a side that does not.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from tandem.domain.activity import Activity, ParticipantKind, ParticipantStatus
from tandem.domain.calendar import CalendarEvent
from tandem.domain.syncstate import (
    WRITE_MARK,
    BaseSnapshot,
    Intent,
    Link,
    LinkedItem,
    QuarantineSide,
    SyncedFields,
    is_stand_in,
)
from tandem.sync.context import SyncContext
from tandem.sync.ids import activity_guid_for_event, event_id_of, stand_in_event_id_for
from tandem.sync.mapping import event_organiser, fields_from_activity, fields_from_event, owner_email
from tandem.sync.merge import Refs, calendar_changes, psa_changes
from tandem.sync.series import Unrepresentable
from tandem.sync.table import Side


class NotRead(enum.Enum):
    NOT_READ = "not read"


NOT_READ: Literal[NotRead.NOT_READ] = NotRead.NOT_READ
"""The calendar did not report this event this run: it is as the base snapshot says."""

EventInput = CalendarEvent | None | Literal[NotRead.NOT_READ]


@dataclass(frozen=True, slots=True)
class Item:
    """One activity/event pair of one user, with what the state store knows of it."""

    activity: Activity | None = None
    event: EventInput = NOT_READ
    linked: LinkedItem | None = None
    series_event_id: str | None = None
    """For an occurrence activity (`recurrence_parent_guid`): its series' event id, from
    the series' link. Without it the series' deterministic id is assumed."""
    series_activity_guid: str | None = None
    """For an occurrence event (`recurring_event_id`): its series' activity guid, from the
    series' link. Without it the series' deterministic guid is assumed."""
    series_activity: Activity | None = None
    """For an occurrence event: its series' activity, when the run read it (an exception
    first seen in the calendar starts from it: CAL-13, CAL-14)."""


class Role(enum.StrEnum):
    """Who may write what, for this user and this item (ARCHITECTURE "Invitations")."""

    ORGANISER = "organiser"
    """The user organises the event: both ways."""
    INVITEE = "invitee"
    """The user owns the activity, someone outside organises the event: the user's copy is
    read-only, so calendar changes flow into the PSA and nothing is written back."""
    PARTICIPANT = "participant"
    """Someone else's activity or event: only the user's own response status is taken."""
    STAND_IN = "stand-in"
    """A colleague's activity the user takes part in, whose owner's calendar cannot hold it
    (no account, or sync off: not a host): the user's own copy, under its own id
    (`ids.stand_in_event_id_for`), without guests (nobody is invited on the owner's behalf),
    synced both ways as the owner's would be; deleting the copy declines. When the owner's
    calendar becomes a host, the copy is removed (silently) and the owner's event, with its
    invitations, takes its place (CAL-14)."""

    @property
    def writes_calendar(self) -> bool:
        """The user's sync writes this item's event in the user's calendar."""
        return self in (Role.ORGANISER, Role.STAND_IN)


class Unreadable(Exception):
    """One side of an item cannot be represented on the other (CAL-17)."""

    def __init__(self, side: QuarantineSide, reason: str) -> None:
        super().__init__(reason)
        self.side = side
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Seen:
    """An item observed: ids, role, each side's canonical fields, references and state."""

    item: Item
    role: Role
    organiser: str
    activity_guid: str
    event_id: str
    psa: SyncedFields | None
    """The live activity's fields (None when absent or deleted)."""
    cal: SyncedFields | None
    """The live event's fields; for an event not read this run, what it held last."""
    refs: Refs
    psa_side: Side
    cal_side: Side

    @property
    def base(self) -> BaseSnapshot | None:
        return None if self.item.linked is None else self.item.linked.base

    @property
    def intent(self) -> Intent | None:
        return None if self.item.linked is None else self.item.linked.intent

    @property
    def agreed(self) -> bool:
        """Linked with a base: the table's "linked" rows apply."""
        return self.base is not None

    @property
    def event(self) -> CalendarEvent | None:
        """The event as read this run (None when not read or not there)."""
        return self.item.event if isinstance(self.item.event, CalendarEvent) else None

    @property
    def live_activity(self) -> Activity | None:
        a = self.item.activity
        return a if a is not None and not a.deleted else None

    @property
    def psa_time(self) -> datetime | None:
        return None if self.item.activity is None else self.item.activity.updated_at

    @property
    def cal_time(self) -> datetime | None:
        return None if self.event is None else self.event.updated

    @property
    def event_etag(self) -> str | None:
        if self.event is not None:
            return self.event.etag
        return None if self.base is None else self.base.event_etag

    def link(self, ctx: SyncContext) -> Link:
        if self.item.linked is not None:
            return self.item.linked.link
        organiser = None if self.organiser == ctx.user_email_lower else self.organiser
        return Link(ctx.user_guid, ctx.calendar_id, self.activity_guid, self.event_id, organiser)


def _organiser(item: Item, ctx: SyncContext) -> str:
    if isinstance(item.event, CalendarEvent):
        return event_organiser(item.event, ctx)
    if item.linked is not None and item.linked.link.organiser_email:
        return item.linked.link.organiser_email.strip().lower()
    if item.activity is not None:
        return owner_email(item.activity, ctx)
    return ctx.user_email_lower


def role_of(item: Item, organiser: str, ctx: SyncContext) -> Role:
    activity = item.activity
    if not ctx.fans_out_invitations:
        declined = activity is not None and activity.owner_guid != ctx.user_guid and not takes_part(activity, ctx)
        if declined and item.linked is None:
            return Role.PARTICIPANT  # a colleague's meeting the user declined: no copy again
        return Role.ORGANISER  # every participant's copy is written by their own sync
    if activity is not None and activity.owner_guid != ctx.user_guid:
        return Role.STAND_IN if _stands_in(item, activity, ctx) else Role.PARTICIPANT
    if organiser != ctx.user_email_lower:
        if activity is None and ctx.people.user_guid(organiser) is not None:
            return Role.PARTICIPANT  # a colleague's event: their sync brings it in
        return Role.INVITEE
    return Role.ORGANISER


def takes_part(activity: Activity, ctx: SyncContext) -> bool:
    """The user is a participant of the activity who has not declined it."""
    return any(
        p.kind is ParticipantKind.USER and p.ref_guid == ctx.user_guid and p.status is not ParticipantStatus.DECLINED
        for p in activity.participants
    )


def _stands_in(item: Item, activity: Activity, ctx: SyncContext) -> bool:
    """A colleague's activity goes to this user's calendar as a stand-in copy (`Role.STAND_IN`)."""
    owner_hosts = ctx.hosts_own(activity.owner_guid)
    linked, event = item.linked, item.event
    if linked is not None:
        return is_stand_in(linked.link.event_id) and not owner_hosts and takes_part(activity, ctx)
    if isinstance(event, CalendarEvent):
        return is_stand_in(event.id) and not owner_hosts and takes_part(activity, ctx)
    return not owner_hosts and activity.guid not in ctx.owner_holds and takes_part(activity, ctx)


def _ids(item: Item, organiser: str, stand_in: bool = False) -> tuple[str, str]:
    if item.linked is not None:
        return item.linked.link.activity_guid, item.linked.link.event_id
    activity, event = item.activity, item.event
    if activity is not None and stand_in:
        parent = activity.recurrence_parent_guid
        series = item.series_event_id or (None if parent is None else stand_in_event_id_for(parent))
        own = event_id_of(activity, series) if parent is not None else stand_in_event_id_for(activity.guid)
        return activity.guid, event.id if isinstance(event, CalendarEvent) else own
    if activity is not None:
        derived = event_id_of(activity, item.series_event_id)  # raises for a guid that is no uuid
        return activity.guid, event.id if isinstance(event, CalendarEvent) else derived
    if isinstance(event, CalendarEvent):
        return activity_guid_for_event(event.id, organiser), event.id
    raise ValueError("an item needs a link, an activity or an event")


def _psa_fields(item: Item, ctx: SyncContext, organiser: str, reference: SyncedFields | None) -> SyncedFields | None:
    activity = item.activity
    if activity is None or activity.deleted:
        return None
    try:
        fields = fields_from_activity(activity, ctx, organiser)
    except Unrepresentable as exc:
        raise Unreadable(QuarantineSide.PSA, f"the activity cannot be sent to the calendar: {exc}") from exc
    if ctx.personal_type_guid is None and reference is not None:
        # CAL-6: without a Personal type the PSA cannot hold privacy; it never changes it.
        fields = replace(fields, private=reference.private)
    return fields


def _cal_fields(item: Item, ctx: SyncContext, organiser: str) -> SyncedFields | None:
    event = item.event
    if event is NOT_READ:
        linked = item.linked
        if linked is None:
            return None
        if linked.intent is not None:
            return linked.intent.calendar_before
        return None if linked.base is None else linked.base.fields
    if event is None or event.cancelled:
        return None
    try:
        return fields_from_event(event, ctx, organiser)
    except Unrepresentable as exc:
        raise Unreadable(QuarantineSide.CALENDAR, f"the calendar entry cannot be held by the PSA: {exc}") from exc


def _refs(item: Item) -> tuple[Refs, Refs]:
    """What each side is judged against: for the table's states, and for the merge.

    Normally both are the base. While an intent is pending (see `Intent`), a side carrying
    its write mark is judged against the target. A side without it is judged against the
    base for its state, so an edit that caused the write still counts against a deletion;
    and against its planned-from value in the merge, so a change the target already took
    in is not taken as a new one.
    """
    linked = item.linked
    base = None if linked is None or linked.base is None else linked.base.fields
    intent = None if linked is None else linked.intent
    if intent is None:
        return Refs.of(base), Refs.of(base)
    event, activity = item.event, item.activity
    event_marked = isinstance(event, CalendarEvent) and event.private_properties.get(WRITE_MARK) == intent.write_id
    psa_marked = activity is not None and activity.extra.get(WRITE_MARK) == intent.write_id

    def ref(marked: bool, before: SyncedFields | None, for_state: bool) -> SyncedFields | None:
        if marked:
            return intent.target
        if for_state and base is not None:
            return base
        return before if before is not None else base

    states = Refs(ref(psa_marked, intent.psa_before, True), ref(event_marked, intent.calendar_before, True), base)
    merging = Refs(
        ref(psa_marked, intent.psa_before, False), ref(event_marked, intent.calendar_before, False), intent.target
    )
    return states, merging


def _side(present: SyncedFields | None, gone: bool, ref: SyncedFields | None, psa: bool) -> Side:
    if present is None:
        return Side.DELETED if gone else Side.ABSENT
    if ref is None:
        return Side.CHANGED
    changes = psa_changes(present, ref) if psa else calendar_changes(present, ref)
    return Side.CHANGED if changes else Side.UNCHANGED


def observe(item: Item, ctx: SyncContext) -> Seen:
    """Ids, role, canonical fields and side states; raises Unreadable for CAL-17 items."""
    organiser = _organiser(item, ctx)
    role = role_of(item, organiser, ctx)
    if role is Role.STAND_IN:
        organiser = ctx.user_email_lower  # the user's own copy
    activity_guid, event_id = _ids(item, organiser, stand_in=role is Role.STAND_IN)
    states, refs = _refs(item)
    agreed = item.linked is not None and item.linked.base is not None
    cal = _cal_fields(item, ctx, organiser)
    psa = _psa_fields(item, ctx, organiser, refs.psa or cal)
    if role is Role.STAND_IN:  # a copy invites nobody, and guests added to it stay there
        cal = None if cal is None else replace(cal, attendees=())
        psa = None if psa is None else replace(psa, attendees=())
    event, activity = item.event, item.activity
    cal_gone = isinstance(event, CalendarEvent) and event.cancelled
    # Without a base nothing can be UNCHANGED: a present side is new to the pair.
    cal_side = _side(cal, cal_gone, states.calendar if agreed else None, psa=False)
    psa_side = _side(psa, activity is not None and activity.deleted, states.psa if agreed else None, psa=True)
    return Seen(item, role, organiser, activity_guid, event_id, psa, cal, refs, psa_side, cal_side)
