"""The decision table: what to do with one item, as data (STYLE "Decision tables as data").

Each side of an item is in one of four states, judged against the base snapshot:

    ABSENT     the side has no such item at all (never had, or purged without trace)
    UNCHANGED  equal to the base: nothing new (and an echo of our own write looks like this)
    CHANGED    differs from the base; for an item without a link: present, and new to us
    DELETED    a tombstone: a deleted activity, a cancelled event

With a link (there is a base), the rule is "an edit beats a deletion": the deleted side
gets the item back. Without a link there is no base, so nothing can be UNCHANGED; a
deletion met without a base is judged by time (the later of the deletion and the other
side's last change stands).

Every decision has exactly one handler (`outcomes.HANDLERS`). Where both sides are live and
something changed, the table says MERGE: "only the PSA changed", "only the calendar
changed", "both changed" and "an unlinked pair" are one idea, the field-level three-way
merge, which finds out field by field which side is behind and writes only there. Four
decisions with one handler would have claimed a difference the planner does not make;
four handlers would each have had to repeat the merge's care (roles, conflicts, an
interrupted write, a stale base) or call it anyway. Which way a merge writes is shown by
the actions it plans, and the test walks each row to them (tests/unit/sync/test_table.py).

`markdown()` draws the table for docs/calendar-sync.md, as h11 draws its state diagrams
from its tables; `scripts/render-decision-table` writes it there and a test keeps the two
the same.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple


class Side(enum.StrEnum):
    ABSENT = "absent"
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    DELETED = "deleted"


class Decision(enum.StrEnum):
    NOTHING = "nothing"
    CREATE_EVENT = "create event"
    CREATE_ACTIVITY = "create activity"
    MERGE = "merge"
    DELETE_EVENT = "delete event"
    DELETE_ACTIVITY = "delete activity"
    RESTORE_EVENT = "restore event"
    RESTORE_ACTIVITY = "restore activity"
    RECREATE_EVENT = "recreate event"
    RECREATE_ACTIVITY = "recreate activity"
    FORGET = "forget"
    LATER_WINS = "later wins"


MEANING: Mapping[Decision, str] = MappingProxyType(
    {
        Decision.NOTHING: "Nothing new. A link whose writes were interrupted is finished as a merge; "
        "a link whose first write never happened is dropped.",
        Decision.CREATE_EVENT: "A new activity: write it to the calendar under its deterministic id.",
        Decision.CREATE_ACTIVITY: "A new calendar entry: create its activity under its deterministic guid.",
        Decision.MERGE: "Both sides live: a field-level three-way merge against the base (BEY-2). Each field "
        "takes the side that changed it, the later edit when both did (the conflict is kept), and only the "
        "side that is behind is written; then the agreed version is the new base. Without a link (the same "
        "id, or matched at the first sync) there is no base: every difference is a conflict the later edit "
        "wins, and the two are linked.",
        Decision.DELETE_EVENT: "Deleted in (or gone from) the PSA, not edited in the calendar: delete the event.",
        Decision.DELETE_ACTIVITY: "Deleted in (or gone from) the calendar, not edited in the PSA: delete the activity.",
        Decision.RESTORE_EVENT: "Edited in the PSA, deleted in the calendar: bring the event back (same id).",
        Decision.RESTORE_ACTIVITY: "Edited in the calendar, deleted in the PSA: undelete the activity.",
        Decision.RECREATE_EVENT: "Edited in the PSA, the event gone without trace: write it again under the same id.",
        Decision.RECREATE_ACTIVITY: "Edited in the calendar, the activity gone without trace: create it again "
        "under the same guid.",
        Decision.FORGET: "Gone on both sides: drop the link.",
        Decision.LATER_WINS: "No base and one side deleted: the later of the deletion and the other side's "
        "last change stands (a tie goes to the PSA).",
    }
)
"""What each decision does, in a user's words (shown in the docs)."""

_S = Side
_D = Decision

