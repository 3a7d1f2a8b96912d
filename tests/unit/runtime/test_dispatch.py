"""Dispatch: never two runs at once for the same user, at most one more queued, and a
graceful stop lets the run in progress finish."""

from __future__ import annotations

import asyncio

from tandem.runtime.dispatch import ROUTINE, AsyncioDispatcher


def test_never_two_at_once_per_user_and_at_most_one_queued() -> None:
    running: dict[str, int] = {}
    most: dict[str, int] = {}
    runs: list[str] = []
    release = asyncio.Event()

    async def job(user: str) -> None:
        running[user] = running.get(user, 0) + 1
        most[user] = max(most.get(user, 0), running[user])
        runs.append(user)
        await release.wait()
        running[user] -= 1

    async def scenario() -> None:
        dispatcher = AsyncioDispatcher(job, workers=4)
        await dispatcher.start()
        for _ in range(5):
            dispatcher.request("ann", "test")  # five asks while nothing has started yet: one run
        await asyncio.sleep(0.05)
        for _ in range(5):
            dispatcher.request("ann", "test")  # five asks while it runs: one more run, later
        dispatcher.request("bob", "test")
        await asyncio.sleep(0.05)
        assert dispatcher.is_scheduled("ann")
        release.set()
        await dispatcher.idle()
        await dispatcher.stop()

    asyncio.run(scenario())
    assert runs.count("ann") == 2
    assert runs.count("bob") == 1
    assert most == {"ann": 1, "bob": 1}


def test_stop_lets_the_run_in_progress_finish() -> None:
    finished: list[str] = []

    async def job(user: str) -> None:
        await asyncio.sleep(0.2)
        finished.append(user)

    async def scenario() -> None:
        dispatcher = AsyncioDispatcher(job, workers=2)
        await dispatcher.start()
        dispatcher.request("ann", "test")
        await asyncio.sleep(0.05)
        await dispatcher.stop(grace_s=5)

    asyncio.run(scenario())
    assert finished == ["ann"]


def test_a_failing_job_does_not_take_the_worker_down() -> None:
    seen: list[str] = []

    async def job(user: str) -> None:
        seen.append(user)
        if user == "bad":
            raise RuntimeError("boom")

    async def scenario() -> None:
        dispatcher = AsyncioDispatcher(job, workers=1)
        await dispatcher.start()
        dispatcher.request("bad", "test")
        dispatcher.request("good", "test")
        await dispatcher.idle()
        await dispatcher.stop()

    asyncio.run(scenario())
    assert seen == ["bad", "good"]


def test_cal_8_a_run_for_a_change_goes_ahead_of_the_timers_runs() -> None:
    """Under load the queue is long: a hub change (or a user at work) is run before the users
    the timer found due, even one already waiting for the timer; each kind in its order."""
    runs: list[str] = []
    release = asyncio.Event()

    async def job(user: str) -> None:
        runs.append(user)
        if user == "busy":
            await release.wait()

    async def scenario() -> None:
        dispatcher = AsyncioDispatcher(job, workers=1)
        await dispatcher.start()
        dispatcher.request("busy", ROUTINE)
        await asyncio.sleep(0.01)  # the one worker is taken
        for user in ("ann", "bob", "cid"):
            dispatcher.request(user, ROUTINE)
        dispatcher.request("dan", "hub change")
        dispatcher.request("cid", "hub change")
        dispatcher.request("bob", ROUTINE)
        release.set()
        await dispatcher.idle()
        await dispatcher.stop()

    asyncio.run(scenario())
    assert runs == ["busy", "dan", "cid", "ann", "bob"]
