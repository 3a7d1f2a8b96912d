"""The ERP integration's state in the hub's database, on SQLite and PostgreSQL: the
`ErpStateStore` contract, runs that failed as a whole, and batches of items that commit
together while a failing item is rolled back alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tandem.domain.erp import ErpEntity, ErpLink
from tandem.store.db import Database
from tandem.store.erp_state import ItemWrites, SqlErpStateStore
from tests.support.erp_state_contract import T0, ErpStateStoreContract, a_report

C = ErpEntity.CUSTOMER


@pytest.fixture
def database(hub_database_url: str) -> Iterator[Database]:
    db = Database.from_url(hub_database_url)
    yield db
    db.dispose()


class TestSqlErpStateStore(ErpStateStoreContract):
    @pytest.fixture
    def store(self, database: Database) -> SqlErpStateStore:
        return SqlErpStateStore(database)


def test_erp_7_a_run_that_failed_as_a_whole_is_kept_beside_the_others(database: Database) -> None:
    store = SqlErpStateStore(database)
    store.record_run(a_report(T0))
    store.record_run_error(T0 + timedelta(minutes=10), T0 + timedelta(minutes=10, seconds=2), "Unavailable: no ERP")

    failed, ran = store.run_log()
    assert (failed.report, failed.error, failed.started_at) == (None, "Unavailable: no ERP", T0 + timedelta(minutes=10))
    assert ran.report == a_report(T0)
    assert store.runs() == (a_report(T0),)  # the port's view: reports only


def test_erp_7_a_failing_item_of_a_batch_is_rolled_back_alone(database: Database) -> None:
    writes = ItemWrites(database, batch_size=2)
    store = SqlErpStateStore(database, writes)

    with writes.batch():
        for n in range(5):
            try:
                with writes.item():
                    store.save_link(ErpLink(C, f"g-{n}", str(10000 + n), None, T0))
                    if n == 2:
                        raise ValueError("the PSA refused it")
            except ValueError:
                pass
            writes.checkpoint()

    assert set(store.links(C)) == {"g-0", "g-1", "g-3", "g-4"}


def test_erp_7_a_batch_commits_every_batch_size_items_and_a_crash_loses_only_the_open_ones(
    database: Database,
) -> None:
    writes = ItemWrites(database, batch_size=2)
    store = SqlErpStateStore(database, writes)

    def dies_after_three_items() -> None:
        with writes.batch():
            for n in range(3):
                with writes.item():
                    store.save_link(ErpLink(C, f"g-{n}", str(10000 + n), None, T0))
                writes.checkpoint()
            raise RuntimeError("the process died")

    with pytest.raises(RuntimeError):
        dies_after_three_items()

    assert set(SqlErpStateStore(database).links(C)) == {"g-0", "g-1"}  # the first full batch committed
