"""Executing a user's plan: each item's actions in order, calendar writes batched across
items, guards answered by reading the item again and planning it again.

What follows an error an action meets is the reaction table's (`tandem.runtime.reactions`;
see `tandem.sync.actions` for each guard): replan the item (a few times; then quarantine
it), quarantine it with the reason (CAL-17), leave it for the next run, or stop the whole
run (`RunStopped`). An exception that is not Tandem's is that item's failure alone: logged
with its stack, the item left for the next run, the user's other items carry on.

An item that is neither settled (its commit ran) nor quarantined is "unfinished": its old
base and intent stay, and the run does not advance the cursors past it.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from tandem.domain import errors
from tandem.domain.activity import Activity
from tandem.domain.calendar import CalendarEvent, EventStatus
from tandem.domain.progress import Progress
from tandem.domain.syncstate import LinkedItem, QuarantinedItem, QuarantineSide
from tandem.ports.calendar import CalendarPort, EventDelete, EventInsert, EventUpdate, EventWrite, WriteOutcome
from tandem.ports.psa import PsaPort
from tandem.ports.state import SyncStateStore
from tandem.runtime.batching import Batching
from tandem.runtime.reactions import Reaction, reaction
from tandem.runtime.records import ItemRecords
from tandem.sync import actions as act
from tandem.sync.context import SyncContext
from tandem.sync.ids import series_event_id_of
from tandem.sync.plan import Item, ItemPlan, plan_item

log = logging.getLogger("tandem.runtime.execute")
T = TypeVar("T")
REPLANS = 3


class RunStopped(Exception):
    """The whole run must stop (quota, credentials): the cause is `__cause__`."""


class Outcome(enum.StrEnum):
    SETTLED = "settled"
    QUARANTINED = "quarantined"
    SKIPPED = "skipped"
    UNFINISHED = "unfinished"


@dataclass
class ItemResult:
    plan: ItemPlan
    outcome: Outcome
    executed: list[act.Action] = field(default_factory=list)
    error: str | None = None
    current: act.Action | None = None
    """The action being executed (the side a refusal came from)."""
    commit: asyncio.Future[None] | None = None
    """The item's commit on its way to the store (`records.ItemRecords`): settled only once
    it holds."""

    def unless_uncommitted(self) -> ItemResult:
        """This result, unfinished if its commit failed to hold."""
        commit = self.commit
        if commit is None or not commit.done() or commit.cancelled() or commit.exception() is None:
            return self
        return replace(self, outcome=Outcome.UNFINISHED, error=f"its state could not be saved: {commit.exception()}")


class WriteBatcher(Batching[EventWrite, WriteOutcome]):
    """Collects calendar writes of many items and sends them as one batch request.

    Writes submitted within `window_s` of each other go together (up to `max_writes`);
    each caller gets its own write's outcome.
    """

    def __init__(self, calendar: CalendarPort, calendar_id: str, window_s: float = 0.005, max_writes: int = 500):
        super().__init__(window_s, max_writes)
        self.calendar = calendar
        self.calendar_id = calendar_id

    async def write(self, write: EventWrite) -> CalendarEvent | None:
        outcome = await self.submit(write)
        if isinstance(outcome, errors.TandemError):
            raise outcome
        return outcome

    async def _send(self, batch: list[tuple[EventWrite, asyncio.Future[WriteOutcome]]]) -> None:
        try:
            outcomes = await self.calendar.batch(self.calendar_id, [w for w, _ in batch])
        except errors.TandemError as error:
            outcomes = [error] * len(batch)
        except Exception as error:
            outcomes = [errors.Unavailable(f"batch failed: {error}")] * len(batch)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)


@dataclass
class Executor:
    """Runs item plans against the ports for one user's run."""

    psa: PsaPort
    calendar: CalendarPort
    store: SyncStateStore
    ctx: SyncContext
    now: datetime
    hub_slots: asyncio.Semaphore
    batcher: WriteBatcher
    records: ItemRecords
    warnings: list[act.Warn] = field(default_factory=list)

    async def hub(self, call: Callable[..., T], *args: Any) -> T:
        """A hub or state-store call, in a worker thread, a few at a time."""
        async with self.hub_slots:
            return await asyncio.to_thread(call, *args)

    async def run(self, plan: ItemPlan) -> ItemResult:
        result = ItemResult(plan, Outcome.UNFINISHED)
        for attempt in range(REPLANS + 1):
            try:
                if attempt:
                    # The reads of a replan meet the same failures as writes do, and are
                    # answered the same way (a 503 here leaves the item for the next run).
                    plan = result.plan = await self.replan(plan)
                await self._actions(plan, result)
                return result
            except errors.TandemError as error:
                if not await self._react(error, attempt == REPLANS, plan, result):
                    return result
            except Exception as error:  # a bug or an untranslated failure: this item's alone
                log.exception("item %s / %s failed unexpectedly", plan.activity_guid, plan.event_id)
                result.error = f"unexpected {type(error).__name__}: {error}"
                return result
        return result

    async def _react(self, error: errors.TandemError, last: bool, plan: ItemPlan, result: ItemResult) -> bool:
        """Answer `error` as the reaction table says; True: replan the item and try again."""
        match reaction(error):
            case Reaction.REPLAN if not last:
                return True
            case Reaction.REPLAN:
                await self._quarantine(plan, result, f"it kept changing while being written: {error}")
            case Reaction.QUARANTINE:
                await self._quarantine(plan, result, str(error))
            case Reaction.RETRY_LATER:
                result.error = str(error)
            case Reaction.STOP_RUN | Reaction.PAUSE:
                raise RunStopped(str(error)) from error
        return False

    async def _quarantine(self, plan: ItemPlan, result: ItemResult, reason: str) -> ItemResult:
        """Set the item aside; when even that fails, it stays unfinished for the next run."""
        try:
            return await self._set_aside(plan, result, reason)
        except Exception as error:  # the store failing (translated or not) leaves it for later
            result.error = f"{reason}; setting it aside failed too: {error}"
            return result

    async def _set_aside(self, plan: ItemPlan, result: ItemResult, reason: str) -> ItemResult:
        psa_side = isinstance(
            result.current, act.CreateActivity | act.UpdateActivity | act.RestoreActivity | act.DeleteActivity
        )
        side = QuarantineSide.PSA if psa_side else QuarantineSide.CALENDAR
        record = QuarantinedItem(
            user_guid=self.ctx.user_guid,
            calendar_id=self.ctx.calendar_id,
            activity_guid=plan.activity_guid,
            event_id=plan.event_id,
            side=side,
            reason=reason,
            retry_at=self.now + self.ctx.quarantine_retry,
        )
        await self.hub(self.store.quarantine, record)
        result.executed.append(act.Quarantine(record))
        result.outcome = Outcome.QUARANTINED
        result.error = reason
        return result

    async def _actions(self, plan: ItemPlan, result: ItemResult) -> None:
        written_event: CalendarEvent | None = None
        written_activity: Activity | None = None
        outcome = Outcome.SKIPPED
        for action in plan.actions:
            result.current = action
            if isinstance(action, act.SaveBase | act.Unlink):
                # Not awaited: it holds with a later batch, the run's last with the run's record.
                result.commit = self.records.hold(_commit(action, written_event, written_activity))
                result.executed.append(action)
                outcome = Outcome.SETTLED
                continue
            event, activity = await self._apply(action, written_event, written_activity)
            written_event = event or written_event
            written_activity = activity or written_activity
            result.executed.append(action)
            if isinstance(action, act.Quarantine):
                outcome = Outcome.QUARANTINED
        result.outcome = outcome if plan.actions else Outcome.SKIPPED

    async def _apply(
        self, action: act.Action, written_event: CalendarEvent | None, written_activity: Activity | None
    ) -> tuple[CalendarEvent | None, Activity | None]:
        match action:
            case act.CreateEvent(event=event, send_updates=send):
                return await self.batcher.write(EventInsert(event, send)), None
            case act.UpdateEvent(event=event, if_match=if_match, send_updates=send, fields=fields):
                return await self.batcher.write(EventUpdate(event, if_match, send, fields)), None
            case act.RestoreEvent(event=event, if_match=if_match, send_updates=send):
                confirmed = replace(event, status=EventStatus.CONFIRMED)
                return await self.batcher.write(EventUpdate(confirmed, if_match, send, None)), None
            case act.DeleteEvent(event_id=event_id, if_match=if_match, send_updates=send):
                await self.batcher.write(EventDelete(event_id, if_match, send))
            case act.CreateActivity(activity=activity):
                return None, await self.hub(self.psa.create_activity, activity)
            case act.UpdateActivity(activity=activity, expected_version=version):
                return None, await self.hub(self.psa.update_activity, activity, version)
            case act.RestoreActivity(activity=activity, expected_version=version):
                return None, await self.hub(self.psa.restore_activity, activity, version)
            case act.DeleteActivity(activity_guid=guid, expected_version=version):
                await self.hub(self.psa.delete_activity, guid, version)
            case act.RecordConflict(conflict=conflict):
                await self.hub(self.store.record_conflict, conflict)
            case act.SaveIntent():
                await self.records.write(action)
            case act.Quarantine(item=record):
                await self.hub(self.store.quarantine, record)
            case act.Warn():
                self.warnings.append(action)
            case act.Skip():
                pass
        return None, None

    async def replan(self, plan: ItemPlan) -> ItemPlan:
        """Read the item again, both sides and its link, and plan it again."""
        linked: LinkedItem | None = None
        if plan.activity_guid is not None:
            found = await self.hub(
                self.store.links_by_activity, self.ctx.user_guid, self.ctx.calendar_id, [plan.activity_guid]
            )
            linked = found.get(plan.activity_guid)
        if linked is None and plan.event_id is not None:
            found = await self.hub(self.store.links_by_event, self.ctx.user_guid, self.ctx.calendar_id, [plan.event_id])
            linked = found.get(plan.event_id)
        guid = linked.link.activity_guid if linked else plan.activity_guid
        event_id = linked.link.event_id if linked else plan.event_id
        activity = None
        if guid is not None:
            activity = (await self.hub(self.psa.get_activities, [guid])).get(guid)
        event = await self.calendar.get(self.ctx.calendar_id, event_id) if event_id is not None else None
        ctx = replace(self.ctx, initial=False, calendar_full_read=False)
        return plan_item(Item(activity, event, linked), ctx, self.now)


