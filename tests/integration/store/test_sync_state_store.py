"""The calendar sync's state store on SQLite and PostgreSQL: what only the SQL store shows.

Everything the `SyncStateStore` Protocol promises is in its contract
(tests/support/state_contract.py, run here by test_state_store_contract.py); this file
keeps the SQL store's own knobs: how many run records it keeps, and `forget_calendar`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tandem import bootstrap
from tandem.domain.syncstate import Conflict, ConflictWinner, Cursor, Link, RunCounts, RunRecord
from tandem.store.syncstate import SqlSyncStateStore
from tests.support.state_contract import CAL, FIELDS, T0, USER, base


@pytest.fixture
def store(tandem: bootstrap.Tandem) -> SqlSyncStateStore:
    return tandem.sync_store()


def test_only_the_newest_runs_are_kept(store: SqlSyncStateStore) -> None:
    store.keep_runs = 5
    for i in range(8):
        store.record_run(
            RunRecord(USER, CAL, T0 + timedelta(minutes=i), T0 + timedelta(minutes=i), RunCounts(linked=i))
        )
    runs = store.last_runs(USER, limit=50)
    assert [r.counts.linked for r in runs] == [7, 6, 5, 4, 3]  # newest first; older ones dropped


def test_forgetting_the_calendars_makes_the_next_runs_initial(store: SqlSyncStateStore) -> None:
    conflict = Conflict("c-1", USER, "a-1", "ev1", ("location",), FIELDS, FIELDS, FIELDS, ConflictWinner.CALENDAR, T0)
    store.record_conflict(conflict)
    store.save_cursor(Cursor(USER, CAL, "token-1", 42, T0))
    store.save_item(Link(USER, CAL, "a-1", "ev1"), base())
    store.forget_calendar()
    assert store.cursor(USER, CAL) is None
    assert store.conflicts(USER) == []
    assert store.all_links(USER, CAL) == []
