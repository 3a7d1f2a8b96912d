"""The contract every `ErpStateStore` keeps, reused by the in-memory store (here) and the
SQL store on SQLite and PostgreSQL (tests/e2e/test_erp_state_store.py).

A subclass provides the `store` fixture: a fresh, empty store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from tandem.domain.erp import (
    BaseSnapshot,
    Conflict,
    EntityReport,
    ErpEntity,
    ErpLink,
    ExcludedItem,
    Failure,
    RunReport,
    Side,
)
from tandem.ports.erp import ErpStateStore

T0 = datetime(2025, 9, 1, 8, 0, 12, 345000, tzinfo=UTC)
C, E, INVOICE = ErpEntity.CUSTOMER, ErpEntity.EMPLOYEE, ErpEntity.INVOICE


def a_report(started: datetime, *, failed: str = "the ERP refuses it") -> RunReport:
    return RunReport(
        started_at=started,
        finished_at=started + timedelta(seconds=3, microseconds=250),
        dry_run=False,
        entities=(
            EntityReport(
                C,
                created=("20001", "20002"),
                updated=("10003",),
                linked=("10003",),
                excluded=(ExcludedItem("10007", "excluded by Gr4 = 1; left alone on both sides"),),
                failed=(
                    Failure("10005", failed, Side.ERP, None),
                    Failure(None, "the PSA record has no number/code", Side.PSA, "g-9"),
                    Failure("20003", "InvalidRequest: name 'Ä' … is 201 characters", None, "g-3"),
                ),
            ),
            EntityReport(INVOICE, created=("270001",)),
        ),
        conflicts=(Conflict(C, "10003", "name", "Acme Oy", "Acme Group Oy", "ACME Oyj", Side.ERP),),
    )


class ErpStateStoreContract:
    def test_erp_7_links_come_back_as_saved_per_entity(self, store: ErpStateStore) -> None:
        assert store.links(C) == {}
        first = ErpLink(C, "g-1", "10001", BaseSnapshot({"name": "Acme Oy", "email": None}), T0)
        other = ErpLink(E, "g-1", "7", None, None)
        store.save_link(first)
        store.save_link(other)
        store.save_link(ErpLink(C, "g-2", "10002", BaseSnapshot({}), T0))

        assert store.links(C) == {"g-1": first, "g-2": ErpLink(C, "g-2", "10002", BaseSnapshot({}), T0)}
        assert store.links(E) == {"g-1": other}
        assert store.links(C)["g-1"].base == BaseSnapshot({"name": "Acme Oy", "email": None})
        assert store.links(C)["g-2"].base == BaseSnapshot({})  # an empty base is not "no base"

    def test_erp_7_saving_a_link_again_replaces_it(self, store: ErpStateStore) -> None:
        store.save_link(ErpLink(C, "g-1", "10001", BaseSnapshot({"name": "Acme Oy"}), T0))
        later = T0 + timedelta(minutes=10)
        store.save_link(ErpLink(C, "g-1", "10001", BaseSnapshot({"name": "Acme Group Oy"}), later))

        (link,) = store.links(C).values()
        assert link.base == BaseSnapshot({"name": "Acme Group Oy"})
        assert link.linked_at == later

    def test_erp_7_a_removed_link_is_gone_and_removing_twice_is_harmless(self, store: ErpStateStore) -> None:
        store.save_link(ErpLink(C, "g-1", "10001", None, T0))
        store.save_link(ErpLink(C, "g-2", "10002", None, T0))

        store.remove_link(C, "g-1")
        store.remove_link(C, "g-1")
        store.remove_link(E, "g-2")  # another entity's link of that guid: none

        assert set(store.links(C)) == {"g-2"}

    def test_erp_7_link_times_keep_their_instant_whatever_the_zone(self, store: ErpStateStore) -> None:
        helsinki_summer = timezone(timedelta(hours=3))
        store.save_link(ErpLink(C, "g-1", "10001", None, T0.astimezone(helsinki_summer)))

        assert store.links(C)["g-1"].linked_at == T0

    def test_erp_7_recorded_runs_come_back_whole_newest_first(self, store: ErpStateStore) -> None:
        assert store.runs() == ()
        older, newer = a_report(T0), a_report(T0 + timedelta(minutes=10), failed="Unavailable: try later")
        store.record_run(older)
        store.record_run(newer)

        assert tuple(store.runs()) == (newer, older)
        assert tuple(store.runs(limit=1)) == (newer,)
        assert store.runs()[0].entity(C).counts() == {
            "created": 2,
            "updated": 1,
            "linked": 1,
            "excluded": 1,
            "failed": 3,
        }

    def test_erp_3_the_enabled_flag_starts_off_and_keeps_what_was_set(self, store: ErpStateStore) -> None:
        assert store.is_enabled() is False
        store.set_enabled(True)
        assert store.is_enabled() is True
        store.set_enabled(True)
        store.set_enabled(False)
        assert store.is_enabled() is False