def _commit(action: act.Commit, event: CalendarEvent | None, activity: Activity | None) -> act.Commit:
    return action.settled(event, activity) if isinstance(action, act.SaveBase) else action


def _written_event_id(action: act.Action) -> str | None:
    if isinstance(action, act.CreateEvent | act.UpdateEvent | act.RestoreEvent):
        return action.event.id
    return action.event_id if isinstance(action, act.DeleteEvent) else None


def _after_its_series(plan: ItemPlan, series: set[str], activities: set[str]) -> bool:
    if plan.event_id and "_" in plan.event_id and series_event_id_of(plan.event_id) in series:
        return True
    for action in plan.actions:
        event_id = _written_event_id(action)
        if event_id is not None and "_" in event_id and series_event_id_of(event_id) in series:
            return True
        if isinstance(action, act.CreateActivity) and action.activity.recurrence_parent_guid in activities:
            return True
    return False


def waves(plans: Sequence[ItemPlan]) -> tuple[list[int], list[int]]:
    """The plan's items in two waves (indexes): an occurrence of a series this plan writes
    is written only after the series, on either side.

    - Google has no occurrence of an event it has not made yet, and the hub no exception of
      an activity it does not have: in the same batch the occurrence may land first and be
      refused (404; "no such parent").
    - Deleting or cancelling an occurrence changes its series (the calendar folds it into the
      series' EXDATEs, with a new etag): written first, it makes the series' own write fail
      (412), and the replan then takes that fold for a user's edit of the series and undoes
      the series' other new cancellations (found by the state machine, CAL-9).
    """
    series = {p.event_id for p in plans if p.actions and p.event_id}
    series |= {a.event.id for p in plans for a in p.actions if isinstance(a, act.CreateEvent)}
    activities = {a.activity.guid for p in plans for a in p.actions if isinstance(a, act.CreateActivity)}
    first: list[int] = []
    second: list[int] = []
    for index, plan in enumerate(plans):
        (second if _after_its_series(plan, series, activities) else first).append(index)
    return first, second


