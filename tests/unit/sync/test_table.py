"""The decision table, walked row by row through the planner (STYLE "Decision tables as data")."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest

from tandem.domain.calendar import EventStatus
from tandem.sync import actions as act
from tandem.sync.outcomes import HANDLERS
from tandem.sync.plan import Item, plan_item
from tandem.sync.table import LINKED, MEANING, UNLINKED, Decision, Side, decide, markdown, rows

from .builders import NOW, activity, at, context, event, linked_to

EXPECTED: dict[tuple[bool, Decision], tuple[type, ...]] = {
    (True, Decision.NOTHING): (),
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
}
"""What each row does to the literal item built for it (see `_item`)."""

MERGE_EXPECTED: dict[tuple[bool, Side, Side], tuple[type, ...]] = {
    # one decision, written where the merge finds a side behind
    (True, Side.UNCHANGED, Side.CHANGED): (act.SaveIntent, act.UpdateActivity, act.SaveBase),
    (True, Side.CHANGED, Side.UNCHANGED): (act.SaveIntent, act.UpdateEvent, act.SaveBase),
    (True, Side.CHANGED, Side.CHANGED): (act.SaveIntent, act.UpdateEvent, act.UpdateActivity, act.SaveBase),
    (False, Side.CHANGED, Side.CHANGED): (act.SaveBase,),  # an unlinked pair, equal on both sides: linked
}

LATER_WINS_EXPECTED: dict[tuple[Side, Side], tuple[type, ...]] = {
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
        if decision is Decision.LATER_WINS:
            expected = LATER_WINS_EXPECTED[(psa, cal)]
        elif decision is Decision.MERGE:
            expected = MERGE_EXPECTED[(linked, psa, cal)]
        else:
            expected = EXPECTED[(linked, decision)]
        assert kinds == expected, (linked, psa, cal, decision, kinds)


def test_every_merge_row_is_walked() -> None:
    merged = {(r.linked, r.psa, r.calendar) for r in rows() if r.decision is Decision.MERGE}
    assert merged == set(MERGE_EXPECTED)


def test_every_decision_has_one_handler_and_a_meaning_for_the_docs() -> None:
    assert set(HANDLERS) == set(Decision)
    assert set(MEANING) == set(Decision)


def test_decide_answers_with_the_row_of_the_table() -> None:
    assert decide(linked=True, psa=Side.CHANGED, calendar=Side.DELETED) is Decision.RESTORE_EVENT
    assert decide(linked=False, psa=Side.CHANGED, calendar=Side.DELETED) is Decision.LATER_WINS
    with pytest.raises(ValueError, match="unlinked item: unchanged x changed"):
        decide(linked=False, psa=Side.UNCHANGED, calendar=Side.CHANGED)


DOC = Path(__file__).resolve().parents[3] / "docs" / "calendar-sync.md"


def _documented_table() -> str:
    text = DOC.read_text(encoding="utf-8")
    begin = text.index("<!-- decision-table:begin")
    start = text.index("\n", begin) + 1
    return text[start : text.index("<!-- decision-table:end -->", start)].rstrip("\n")


def test_the_docs_show_the_decision_table_the_planner_uses() -> None:
    documented, current = _documented_table(), markdown()
    assert documented == current, (
        "docs/calendar-sync.md shows another decision table than tandem.sync.table.rows(); "
        "run scripts/render-decision-table to write the current one"
    )


def _read_grids(text: str) -> set[tuple[bool, Side, Side, Decision]]:
    """The rows a reader of the drawn grids sees: the first grid is with a link, the second without."""
    found: set[tuple[bool, Side, Side, Decision]] = set()
    grids = 0
    columns: list[Side] = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| PSA"):
            grids += 1
            columns = [Side(c) for c in cells[1:]]
        elif line.startswith("| **"):
            psa = Side(cells[0].strip("*"))
            for cal, cell in zip(columns, cells[1:], strict=True):
                if cell != "–":
                    found.add((grids == 1, psa, cal, Decision(cell)))
    assert grids == 2
    return found


def test_the_drawn_table_reads_back_as_the_planners_rows() -> None:
    assert _read_grids(markdown()) == set(rows())
