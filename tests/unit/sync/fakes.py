"""Small hand-written fakes: an in-memory PSA, calendar and state store, and a tiny runtime
that executes the planner's actions against them the way the real runtime must.

The fakes keep the guards the real systems have (versions, etags, ids that stay taken
after a delete), so a plan that relied on luck fails here too. `TinyRuntime` can crash
after any number of actions, dropping the rest of the plan, like a process killed mid-run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from tandem.domain.activity import Activity
from tandem.domain.calendar import CalendarEvent, EventStatus
from tandem.domain.errors import AlreadyExists, NotFound, PreconditionFailed, TandemError
from tandem.domain.syncstate import Conflict, LinkedItem, QuarantinedItem
from tandem.sync import actions as act
from tandem.sync.context import SyncContext
from tandem.sync.plan import Item, ItemPlan, UserPlan, plan_item, plan_user, wanted_activity_guids


class Clock:
    """Logical time: every edit and write happens one minute after the previous one."""

    def __init__(self, start: datetime = datetime(2030, 1, 1, tzinfo=UTC)) -> None:
        self.now = start

    def tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


class FakePsa:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.activities: dict[str, Activity] = {}
        self.log: list[tuple[int, str]] = []

    def _commit(self, activity: Activity) -> Activity:
        self.activities[activity.guid] = activity
        self.log.append((len(self.log) + 1, activity.guid))
        return activity

    @property
    def seq(self) -> int:
        return len(self.log)

    def changed_since(self, seq: int) -> list[Activity]:
        guids = {guid for s, guid in self.log if s > seq}
        return [self.activities[g] for g in sorted(guids)]

    def get(self, guid: str) -> Activity | None:
        return self.activities.get(guid)

    def live(self) -> list[Activity]:
        return [a for a in self.activities.values() if not a.deleted]

    # -- what users do
    def user_create(self, activity: Activity) -> Activity:
        return self._commit(replace(activity, version=1, updated_at=self.clock.tick()))

    def user_edit(self, guid: str, **changes: object) -> Activity:
        current = self.activities[guid]
        changed = replace(current, **changes)  # type: ignore[arg-type]
        return self._commit(replace(changed, version=current.version + 1, updated_at=self.clock.tick()))

    def user_delete(self, guid: str) -> Activity:
        current = self.activities[guid]
        return self._commit(replace(current, deleted=True, version=current.version + 1, updated_at=self.clock.tick()))

    # -- what the sync does (the hub services, origin=sync)
    def create(self, activity: Activity) -> Activity:
        if activity.guid in self.activities:
            raise AlreadyExists(activity.guid)
        return self.user_create(activity)

    def update(self, activity: Activity, expected_version: int) -> Activity:
        current = self.activities.get(activity.guid)
        if current is None or current.deleted or current.version != expected_version:
            raise PreconditionFailed(activity.guid)
        return self._commit(replace(activity, version=current.version + 1, updated_at=self.clock.tick()))

    def restore(self, activity: Activity, expected_version: int | None) -> Activity:
        current = self.activities.get(activity.guid)
        if current is None and expected_version is None:
            return self.user_create(replace(activity, deleted=False))
        if current is None or current.version != expected_version:
            raise PreconditionFailed(activity.guid)
        version = current.version + 1
        return self._commit(replace(activity, deleted=False, version=version, updated_at=self.clock.tick()))

    def delete(self, guid: str, expected_version: int) -> None:
        current = self.activities.get(guid)
        if current is None or current.deleted:
            return
        if current.version != expected_version:
            raise PreconditionFailed(guid)
        self.user_delete(guid)


_GROUPS = {
    "summary": ("summary",),
    "description": ("description",),
    "location": ("location",),
    "timing": ("start", "end", "time_zone"),
    "recurrence": ("recurrence",),
    "private": ("private",),
    "attendees": ("attendees",),
}


class FakeCalendar:
    """One primary calendar; ids stay taken after a delete, as in Google."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.events: dict[str, CalendarEvent] = {}
        self.log: list[tuple[int, str]] = []
        self.notifications: list[tuple[str, str, str]] = []

    def _commit(self, event: CalendarEvent) -> CalendarEvent:
        stamped = replace(event, etag=f'"{len(self.log) + 1}"', updated=self.clock.tick())
        self.events[event.id] = stamped
        self.log.append((len(self.log) + 1, event.id))
        return stamped

    @property
    def seq(self) -> int:
        return len(self.log)

    def changes(self, cursor: int | None) -> tuple[list[CalendarEvent], int, bool]:
        if cursor is None:  # a full read: live events only, like Google without showDeleted
            return [e for e in self.events.values() if not e.cancelled], self.seq, True
        ids = {i for s, i in self.log if s > cursor}
        return [self.events[i] for i in sorted(ids)], self.seq, False

    def get(self, event_id: str) -> CalendarEvent | None:
        return self.events.get(event_id)

    def live(self) -> list[CalendarEvent]:
        return [e for e in self.events.values() if not e.cancelled]

    # -- what users do
    def user_create(self, event: CalendarEvent) -> CalendarEvent:
        return self._commit(event)

    def user_edit(self, event_id: str, **changes: object) -> CalendarEvent:
        return self._commit(replace(self.events[event_id], **changes))  # type: ignore[arg-type]

    def user_delete(self, event_id: str) -> CalendarEvent:
        return self._commit(replace(self.events[event_id], status=EventStatus.CANCELLED))

    # -- what the sync does (the Google adapter)
    def _check(self, event_id: str, if_match: str | None) -> CalendarEvent:
        current = self.events.get(event_id)
        if current is None:
            raise NotFound(event_id)
        if if_match is not None and current.etag != if_match:
            raise PreconditionFailed(event_id)
        return current

    def insert(self, event: CalendarEvent, send: str) -> CalendarEvent:
        if event.id in self.events:
            raise AlreadyExists(event.id)
        self.notifications.append(("insert", event.id, send))
        return self._commit(event)

    def update(self, event: CalendarEvent, if_match: str | None, send: str, fields: frozenset[str]) -> CalendarEvent:
        current = self._check(event.id, if_match)
        changes = {name: getattr(event, name) for group in fields for name in _GROUPS[group]}
        changes["private_properties"] = {**current.private_properties, **event.private_properties}
        self.notifications.append(("update", event.id, send))
        return self._commit(replace(current, **changes))  # type: ignore[arg-type]

    def restore(self, event: CalendarEvent, if_match: str | None, send: str) -> CalendarEvent:
        self._check(event.id, if_match)
        self.notifications.append(("restore", event.id, send))
        return self._commit(replace(event, status=EventStatus.CONFIRMED))

    def delete(self, event_id: str, if_match: str | None, send: str) -> None:
        current = self.events.get(event_id)
        if current is None or current.cancelled:
            return  # 404/410 on delete: already done
        self._check(event_id, if_match)
        self.notifications.append(("delete", event_id, send))
        self.user_delete(event_id)


