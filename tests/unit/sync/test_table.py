"""The decision table, walked row by row through the planner (STYLE "Decision tables as data")."""

from __future__ import annotations

import itertools
from dataclasses import replace

from tandem.domain.calendar import EventStatus
from tandem.sync import actions as act
from tandem.sync.plan import Item, plan_item
from tandem.sync.table import LINKED, UNLINKED, Decision, Side, rows

from .builders import NOW, activity, at, context, event, linked_to

EXPECTED: dict[tuple[bool, Decision], tuple[type, ...]] = {
    (True, Decision.NOTHING): (),
    (True, Decision.UPDATE_ACTIVITY): (act.SaveIntent, act.UpdateActivity, act.SaveBase),
    (True, Decision.UPDATE_EVENT): (act.SaveIntent, act.UpdateEvent, act.SaveBase),
    (True, Decision.MERGE): (act.SaveIntent, act.UpdateEvent, act.UpdateActivity, act.SaveBase),
    (True, Decision.DELETE_ACTIVITY): (act.DeleteActivity, act.Unlink),
    (True, Decision.DELETE_EVENT): (act.DeleteEvent, act.Unlink),
    (True, Decision.RESTORE_EVENT): (act.SaveIntent, act.RestoreEvent, act.SaveBase),
    (True, Decision.RECREATE_EVENT): (act.SaveIntent, act.CreateEvent, act.SaveBase),
    (True, Decision.RESTORE_ACTIVITY): (act.SaveIntent, act.RestoreActivity, act.SaveBase),
    (True, Decision.RECREATE_ACTIVITY): (act.SaveIntent, act.RestoreActivity, act.SaveBase),
    (True, Decision.FORGET): (act.Unlink,),
    (False, Decision.NOTHING): (),
    (False, Decision.CREATE_EVENT): (act.SaveIntent, act.CreateEvent, act.SaveBase),
    (False, Decision.CREATE_ACTIVITY): (act.SaveIntent, act.CreateActivity, act.SaveBase),
    (False, Decision.PAIR): (act.SaveBase,),
}
"""What each row does to the literal item built for it (see `_item`)."""

LATER_WINS_EXPECTED = {
    # no base, one side deleted after the other side's last change: the deletion stands
    (Side.CHANGED, Side.DELETED): (act.DeleteActivity,),
    (Side.DELETED, Side.CHANGED): (act.DeleteEvent,),
}


def _item(linked: bool, psa: Side, cal: Side) -> Item:
    """An item whose two sides are in the given states (edits: name in the PSA, location
    in the calendar; deletions happen a day after everything else)."""
    base_activity, base_event = activity(), event()
    activity_side = {
        Side.ABSENT: None,
        Side.UNCHANGED: base_activity,
        Side.CHANGED: replace(base_activity, name="Renamed") if linked else base_activity,
        Side.DELETED: replace(base_activity, deleted=True, updated_at=at(2, 8)),
    }[psa]
    event_side = {
        Side.ABSENT: None,
        Side.UNCHANGED: base_event,
        Side.CHANGED: replace(base_event, location="Room 2") if linked else base_event,
        Side.DELETED: replace(base_event, status=EventStatus.CANCELLED, updated=at(2, 8)),
    }[cal]
    return Item(activity_side, event_side, linked_to(base_activity) if linked else None)


def test_the_table_has_a_row_for_every_reachable_pair_of_states() -> None:
    assert set(LINKED) == set(itertools.product(Side, Side))
    present = [Side.ABSENT, Side.CHANGED, Side.DELETED]  # without a base nothing is "unchanged"
    assert set(UNLINKED) == set(itertools.product(present, present))
    assert {d for _, _, _, d in rows()} == set(Decision)


def test_every_row_of_the_decision_table() -> None:
    ctx = context()
    for linked, psa, cal, decision in rows():
        plan = plan_item(_item(linked, psa, cal), ctx, NOW)
        assert plan.decision is decision, (linked, psa, cal)
        kinds = tuple(type(a) for a in plan.actions)
        expected = LATER_WINS_EXPECTED[(psa, cal)] if decision is Decision.LATER_WINS else EXPECTED[(linked, decision)]
        assert kinds == expected, (linked, psa, cal, decision, kinds)
