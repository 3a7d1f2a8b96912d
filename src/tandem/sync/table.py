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
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType


class Side(enum.StrEnum):
    ABSENT = "absent"
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    DELETED = "deleted"


class Decision(enum.StrEnum):
    NOTHING = "nothing"
    CREATE_EVENT = "create event"
    """A new activity: write it to the calendar under its deterministic id."""
    CREATE_ACTIVITY = "create activity"
    """A new calendar entry: create its activity under its deterministic guid."""
    PAIR = "pair"
    """Both exist, unlinked (same id, or matched): link them, settling differences."""
    UPDATE_EVENT = "update event"
    UPDATE_ACTIVITY = "update activity"
    MERGE = "merge"
    """Both changed: three-way merge, field by field (BEY-2)."""
    DELETE_EVENT = "delete event"
    DELETE_ACTIVITY = "delete activity"
    RESTORE_EVENT = "restore event"
    """Edited in the PSA, deleted in the calendar: bring the event back (same id)."""
    RESTORE_ACTIVITY = "restore activity"
    """Edited in the calendar, deleted in the PSA: undelete the activity."""
    RECREATE_EVENT = "recreate event"
    """Edited in the PSA, the event gone without trace: write it again under the same id."""
    RECREATE_ACTIVITY = "recreate activity"
    FORGET = "forget"
    """Gone on both sides: drop the link."""
    LATER_WINS = "later wins"
    """No base and one side deleted: the later of the deletion and the other side's edit stands."""


_S = Side
_D = Decision

LINKED: Mapping[tuple[Side, Side], Decision] = MappingProxyType(
    {
        # (PSA side, calendar side): decision
        (_S.UNCHANGED, _S.UNCHANGED): _D.NOTHING,
        (_S.UNCHANGED, _S.CHANGED): _D.UPDATE_ACTIVITY,
        (_S.UNCHANGED, _S.DELETED): _D.DELETE_ACTIVITY,
        (_S.UNCHANGED, _S.ABSENT): _D.DELETE_ACTIVITY,
        (_S.CHANGED, _S.UNCHANGED): _D.UPDATE_EVENT,
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
        (_S.CHANGED, _S.CHANGED): _D.PAIR,
        (_S.CHANGED, _S.DELETED): _D.LATER_WINS,
        (_S.DELETED, _S.ABSENT): _D.NOTHING,
        (_S.DELETED, _S.CHANGED): _D.LATER_WINS,
        (_S.DELETED, _S.DELETED): _D.NOTHING,
    }
)
"""An item without a link: no base, so no side is ever UNCHANGED."""


def decide(linked: bool, psa: Side, calendar: Side) -> Decision:
    table = LINKED if linked else UNLINKED
    try:
        return table[(psa, calendar)]
    except KeyError:
        raise ValueError(f"no decision for an {'linked' if linked else 'unlinked'} item: {psa} x {calendar}") from None


def rows() -> tuple[tuple[bool, Side, Side, Decision], ...]:
    """Every row, for the documentation and the test that walks them all."""
    return tuple((True, p, c, d) for (p, c), d in LINKED.items()) + tuple(
        (False, p, c, d) for (p, c), d in UNLINKED.items()
    )
