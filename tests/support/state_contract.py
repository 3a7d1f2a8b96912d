"""The contract of `SyncStateStore` (ports/state.py), one suite for every state store.

What the Protocol's docstring promises, shown through the port alone: the keys (a link
unique per activity and per event), `save_item`/`remove_item` that move link, base,
intent and quarantine together (`record_items` many items' at once), upserts that are
harmless when done twice, quarantine and `due_for_retry`, cursors, run records newest
first, conflicts newest first.

To run it on a store, subclass it in a test module whose name contains `contract` and
provide a `store` fixture: a fresh, empty `SyncStateStore`.

    class TestSqlSyncStateStoreContract(SyncStateStoreContract):
        pass
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tandem.domain.activity import Recurrence
from tandem.domain.calendar import ResponseStatus
from tandem.domain.syncstate import (
    BaseSnapshot,
    Conflict,
    ConflictWinner,
    Cursor,
    Intent,
    Link,
    QuarantinedItem,
    QuarantineSide,
    RemovedItem,
    RunCounts,
    RunRecord,
    SavedIntent,
    SavedItem,
    SyncedAttendee,
    SyncedFields,
)
from tandem.ports.state import SyncStateStore

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
FIELDS = SyncedFields("Planning", "agenda", "Room 1", T0, T0 + timedelta(hours=1), "Europe/Helsinki")
RICH = SyncedFields(
    "Weekly",
    None,
    None,
    date(2026, 12, 7),
    date(2026, 12, 8),
    None,
    recurrence=Recurrence("FREQ=WEEKLY;COUNT=4", exdates=(date(2026, 12, 14),)),
    private=True,
    attendees=(SyncedAttendee("bob@example.com", ResponseStatus.ACCEPTED, "Bob", is_user=True),),
)
USER, CAL = "u-1", "alice@example.com"


def base(event_etag: str = '"e1"', fields: SyncedFields = FIELDS, version: int | None = 1) -> BaseSnapshot:
    return BaseSnapshot(fields=fields, type_guid="t-1", activity_version=version, event_etag=event_etag, saved_at=T0)


def held(item: QuarantinedItem) -> tuple[str | None, str | None, int, str]:
    return (item.activity_guid, item.event_id, item.attempts, item.reason)


class SyncStateStoreContract:
    """What every `SyncStateStore` must do. Subclasses provide `store`."""

    # ------------------------------------------------------------------ links + base

    def test_an_item_is_linked_to_exactly_one_counterpart(self, store: SyncStateStore) -> None:
        store.save_item(Link(USER, CAL, "a-1", "ev1"), base())
        store.save_item(Link(USER, CAL, "a-2", "ev1"), base())  # the event now belongs to a-2
        assert set(store.links_by_event(USER, CAL, ["ev1"])) == {"ev1"}
        assert store.links_by_event(USER, CAL, ["ev1"])["ev1"].link.activity_guid == "a-2"
        assert store.links_by_activity(USER, CAL, ["a-1"]) == {}
        assert store.count_links(USER, CAL) == 1
        assert store.count_links("someone else", CAL) == 0

    def test_an_activity_linked_again_moves_to_its_new_event(self, store: SyncStateStore) -> None:
        store.save_item(Link(USER, CAL, "a-1", "ev1"), base())
        store.save_item(Link(USER, CAL, "a-1", "ev2"), base('"e2"'))
        assert [item.link.event_id for item in store.all_links(USER, CAL)] == ["ev2"]
        assert store.links_by_event(USER, CAL, ["ev1"]) == {}

    def test_links_are_kept_apart_per_user_and_calendar(self, store: SyncStateStore) -> None:
        store.save_item(Link(USER, CAL, "a-1", "ev1"), base())
        store.save_item(Link(USER, "other@example.com", "a-1", "ev1"), base('"e9"'))
        store.save_item(Link("u-2", CAL, "a-1", "ev1"), base('"e8"'))
        mine = store.links_by_activity(USER, CAL, ["a-1", "a-unknown"])
        assert set(mine) == {"a-1"}
        assert mine["a-1"].base == base()
        assert [i.link for i in store.all_links(USER, CAL)] == [Link(USER, CAL, "a-1", "ev1")]
        assert store.count_links(USER, "other@example.com") == 1

    def test_a_link_and_its_base_read_back_whole(self, store: SyncStateStore) -> None:
        link = Link(USER, CAL, "a-1", "ev1", organiser_email="carol@example.com")
        store.save_item(link, base(fields=RICH, version=None))
        item = store.links_by_activity(USER, CAL, ["a-1"])["a-1"]
        assert item.link == link
        assert item.base == base(fields=RICH, version=None)
        assert item.intent is None

    def test_an_intent_keeps_the_base_until_the_commit(self, store: SyncStateStore) -> None:
        link = Link(USER, CAL, "a-1", "ev1")
        store.save_item(link, base())
        target = SyncedFields("Planning v2", None, None, T0, T0 + timedelta(hours=2), "Europe/Helsinki")
        store.save_intent(link, Intent("w-1", target, FIELDS, FIELDS, T0))
        held_item = store.links_by_activity(USER, CAL, ["a-1"])["a-1"]
        assert held_item.base is not None
        assert held_item.base.fields == FIELDS
        assert held_item.intent is not None
        assert held_item.intent.target == target
        store.save_item(link, base(event_etag='"e2"'))
        settled = store.links_by_activity(USER, CAL, ["a-1"])["a-1"]
        assert settled.intent is None
        assert settled.base is not None
        assert settled.base.event_etag == '"e2"'
        store.remove_item(link)
        store.remove_item(link)  # removing what is not there is not an error
        assert store.all_links(USER, CAL) == []

    def test_an_intent_for_a_new_item_links_it_without_a_base(self, store: SyncStateStore) -> None:
        link = Link(USER, CAL, "a-1", "ev1")
        intent = Intent("w-1", RICH, None, None, T0)
        store.save_intent(link, intent)
        store.save_intent(link, intent)  # saved again after a crash: still one link
        (item,) = store.all_links(USER, CAL)
        assert (item.link, item.base, item.intent) == (link, None, intent)
        assert store.links_by_event(USER, CAL, ["ev1"])["ev1"].intent == intent

    def test_saving_an_item_twice_is_saving_it_once(self, store: SyncStateStore) -> None:
        link = Link(USER, CAL, "a-1", "ev1")
        store.save_item(link, base())
        store.save_item(link, base())
        assert store.count_links(USER, CAL) == 1
        assert store.links_by_activity(USER, CAL, ["a-1"])["a-1"].base == base()

    def test_removing_an_item_removes_its_link_by_activity_or_by_event(self, store: SyncStateStore) -> None:
        store.save_item(Link(USER, CAL, "a-1", "ev1"), base())
        store.save_item(Link(USER, CAL, "a-2", "ev2"), base())
        store.save_item(Link(USER, CAL, "a-3", "ev3"), base())
        store.remove_item(Link(USER, CAL, "a-1", "ev-other"))
        store.remove_item(Link(USER, CAL, "a-other", "ev2"))
        assert [i.link.activity_guid for i in store.all_links(USER, CAL)] == ["a-3"]

    def test_many_items_records_in_one_call_are_each_done_in_order(self, store: SyncStateStore) -> None:
        """`record_items`: intents, commits and removals of many items, in order, as one call
        each would do them, with the run's record and its cursor (one transaction)."""
        store.save_item(Link(USER, CAL, "a-9", "ev9"), base())
        store.quarantine(QuarantinedItem(USER, CAL, "a-1", "ev1", QuarantineSide.CALENDAR, "too long", T0))
        intent = Intent("w-1", RICH, None, None, T0)
        store.record_items(
            [
                SavedIntent(Link(USER, CAL, "a-1", "ev1"), intent),
                SavedIntent(Link(USER, CAL, "a-2", "ev2"), intent),
                SavedItem(Link(USER, CAL, "a-1", "ev1"), base()),
                SavedItem(Link(USER, CAL, "a-3", "ev2"), base('"e3"')),  # ev2 now belongs to a-3
                RemovedItem(Link(USER, CAL, "a-9", "ev9")),
            ]
        )
        links = {i.link.activity_guid: i for i in store.all_links(USER, CAL)}
        assert sorted(links) == ["a-1", "a-3"]
        assert (links["a-1"].base, links["a-1"].intent) == (base(), None)
        assert links["a-3"].link.event_id == "ev2"
        assert store.quarantined(USER, CAL) == []
        cursor = Cursor(USER, CAL, "token-2", 7, T0)
        run = RunRecord(USER, CAL, T0, T0 + timedelta(seconds=1), RunCounts(linked=1))
        store.record_items([SavedItem(Link(USER, CAL, "a-2", "ev4"), base())], run, cursor)
        assert store.count_links(USER, CAL) == 3
        assert store.cursor(USER, CAL) == cursor
        assert store.last_runs(USER) == [run]

    # ------------------------------------------------------------------ quarantine

    def test_quarantine_counts_attempts_and_a_commit_clears_it(self, store: SyncStateStore) -> None:
        item = QuarantinedItem(USER, CAL, None, "ev9", QuarantineSide.CALENDAR, "title too long", T0)
        store.quarantine(item)
        store.quarantine(
            QuarantinedItem(USER, CAL, None, "ev9", QuarantineSide.CALENDAR, "still too long", T0 + timedelta(hours=1))
        )
        (held_item,) = store.quarantined(USER, CAL)
        assert (held_item.attempts, held_item.reason) == (2, "still too long")
        assert store.due_for_retry(USER, CAL, T0) == []
        assert len(store.due_for_retry(USER, CAL, T0 + timedelta(hours=1))) == 1
        store.save_item(Link(USER, CAL, "a-9", "ev9"), base())
        assert store.quarantined(USER, CAL) == []

    def test_quarantined_items_are_kept_per_item_and_come_due_in_turn(self, store: SyncStateStore) -> None:
        later = T0 + timedelta(hours=2)
        store.quarantine(QuarantinedItem(USER, CAL, "a-1", None, QuarantineSide.PSA, "no type", later))
        store.quarantine(QuarantinedItem(USER, CAL, "a-2", "ev2", QuarantineSide.CALENDAR, "refused", T0))
        store.quarantine(QuarantinedItem(USER, "other@example.com", "a-1", None, QuarantineSide.PSA, "no", T0))
        assert [held(q) for q in store.quarantined(USER, CAL)] == [
            ("a-2", "ev2", 1, "refused"),
            ("a-1", None, 1, "no type"),
        ]
        assert [held(q) for q in store.due_for_retry(USER, CAL, T0 + timedelta(hours=1))] == [
            ("a-2", "ev2", 1, "refused")
        ]
        assert len(store.due_for_retry(USER, CAL, later)) == 2
        (side,) = {q.side for q in store.quarantined(USER, CAL) if q.activity_guid == "a-1"}
        assert side is QuarantineSide.PSA

    def test_retry_now_makes_one_item_due_and_keeps_its_attempts(self, store: SyncStateStore) -> None:
        later = T0 + timedelta(hours=2)
        store.quarantine(QuarantinedItem(USER, CAL, "a-1", None, QuarantineSide.PSA, "no type", later))
        store.quarantine(QuarantinedItem(USER, CAL, "a-1", None, QuarantineSide.PSA, "still no type", later))
        store.quarantine(QuarantinedItem(USER, CAL, "a-2", "ev2", QuarantineSide.CALENDAR, "refused", later))
        assert store.retry_now(USER, CAL, "a-1", None, T0) is True
        assert [held(q) for q in store.due_for_retry(USER, CAL, T0)] == [("a-1", None, 2, "still no type")]
        assert store.retry_now(USER, CAL, "a-9", None, T0) is False  # nothing set aside by that key
        assert store.retry_now("u-2", CAL, "a-2", "ev2", T0) is False  # another user's is not theirs

    def test_removing_an_item_clears_its_quarantine(self, store: SyncStateStore) -> None:
        link = Link(USER, CAL, "a-1", "ev1")
        store.save_item(link, base())
        store.quarantine(QuarantinedItem(USER, CAL, "a-1", None, QuarantineSide.PSA, "refused", T0))
        store.quarantine(QuarantinedItem(USER, CAL, "a-7", "ev7", QuarantineSide.PSA, "unrelated", T0))
        store.remove_item(link)
        assert [q.activity_guid for q in store.quarantined(USER, CAL)] == ["a-7"]

    def test_an_intent_leaves_the_quarantine_alone(self, store: SyncStateStore) -> None:
        link = Link(USER, CAL, "a-1", "ev1")
        store.quarantine(QuarantinedItem(USER, CAL, "a-1", "ev1", QuarantineSide.CALENDAR, "refused", T0))
        store.save_intent(link, Intent("w-1", FIELDS, None, FIELDS, T0))
        assert [q.reason for q in store.quarantined(USER, CAL)] == ["refused"]

    # ------------------------------------------------------------------ conflicts

    def test_conflicts_come_back_whole_newest_first_per_user(self, store: SyncStateStore) -> None:
        older = Conflict("c-1", USER, "a-1", "ev1", ("location",), FIELDS, FIELDS, RICH, ConflictWinner.CALENDAR, T0)
        newer = Conflict(
            "c-2", USER, "a-2", "ev2", ("summary", "start"), None, RICH, FIELDS, ConflictWinner.PSA, T0 + timedelta(1)
        )
        store.record_conflict(older)
        store.record_conflict(newer)
        store.record_conflict(older)  # the same conflict seen again after a crash is one record
        store.record_conflict(
            Conflict("c-3", "u-2", "a-1", "ev1", ("location",), None, FIELDS, FIELDS, older.winner, T0)
        )
        assert store.conflicts(USER) == [newer, older]
        assert store.conflicts(USER, limit=1) == [newer]
        assert store.conflicts("nobody") == []

    # ------------------------------------------------------------------ progress

    def test_a_cursor_is_none_before_the_first_sync_then_what_was_saved(self, store: SyncStateStore) -> None:
        assert store.cursor(USER, CAL) is None
        store.save_cursor(Cursor(USER, CAL, "token-1", 42, T0))
        assert store.cursor(USER, CAL) == Cursor(USER, CAL, "token-1", 42, T0)
        store.save_cursor(Cursor(USER, CAL, None, 43, None))  # a token that expired is forgotten
        assert store.cursor(USER, CAL) == Cursor(USER, CAL, None, 43, None)
        assert store.cursor(USER, "other@example.com") is None
        assert store.cursor("u-2", CAL) is None

    def test_the_lowest_hub_position_is_of_the_users_asked_about(self, store: SyncStateStore) -> None:
        assert store.lowest_hub_seq([USER, "u-2"]) is None  # nobody has synced yet
        store.save_cursor(Cursor(USER, CAL, "t", 40, T0))
        store.save_cursor(Cursor("u-2", CAL, "t", 7, T0))
        store.save_cursor(Cursor("u-3", CAL, "t", 3, T0))
        assert store.lowest_hub_seq([USER, "u-2", "u-9"]) == 7
        assert store.lowest_hub_seq([USER]) == 40
        assert store.lowest_hub_seq(["u-9"]) is None

    def test_a_run_recorded_with_its_advance_moves_the_cursor_with_it(self, store: SyncStateStore) -> None:
        store.save_cursor(Cursor(USER, CAL, "token-1", 42, T0))
        run = RunRecord(USER, CAL, T0, T0, RunCounts(events_created=1))
        store.record_run(run, Cursor(USER, CAL, "token-2", 50, T0))
        assert store.cursor(USER, CAL) == Cursor(USER, CAL, "token-2", 50, T0)
        assert store.last_runs(USER) == [run]
        store.record_run(RunRecord(USER, CAL, T0, T0, RunCounts()))  # an idle run: its record alone
        assert store.cursor(USER, CAL) == Cursor(USER, CAL, "token-2", 50, T0)

    def test_runs_since_are_every_users_newest_first(self, store: SyncStateStore) -> None:
        old = RunRecord(USER, CAL, T0 - timedelta(days=2), T0, RunCounts(linked=1))
        mine = RunRecord(USER, CAL, T0, T0 + timedelta(seconds=3), RunCounts(events_created=2))
        theirs = RunRecord("u-2", CAL, T0 + timedelta(minutes=1), None, RunCounts(), error="refused")
        for run in (old, mine, theirs):
            store.record_run(run)
        assert store.runs_since(T0 - timedelta(hours=1)) == [theirs, mine]
        assert store.runs_since(T0 - timedelta(hours=1), limit=1) == [theirs]

    def test_runs_come_back_whole_newest_first_per_user(self, store: SyncStateStore) -> None:
        assert store.last_runs(USER) == []
        for i in range(3):
            store.record_run(
                RunRecord(USER, CAL, T0 + timedelta(minutes=i), T0 + timedelta(minutes=i), RunCounts(linked=i))
            )
        failed = RunRecord(
            USER,
            CAL,
            T0 + timedelta(minutes=5),
            None,
            RunCounts(events_created=1, quarantined=2),
            halted_reason="too many deletions",
            error="Unavailable: the hub database does not answer",
            dry_run=True,
        )
        store.record_run(failed)
        store.record_run(RunRecord("u-2", CAL, T0, T0, RunCounts()))
        runs = store.last_runs(USER)
        assert runs[0] == failed
        assert [r.counts.linked for r in runs[1:]] == [2, 1, 0]
        assert store.last_runs(USER, limit=2) == list(runs[:2])
