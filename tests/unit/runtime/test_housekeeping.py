"""Housekeeping in `tandem serve`: a job runs now and on its interval, a failing run is
logged and the loop goes on, and it stops when asked."""

from __future__ import annotations

import asyncio

from tandem.runtime.housekeeping import every


def test_a_failing_run_does_not_stop_the_next_ones() -> None:
    calls: list[int] = []

    def job() -> str:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("the database was away")
        return "purged"

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(every(0.01, job, stop, "retention"))
        while len(calls) < 3:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(scenario())
    assert len(calls) >= 3