LINKED: Mapping[tuple[Side, Side], Decision] = MappingProxyType(
    {
        # (PSA side, calendar side): decision
        (_S.UNCHANGED, _S.UNCHANGED): _D.NOTHING,
        (_S.UNCHANGED, _S.CHANGED): _D.MERGE,
        (_S.UNCHANGED, _S.DELETED): _D.DELETE_ACTIVITY,
        (_S.UNCHANGED, _S.ABSENT): _D.DELETE_ACTIVITY,
        (_S.CHANGED, _S.UNCHANGED): _D.MERGE,
        (_S.CHANGED, _S.CHANGED): _D.MERGE,
        (_S.CHANGED, _S.DELETED): _D.RESTORE_EVENT,
        (_S.CHANGED, _S.ABSENT): _D.RECREATE_EVENT,
        (_S.DELETED, _S.UNCHANGED): _D.DELETE_EVENT,
        (_S.DELETED, _S.CHANGED): _D.RESTORE_ACTIVITY,
        (_S.DELETED, _S.DELETED): _D.FORGET,
        (_S.DELETED, _S.ABSENT): _D.FORGET,
        (_S.ABSENT, _S.UNCHANGED): _D.DELETE_EVENT,
        (_S.ABSENT, _S.CHANGED): _D.RECREATE_ACTIVITY,
        (_S.ABSENT, _S.DELETED): _D.FORGET,
        (_S.ABSENT, _S.ABSENT): _D.FORGET,
    }
)
"""An item with a link and a base snapshot."""

UNLINKED: Mapping[tuple[Side, Side], Decision] = MappingProxyType(
    {
        (_S.ABSENT, _S.ABSENT): _D.NOTHING,
        (_S.ABSENT, _S.CHANGED): _D.CREATE_ACTIVITY,
        (_S.ABSENT, _S.DELETED): _D.NOTHING,
        (_S.CHANGED, _S.ABSENT): _D.CREATE_EVENT,
        (_S.CHANGED, _S.CHANGED): _D.MERGE,
        (_S.CHANGED, _S.DELETED): _D.LATER_WINS,
        (_S.DELETED, _S.ABSENT): _D.NOTHING,
        (_S.DELETED, _S.CHANGED): _D.LATER_WINS,
        (_S.DELETED, _S.DELETED): _D.NOTHING,
    }
)
"""An item without a link: no base, so no side is ever UNCHANGED."""


def decide(*, linked: bool, psa: Side, calendar: Side) -> Decision:
    """The table's decision for an item with (`linked=True`) or without a link and base."""
    table = LINKED if linked else UNLINKED
    try:
        return table[(psa, calendar)]
    except KeyError:
        raise ValueError(f"no decision for an {'linked' if linked else 'unlinked'} item: {psa} x {calendar}") from None


class Row(NamedTuple):
    linked: bool
    psa: Side
    calendar: Side
    decision: Decision


def rows() -> tuple[Row, ...]:
    """Every row, for the documentation and the test that walks them all."""
    return tuple(Row(True, p, c, d) for (p, c), d in LINKED.items()) + tuple(
        Row(False, p, c, d) for (p, c), d in UNLINKED.items()
    )


def _grid(linked: bool, table: tuple[Row, ...]) -> list[str]:
    cells = {(r.psa, r.calendar): r.decision for r in table if r.linked is linked}
    states = [s for s in Side if any(s in key for key in cells)]
    lines = [
        "| PSA ↓ · calendar → | " + " | ".join(states) + " |",
        "|---|" + "---|" * len(states),
    ]
    for psa in states:
        row = " | ".join(cells[(psa, cal)].value if (psa, cal) in cells else "–" for cal in states)
        lines.append(f"| **{psa}** | {row} |")
    return lines


def markdown() -> str:
    """The table in Markdown, drawn from `rows()`: what docs/calendar-sync.md shows."""
    table = rows()
    used = {r.decision for r in table}
    return "\n".join(
        [
            "With a link (a base snapshot to compare with):",
            "",
            *_grid(True, table),
            "",
            "Without a link (no base, so no side is *unchanged*):",
            "",
            *_grid(False, table),
            "",
            *(f"- **{d}**: {MEANING[d]}" for d in Decision if d in used),
        ]
    )