def _unless_series_unfinished(
    plans: Sequence[ItemPlan], second: list[int], results: dict[int, ItemResult]
) -> list[int]:
    """The second wave without the occurrences whose series' write did not finish: those
    wait for the next run (they are unfinished too, so the run's cursors stay), lest their
    write change the series behind its retry (see `waves`). A quarantined series does not
    hold them: the run goes on without it."""
    stuck = [r.plan for r in results.values() if r.outcome is Outcome.UNFINISHED]
    if not stuck:
        return second
    series = {p.event_id for p in stuck if p.event_id}
    activities = {p.activity_guid for p in stuck if p.activity_guid}
    go: list[int] = []
    for index in second:
        if _after_its_series(plans[index], series, activities):
            results[index] = ItemResult(plans[index], Outcome.UNFINISHED, error="waits for its series to be written")
        else:
            go.append(index)
    return go


PROGRESS = "calendar entries synced"
"""What a run's `Progress` calls its step."""


async def execute_all(
    executor: Executor, plans: Sequence[ItemPlan], concurrency: int = 200, progress: Progress | None = None
) -> list[ItemResult]:
    """Every item of a plan, up to `concurrency` at once (in `waves`); the order of results
    is the plan's. `progress` hears how many items are done as each one is."""
    slots = asyncio.Semaphore(concurrency)
    results: dict[int, ItemResult] = {}

    async def one(index: int) -> None:
        async with slots:
            results[index] = await executor.run(plans[index])
        if progress is not None:
            progress(PROGRESS, len(results), len(plans))

    async def wave(indexes: list[int]) -> None:
        tasks = [asyncio.create_task(one(i)) for i in indexes]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    first, second = waves(plans)
    await wave(first)
    await wave(_unless_series_unfinished(plans, second, results))
    return [results[i] for i in range(len(plans))]
