"""ERP-7: the schedule's own rules, with the in-memory stand-ins: set-up retried after it
fails, each failed run recorded, the ERP mirror dropped after a failure, stop honoured."""

from __future__ import annotations

import asyncio

from tandem.connectors.memory.master_data import MemoryErpStateStore, MemoryPsaMasterData
from tandem.domain.erp import default_rules
from tandem.domain.errors import Unavailable
from tandem.runtime.erp import ErpIntegration, ErpMirror, run_forever
from tests.unit.erp.fakes import T0, C, FakeErp, erp


class FlakyErp(FakeErp):
    """Reads fail while `down` is set, as an unreachable ERP database would."""

    down = False
    full_reads = 0

    def read(self, entity):  # type: ignore[no-untyped-def]
        if self.down:
            raise Unavailable("the ERP database does not answer")
        self.full_reads += 1
        return super().read(entity)


def test_erp_7_set_up_and_runs_that_fail_are_retried_recorded_and_never_stop_the_schedule() -> None:
    fake = FlakyErp([erp(C, "10001", "Acme Oy")])
    store = MemoryErpStateStore()
    store.set_enabled(True)
    integration = ErpIntegration(
        fake, MemoryPsaMasterData(), store, default_rules(), mirror=ErpMirror(full_read_every=1000), clock=lambda: T0
    )
    attempts: list[int] = []

    def make() -> ErpIntegration:
        attempts.append(1)
        if len(attempts) == 1:
            raise Unavailable("the hub database is starting")
        return integration

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(run_forever(make, 0.01, stop, lambda: T0))
        while not store.runs():
            await asyncio.sleep(0.01)
        fake.down = True
        while not store.run_errors:
            await asyncio.sleep(0.01)
        reads_before = fake.full_reads
        fake.down = False
        while len(store.runs()) < 2:
            await asyncio.sleep(0.01)
        assert fake.full_reads > reads_before  # the mirror was dropped: a full read again
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(scenario())

    assert len(attempts) == 2  # set-up failed once, then the integration was kept
    assert "Unavailable: the ERP database does not answer" in store.run_errors[0][2]
    assert store.runs()[-1].entity(C).created == ("10001",)


def test_erp_7_a_restart_waits_for_the_interval_after_the_last_recorded_run_then_runs() -> None:
    """`tandem serve` started again 10 minutes into a 1-hour interval runs nothing until the
    hour since the last run is over; one started after it runs at once."""
    from dataclasses import replace
    from datetime import timedelta

    fake = FakeErp([erp(C, "10001", "Acme Oy")])
    store = MemoryErpStateStore()
    store.set_enabled(True)
    integration = ErpIntegration(fake, MemoryPsaMasterData(), store, default_rules(), clock=lambda: T0)
    first = integration.run(T0 - timedelta(minutes=10))
    now = [T0]

    async def scenario() -> int:
        stop = asyncio.Event()
        task = asyncio.create_task(run_forever(lambda: integration, 3600, stop, lambda: now[0]))
        await asyncio.sleep(0.3)
        runs_while_due_later = len(store.runs())
        stop.set()
        await asyncio.wait_for(task, 10)  # a stop while it waits ends it at once
        return runs_while_due_later

    assert asyncio.run(scenario()) == 1  # the recorded one only
    store.record_run(replace(first, started_at=T0 - timedelta(hours=2)))  # the last run is older than the interval
    store_runs = len(store.runs())

    async def later() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(run_forever(lambda: integration, 3600, stop, lambda: now[0]))
        while len(store.runs()) == store_runs:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(later())
    assert len(store.runs()) == store_runs + 1
