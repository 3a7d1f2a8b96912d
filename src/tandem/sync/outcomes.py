"""What each decision of the table becomes, as actions (one small function per decision).

MERGE covers every row where both sides are live and one changed, linked or not:
`_merge` finds out field by field which side is behind (see `table` for why this is one
decision). One handler serves two decisions on purpose: RECREATE_ACTIVITY is
RESTORE_ACTIVITY without a tombstone to revive, and `_restore_activity` handles both.

Order inside an item is fixed: a conflict record first (keyed by the base, so a crash
does not double it), the intent (what the writes aim at), the calendar write, the PSA
write, and last the commit (SaveBase or Unlink). Every write carries the intent's mark.
Writes that the user's role forbids (an invitation from outside is read-only) are left
out, and the next base remembers the calendar's value for those fields so the PSA's own
edit is neither lost nor pushed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from tandem.domain.activity import Activity
from tandem.domain.calendar import CalendarEvent, EventStatus, SendUpdates
from tandem.domain.syncstate import WRITE_MARK, BaseSnapshot, Conflict, ConflictWinner, Intent, SyncedFields
from tandem.sync.actions import (
    Action,
    CreateActivity,
    CreateEvent,
    DeleteActivity,
    DeleteEvent,
    RecordConflict,
    RestoreActivity,
    RestoreEvent,
    SaveBase,
    SaveIntent,
    Skip,
    Unlink,
    UpdateActivity,
    UpdateEvent,
    Warn,
)
from tandem.sync.context import SyncContext
from tandem.sync.ids import activity_guid_for_event, series_event_id_of
from tandem.sync.mapping import (
    WARN_PRIVATE_AS_DEFAULT,
    Adopted,
    apply_fields,
    event_from_fields,
    new_activity,
    new_exception,
)
from tandem.sync.merge import FIELDS, Merge, keep_calendar, merge, winner_of
from tandem.sync.observe import Seen
from tandem.sync.rules import event_type_for, send_updates_for
from tandem.sync.table import Decision

Handler = Callable[[Seen, SyncContext, datetime], tuple[Action, ...]]

WARNING_TEXT = {
    WARN_PRIVATE_AS_DEFAULT: "CAL-6: the organisation has no Personal activity type, so a private calendar "
    "entry was stored with the default type and is visible to everyone in the PSA",
}


def _digest(key: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]


def _json(fields: SyncedFields | None) -> dict[str, Any] | None:
    return None if fields is None else fields.to_json()


def _writable(seen: Seen) -> bool:
    return seen.role.writes_calendar


def _unlink(seen: Seen, ctx: SyncContext) -> tuple[Action, ...]:
    """Drop the item's link, if it has one."""
    return () if seen.item.linked is None else (Unlink(seen.link(ctx)),)


def _let_go(seen: Seen, ctx: SyncContext, reason: str) -> tuple[Action, ...]:
    """Stop syncing an item the user may not write: say why, and drop its link if any."""
    return (Skip(reason), *_unlink(seen, ctx))


def _warnings(adopted: Adopted) -> tuple[Action, ...]:
    return tuple(Warn(code, WARNING_TEXT.get(code, code)) for code in adopted.warnings)


def _intent(seen: Seen, ctx: SyncContext, now: datetime, target: SyncedFields) -> SaveIntent:
    key = {
        "ids": [ctx.user_guid, seen.activity_guid, seen.event_id],
        "target": _json(target),
        "psa": _json(seen.psa),
        "calendar": _json(seen.cal),
        "base": _json(None if seen.base is None else seen.base.fields),
    }
    return SaveIntent(seen.link(ctx), Intent(_digest(key), target, seen.psa, seen.cal, now))


def _marked_event(event: CalendarEvent, intent: SaveIntent) -> CalendarEvent:
    return replace(event, private_properties={**event.private_properties, WRITE_MARK: intent.intent.write_id})


def _marked_activity(activity: Activity, intent: SaveIntent) -> Activity:
    return replace(activity, extra={**activity.extra, WRITE_MARK: intent.intent.write_id})


def _save(seen: Seen, ctx: SyncContext, now: datetime, fields: SyncedFields) -> SaveBase:
    activity = seen.item.activity
    base = BaseSnapshot(
        fields=fields,
        type_guid=activity.type_guid if activity is not None else ctx.type_for_privacy(fields.private),
        activity_version=None if activity is None else activity.version,
        event_etag=seen.event_etag,
        saved_at=now,
    )
    return SaveBase(seen.link(ctx), base)


