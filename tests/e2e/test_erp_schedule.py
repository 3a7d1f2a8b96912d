"""ERP-7 inside `tandem serve`: `run_forever` runs the integration every interval, only while
it is enabled, in a worker thread; a run that fails as a whole is recorded and the schedule
goes on. With the demo ERP and the hub, on SQLite and PostgreSQL, and a short interval."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.runtime.erp import run_forever
from tests.integration.visma_business.hub_world import HubWorld, hub_world


@pytest.fixture
def world(tandem: bootstrap.Tandem, database_kind: str, tmp_path: Path) -> Iterator[HubWorld]:
    with hub_world(tandem, database_kind, tmp_path) as made:
        yield made


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for `condition`; the generous limit only keeps a broken test from hanging."""
    for _ in range(3000):
        if await asyncio.to_thread(condition):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


def rename_table(world: HubWorld, old: str, new: str) -> None:
    with world.tandem.erp_engines[0].begin() as conn:
        conn.execute(sa.text(f'ALTER TABLE "{old}" RENAME TO "{new}"'))


def test_erp_7_the_server_runs_it_every_interval_only_while_enabled_and_survives_a_failed_run(
    world: HubWorld,
) -> None:
    ticks: list[datetime] = []

    def clock() -> datetime:
        ticks.append(world.clock.now)
        return world.clock.now

    def runs() -> int:
        return len(world.store.run_log(100))

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(run_forever(lambda: world.integration, 0.05, stop, clock))
        await until(lambda: len(ticks) >= 3, "three ticks")
        assert runs() == 0  # disabled: the ticks came and went, nothing ran

        world.store.set_enabled(True)
        await until(lambda: runs() >= 2, "two runs")
        first_two = list(reversed(world.store.run_log(100)))[:2]
        assert all(entry.report is not None for entry in first_two)

        await asyncio.to_thread(rename_table, world, "Actor", "ActorAway")  # the ERP breaks
        await until(lambda: any(e.error for e in world.store.run_log(100)), "a failed run recorded")
        await asyncio.to_thread(rename_table, world, "ActorAway", "Actor")  # and is mended
        await until(lambda: world.store.run_log(1)[0].report is not None, "a good run after the failed one")

        world.store.set_enabled(False)
        stopped_at = runs()
        ticks_then = len(ticks)
        await until(lambda: len(ticks) >= ticks_then + 3, "three more ticks")
        assert runs() in (stopped_at, stopped_at + 1)  # at most the run already under way
        stop.set()
        await task

    asyncio.run(scenario())

    log = list(reversed(world.store.run_log(1000)))
    writes = [entry.report.writes if entry.report is not None else None for entry in log]
    assert writes[0] is not None
    assert writes[0] > 300  # the first run did the work
    assert writes[1] == 0  # the next one had nothing to do
    failed = next(entry for entry in log if entry.error)
    assert (failed.error or "").startswith("ConfigurationError: Visma Business database:")
    assert "(check the [erp.visma] table and column names)" in (failed.error or "")
    assert writes[-1] is not None  # it went on after the failure
