"""The calendar sync's state store on SQLite and PostgreSQL: each method one transaction,
an item's link and base saved together, everything else an upsert by its natural key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tandem import bootstrap
from tandem.domain.syncstate import (
    BaseSnapshot,
    Conflict,
    ConflictWinner,
    Cursor,
    Intent,
    Link,
    QuarantinedItem,
    QuarantineSide,
    RunCounts,
    RunRecord,
    SyncedFields,
)
from tandem.store.syncstate import SqlSyncStateStore

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
FIELDS = SyncedFields("Planning", "agenda", "Room 1", T0, T0 + timedelta(hours=1), "Europe/Helsinki")
USER, CAL = "u-1", "alice@example.com"


@pytest.fixture
def store(tandem: bootstrap.Tandem) -> SqlSyncStateStore:
    return tandem.sync_store()


def base(event_etag: str = '"e1"') -> BaseSnapshot:
    return BaseSnapshot(fields=FIELDS, type_guid="t-1", activity_version=1, event_etag=event_etag, saved_at=T0)


def test_an_item_is_linked_to_exactly_one_counterpart(store: SqlSyncStateStore) -> None:
    store.save_item(Link(USER, CAL, "a-1", "ev1"), base())
    store.save_item(Link(USER, CAL, "a-2", "ev1"), base())  # the event now belongs to a-2
    assert set(store.links_by_event(USER, CAL, ["ev1"])) == {"ev1"}
    assert store.links_by_event(USER, CAL, ["ev1"])["ev1"].link.activity_guid == "a-2"
    assert store.links_by_activity(USER, CAL, ["a-1"]) == {}
    assert store.count_links(USER, CAL) == 1
    assert store.count_links("someone else", CAL) == 0


def test_an_intent_keeps_the_base_until_the_commit(store: SqlSyncStateStore) -> None:
    link = Link(USER, CAL, "a-1", "ev1")
    store.save_item(link, base())
    target = SyncedFields("Planning v2", None, None, T0, T0 + timedelta(hours=2), "Europe/Helsinki")
    store.save_intent(link, Intent("w-1", target, FIELDS, FIELDS, T0))
    held = store.links_by_activity(USER, CAL, ["a-1"])["a-1"]
    assert held.base is not None
    assert held.base.fields == FIELDS
    assert held.intent is not None
    assert held.intent.target == target
    store.save_item(link, base(event_etag='"e2"'))
    settled = store.links_by_activity(USER, CAL, ["a-1"])["a-1"]
    assert settled.intent is None
    assert settled.base is not None
    assert settled.base.event_etag == '"e2"'
    store.remove_item(link)
    store.remove_item(link)  # removing what is not there is not an error
    assert store.all_links(USER, CAL) == []


def test_quarantine_counts_attempts_and_a_commit_clears_it(store: SqlSyncStateStore) -> None:
    item = QuarantinedItem(USER, CAL, None, "ev9", QuarantineSide.CALENDAR, "title too long", T0)
    store.quarantine(item)
    store.quarantine(
        QuarantinedItem(USER, CAL, None, "ev9", QuarantineSide.CALENDAR, "still too long", T0 + timedelta(hours=1))
    )
    (held,) = store.quarantined(USER, CAL)
    assert (held.attempts, held.reason) == (2, "still too long")
    assert store.due_for_retry(USER, CAL, T0) == []
    assert len(store.due_for_retry(USER, CAL, T0 + timedelta(hours=1))) == 1
    store.save_item(Link(USER, CAL, "a-9", "ev9"), base())
    assert store.quarantined(USER, CAL) == []


def test_conflicts_cursors_and_runs(store: SqlSyncStateStore) -> None:
    conflict = Conflict("c-1", USER, "a-1", "ev1", ("location",), FIELDS, FIELDS, FIELDS, ConflictWinner.CALENDAR, T0)
    store.record_conflict(conflict)
    store.record_conflict(conflict)  # the same conflict seen again after a crash is one record
    assert [c.id for c in store.conflicts(USER)] == ["c-1"]
    assert store.cursor(USER, CAL) is None
    store.save_cursor(Cursor(USER, CAL, "token-1", 42, T0))
    assert store.cursor(USER, CAL) == Cursor(USER, CAL, "token-1", 42, T0)
    store.keep_runs = 5
    for i in range(8):
        store.record_run(
            RunRecord(USER, CAL, T0 + timedelta(minutes=i), T0 + timedelta(minutes=i), RunCounts(linked=i))
        )
    runs = store.last_runs(USER, limit=50)
    assert [r.counts.linked for r in runs] == [7, 6, 5, 4, 3]  # newest first; older ones dropped
    store.forget_calendar()
    assert store.cursor(USER, CAL) is None
    assert store.conflicts(USER) == []