def _event(seen: Seen, ctx: SyncContext, fields: SyncedFields) -> CalendarEvent:
    activity = seen.item.activity
    series = original = None
    if activity is not None and activity.recurrence_parent_guid is not None:
        series = series_event_id_of(seen.event_id)
        original = activity.original_start
    kind = "default" if activity is None else event_type_for(activity, fields, ctx)
    # CAL-14 without fan-out: a participant's own copy of a colleague's meeting names its
    # organiser, so the participant's own ATTENDEE line (their answer) is read as theirs.
    organiser = None if ctx.fans_out_invitations else seen.organiser
    return event_from_fields(
        fields,
        event_id=seen.event_id,
        ctx=ctx,
        current=seen.event,
        series_event_id=series,
        original_start=original,
        event_type=kind,
        organiser=organiser,
    )


def _conflict(seen: Seen, ctx: SyncContext, now: datetime, result: Merge, cal: SyncedFields) -> RecordConflict:
    assert seen.psa is not None
    base = None if seen.base is None else seen.base.fields
    key = {"ids": [ctx.user_guid, seen.activity_guid, seen.event_id], "fields": result.conflicts, "base": _json(base)}
    conflict = Conflict(
        id=_digest(key),
        user_guid=ctx.user_guid,
        activity_guid=seen.activity_guid,
        event_id=seen.event_id,
        fields=result.conflicts,
        base=base,
        psa=seen.psa,
        calendar=cal,
        winner=result.winner,
        detected_at=now,
    )
    return RecordConflict(conflict)


def _settle(seen: Seen, ctx: SyncContext, now: datetime, result: Merge, cal: SyncedFields) -> tuple[Action, ...]:
    """The actions that bring both sides to a merge's agreed version, then commit it."""
    activity = seen.item.activity
    assert activity is not None
    actions: list[Action] = [_conflict(seen, ctx, now, result, cal)] if result.conflicts else []
    if not _writable(seen):
        result = keep_calendar(result, cal)
    intent = _intent(seen, ctx, now, result.fields)
    writes: list[Action] = []
    if result.to_calendar:
        event = _marked_event(_event(seen, ctx, result.fields), intent)
        send = send_updates_for(result.to_calendar)
        writes.append(UpdateEvent(ctx.calendar_id, event, seen.event_etag, send, result.to_calendar))
    if result.to_psa:
        adopted = apply_fields(activity, result.fields, result.to_psa, ctx, seen.organiser, result.status_updates)
        actions.extend(_warnings(adopted))
        if adopted.activity != activity:
            writes.append(UpdateActivity(_marked_activity(adopted.activity, intent), activity.version, result.to_psa))
    if writes:
        actions.extend((intent, *writes))
    base = seen.base
    current = (
        base is not None
        and seen.intent is None
        and base.type_guid == activity.type_guid
        and base.fields == result.fields
    )
    if actions or not current:  # the base is behind: commit the agreed version
        actions.append(_save(seen, ctx, now, result.fields))
    return tuple(actions)


def _merge(seen: Seen, ctx: SyncContext, now: datetime) -> tuple[Action, ...]:
    assert seen.psa is not None
    cal = seen.cal
    assert cal is not None  # merged rows always have a live (or not re-read) calendar side
    result = merge(seen.psa, cal, seen.refs, winner_of(seen.psa_time, seen.cal_time))
    return _settle(seen, ctx, now, result, cal)


def _nothing(seen: Seen, ctx: SyncContext, now: datetime) -> tuple[Action, ...]:
    """Nothing new on either side, unless writes were interrupted: then finish them."""
    linked = seen.item.linked
    if linked is None:
        return ()
    if linked.base is None:
        return (Unlink(linked.link),)  # a create that never happened, on an item now gone
    if linked.intent is not None:
        return _merge(seen, ctx, now)
    return ()


def _create_event(seen: Seen, ctx: SyncContext, now: datetime) -> tuple[Action, ...]:
    assert seen.psa is not None
    intent = _intent(seen, ctx, now, seen.psa)
    event = _marked_event(_event(seen, ctx, seen.psa), intent)
    write: Action
    if event.recurring_event_id is not None:
        # An occurrence exists as soon as its series does: "creating" it is an update.
        write = UpdateEvent(ctx.calendar_id, event, None, SendUpdates.ALL, frozenset(FIELDS))
    else:
        write = CreateEvent(ctx.calendar_id, event, SendUpdates.ALL)
    return (intent, write, _save(seen, ctx, now, seen.psa))


def _adopt_new(seen: Seen, ctx: SyncContext) -> Adopted:
    assert seen.cal is not None
    event = seen.event
    series = original = None
    if event is not None and event.recurring_event_id is not None:
        parent = seen.item.series_activity
        if parent is not None:
            return new_exception(
                parent,
                seen.cal,
                guid=seen.activity_guid,
                ctx=ctx,
                organiser=seen.organiser,
                original_start=event.original_start,
            )
        derived = activity_guid_for_event(event.recurring_event_id, seen.organiser)
        series = seen.item.series_activity_guid or derived
        original = event.original_start
    return new_activity(
        seen.cal,
        guid=seen.activity_guid,
        ctx=ctx,
        organiser=seen.organiser,
        series_guid=series,
        original_start=original,
        event_type=event.event_type if event is not None else "default",
    )