@dataclass
class FakeStore:
    links: dict[str, LinkedItem] = field(default_factory=dict)
    conflicts: dict[str, Conflict] = field(default_factory=dict)
    quarantined: dict[tuple[str | None, str | None], QuarantinedItem] = field(default_factory=dict)
    hub_seq: int | None = None
    calendar_token: int | None = None

    def by_activity(self, guids: Iterable[str]) -> list[LinkedItem]:
        wanted = set(guids)
        return [li for g, li in self.links.items() if g in wanted]

    def by_event(self, ids: Iterable[str]) -> list[LinkedItem]:
        wanted = set(ids)
        return [li for li in self.links.values() if li.link.event_id in wanted]


class Crash(Exception):
    """The process died: the rest of the plan never ran."""


@dataclass
class TinyRuntime:
    """The runtime's job in miniature: read, pair, plan, execute per item, commit, advance."""

    psa: FakePsa
    calendar: FakeCalendar
    store: FakeStore
    ctx: SyncContext
    now: datetime
    executed: list[act.Action] = field(default_factory=list)

    def read_and_plan(self) -> tuple[UserPlan, int, int]:
        initial = self.store.hub_seq is None
        hub_seq, changed = self.psa.seq, self.psa.changed_since(self.store.hub_seq or 0)
        events, token, full = self.calendar.changes(self.store.calendar_token)
        ctx = replace(self.ctx, initial=initial, calendar_full_read=full)
        activities = {a.guid: a for a in changed}
        linked: dict[str, LinkedItem] = {}
        for _ in range(2):  # links lead to activities, activities to links
            found = self.store.by_activity(activities) + self.store.by_event(e.id for e in events)
            linked.update({li.link.activity_guid: li for li in found})
            wanted = {li.link.activity_guid for li in linked.values()} | wanted_activity_guids(events, ctx)
            activities.update({g: a for g in wanted if (a := self.psa.get(g)) is not None})
        plan = plan_user(
            activities=activities.values(),
            events=events,
            linked=linked.values(),
            ctx=ctx,
            now=self.now,
            linked_items=len(self.store.links),
        )
        return plan, hub_seq, token

    def sync(self, crash_after: int | None = None) -> UserPlan:
        """One run. Raises Crash after `crash_after` actions (the cursor then stays)."""
        plan, hub_seq, token = self.read_and_plan()
        budget = [crash_after]
        if plan.halt is None:
            for item in plan.items:
                self._run_item(item, budget, attempts=3)
            self.store.hub_seq, self.store.calendar_token = hub_seq, token
        return plan

    def _spend(self, budget: list[int | None]) -> None:
        if budget[0] is not None:
            if budget[0] <= 0:
                raise Crash
            budget[0] -= 1

    def _run_item(self, item: ItemPlan, budget: list[int | None], attempts: int) -> None:
        written_event: CalendarEvent | None = None
        written_activity: Activity | None = None
        for action in item.actions:
            self._spend(budget)
            try:
                event, activity = self._apply(action, written_event, written_activity)
            except (AlreadyExists, PreconditionFailed, NotFound):
                if attempts <= 1:
                    raise
                # The documented answer to a guard: read the item again and plan it again.
                self._run_item(self._replan(item), budget, attempts - 1)
                return
            written_event = event or written_event
            written_activity = activity or written_activity
            self.executed.append(action)

    def _replan(self, item: ItemPlan) -> ItemPlan:
        linked = self.store.links.get(item.activity_guid or "")
        activity = self.psa.get(item.activity_guid) if item.activity_guid else None
        event = self.calendar.get(item.event_id) if item.event_id else None
        ctx = replace(self.ctx, initial=False, calendar_full_read=False)
        return plan_item(Item(activity, event, linked), ctx, self.now)

    def _apply(
        self, action: act.Action, written_event: CalendarEvent | None, written_activity: Activity | None
    ) -> tuple[CalendarEvent | None, Activity | None]:
        cal, psa = self.calendar, self.psa
        match action:
            case act.CreateEvent(event=event, send_updates=send):
                return cal.insert(event, send), None
            case act.UpdateEvent(event=event, if_match=if_match, send_updates=send, fields=fields):
                return cal.update(event, if_match, send, fields), None
            case act.RestoreEvent(event=event, if_match=if_match, send_updates=send):
                return cal.restore(event, if_match, send), None
            case act.DeleteEvent(event_id=event_id, if_match=if_match, send_updates=send):
                cal.delete(event_id, if_match, send)
            case act.CreateActivity(activity=activity):
                return None, psa.create(activity)
            case act.UpdateActivity(activity=activity, expected_version=version):
                return None, psa.update(activity, version)
            case act.RestoreActivity(activity=activity, expected_version=version):
                return None, psa.restore(activity, version)
            case act.DeleteActivity(activity_guid=guid, expected_version=version):
                psa.delete(guid, version)
            case act.RecordConflict(conflict=conflict):
                self.store.conflicts[conflict.id] = conflict
            case act.SaveIntent(link=link, intent=intent):
                known = self.store.links.get(link.activity_guid)
                self.store.links[link.activity_guid] = LinkedItem(link, known and known.base, intent)
            case act.SaveBase():
                settled = action.settled(written_event, written_activity)
                self.store.links[settled.link.activity_guid] = LinkedItem(settled.link, settled.base)
                self.store.quarantined.pop((settled.link.activity_guid, settled.link.event_id), None)
            case act.Unlink(link=link):
                self.store.links.pop(link.activity_guid, None)
            case act.Quarantine(item=q):
                self.store.quarantined[(q.activity_guid, q.event_id)] = q
            case act.Skip() | act.Warn():
                pass
            case _:  # pragma: no cover - every action kind is handled above
                raise TandemError(f"unknown action {action!r}")
        return None, None