def _create_activity(seen: Seen, ctx: SyncContext, now: datetime) -> tuple[Action, ...]:
    assert seen.cal is not None
    adopted = _adopt_new(seen, ctx)
    intent = _intent(seen, ctx, now, seen.cal)
    create = CreateActivity(_marked_activity(adopted.activity, intent))
    return (*_warnings(adopted), intent, create, _save(seen, ctx, now, seen.cal))


def _everyone(fields: SyncedFields) -> frozenset[str]:
    return frozenset(a.email for a in fields.attendees)


def _restore_activity(seen: Seen, ctx: SyncContext, now: datetime) -> tuple[Action, ...]:
    """The calendar edited what the PSA deleted (or lost): the edit wins (BEY-2)."""
    assert seen.cal is not None
    intent = _intent(seen, ctx, now, seen.cal)
    tombstone = seen.item.activity
    if tombstone is None:
        adopted = _adopt_new(seen, ctx)
        restore = RestoreActivity(_marked_activity(adopted.activity, intent), None)
    else:
        revived = replace(tombstone, deleted=False)
        adopted = apply_fields(revived, seen.cal, frozenset(FIELDS), ctx, seen.organiser, _everyone(seen.cal))
        restore = RestoreActivity(_marked_activity(adopted.activity, intent), tombstone.version)
    return (*_warnings(adopted), intent, restore, _save(seen, ctx, now, seen.cal))


def _restore_event(seen: Seen, ctx: SyncContext, now: datetime) -> tuple[Action, ...]:
    """The PSA edited what the calendar deleted: the edit wins; Google keeps the id taken,
    so the cancelled event is updated back to confirmed."""
    assert seen.psa is not None
    if not _writable(seen):
        return _let_go(seen, ctx, "the organiser cancelled this invitation; the PSA keeps its activity")
    intent = _intent(seen, ctx, now, seen.psa)
    event = replace(_marked_event(_event(seen, ctx, seen.psa), intent), status=EventStatus.CONFIRMED)
    restore = RestoreEvent(ctx.calendar_id, event, seen.event_etag, SendUpdates.ALL)
    return (intent, restore, _save(seen, ctx, now, seen.psa))


def _recreate_event(seen: Seen, ctx: SyncContext, now: datetime) -> tuple[Action, ...]:
    if not _writable(seen):
        return _let_go(seen, ctx, "the invitation is gone from the calendar; the PSA keeps its activity")
    return _create_event(seen, ctx, now)


def _delete_event(seen: Seen, ctx: SyncContext, now: datetime) -> tuple[Action, ...]:
    if not _writable(seen):
        return _let_go(seen, ctx, "deleted in the PSA; an invitation cannot be deleted by an attendee")
    return (DeleteEvent(ctx.calendar_id, seen.event_id, seen.event_etag, SendUpdates.ALL), *_unlink(seen, ctx))


def _delete_activity(seen: Seen, ctx: SyncContext, now: datetime) -> tuple[Action, ...]:
    activity = seen.item.activity
    assert activity is not None
    return (DeleteActivity(activity.guid, activity.version), *_unlink(seen, ctx))


def _forget(seen: Seen, ctx: SyncContext, now: datetime) -> tuple[Action, ...]:
    return _unlink(seen, ctx)


def _later_wins(seen: Seen, ctx: SyncContext, now: datetime) -> tuple[Action, ...]:
    """No base, one side deleted: whichever happened later stands (ties to the PSA)."""
    psa_later = winner_of(seen.psa_time, seen.cal_time) is ConflictWinner.PSA
    if seen.psa is None:  # deleted in the PSA, live in the calendar
        return _delete_event(seen, ctx, now) if psa_later else _restore_activity(seen, ctx, now)
    return _restore_event(seen, ctx, now) if psa_later else _delete_activity(seen, ctx, now)


HANDLERS: Mapping[Decision, Handler] = MappingProxyType(
    {
        Decision.NOTHING: _nothing,
        Decision.CREATE_EVENT: _create_event,
        Decision.CREATE_ACTIVITY: _create_activity,
        Decision.MERGE: _merge,
        Decision.DELETE_EVENT: _delete_event,
        Decision.DELETE_ACTIVITY: _delete_activity,
        Decision.RESTORE_EVENT: _restore_event,
        Decision.RESTORE_ACTIVITY: _restore_activity,
        Decision.RECREATE_EVENT: _recreate_event,
        Decision.RECREATE_ACTIVITY: _restore_activity,
        Decision.FORGET: _forget,
        Decision.LATER_WINS: _later_wins,
    }
)
"""Every decision of the table has exactly one handler."""
