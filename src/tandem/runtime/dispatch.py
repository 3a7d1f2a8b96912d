"""Dispatch: "run this user's sync now; never two at once for the same user; at most one
queued". One small interface, so the scheduling rules need no rewriting when the work is
spread over machines (a PostgreSQL job engine such as procrastinate implements the same
interface with a per-user lock and a queueing lock).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from tandem.runtime import metrics

log = logging.getLogger("tandem.runtime.dispatch")

UserJob = Callable[[str], Awaitable[None]]
ROUTINE = "due"
"""The timer's reason: the user's calendar is due to be read again. Under load these runs
wait: a run for a change someone just made is the one they are waiting to see."""


class Dispatcher(Protocol):
    def request(self, user_guid: str, reason: str) -> None:
        """Ask for a run of the user's sync as soon as a worker is free. A request while the
        user's sync runs queues one more run; further requests fold into that one. The
        timer's requests (`ROUTINE`) wait behind every other (a hub change, a user at work)."""
        ...

    def is_scheduled(self, user_guid: str) -> bool:
        """The user's sync is running or waiting to run."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Finish the runs in progress (graceful shutdown); queued runs are dropped (their
        users are due again on the next start)."""
        ...


class AsyncioDispatcher:
    """The in-process implementation: `workers` runs at once, over an asyncio queue (the
    timer's requests behind the others, each kind first come, first served)."""

    def __init__(self, job: UserJob, workers: int = 50) -> None:
        self._job = job
        self._workers = workers
        self._queue: asyncio.PriorityQueue[tuple[bool, int, str]] = asyncio.PriorityQueue()
        self._order = itertools.count()
        self._routine: set[str] = set()
        """Users waiting for the timer's reason alone."""
        self._waiting: set[str] = set()
        self._asked: dict[str, float] = {}
        """When each waiting user's run was asked for (monotonic), for the queue's wait."""
        self._running: set[str] = set()
        self._again: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._current: dict[str, asyncio.Task[None]] = {}
        self.reasons: dict[str, str] = {}

    def request(self, user_guid: str, reason: str) -> None:
        if user_guid in self._running:
            self._again.add(user_guid)
            self.reasons[user_guid] = reason
        elif user_guid not in self._waiting:
            self._waiting.add(user_guid)
            self._asked[user_guid] = time.monotonic()
            metrics.queue_depth.set(len(self._waiting))
            self.reasons[user_guid] = reason
            self._put(user_guid, routine=reason == ROUTINE)
        elif reason != ROUTINE and user_guid in self._routine:
            self.reasons[user_guid] = reason
            self._put(user_guid, routine=False)  # ahead now; the routine entry is skipped

    def _put(self, user_guid: str, *, routine: bool) -> None:
        (self._routine.add if routine else self._routine.discard)(user_guid)
        self._queue.put_nowait((routine, next(self._order), user_guid))

    def is_scheduled(self, user_guid: str) -> bool:
        return user_guid in self._running or user_guid in self._waiting

    @property
    def busy(self) -> bool:
        return bool(self._running or self._waiting or self._again)

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work(), name=f"sync-worker-{i}") for i in range(self._workers)]

    async def stop(self, grace_s: float = 30.0) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        running = list(self._current.values())
        if running:
            # Runs in progress finish (each item commits on its own, so cutting one short
            # would be safe too, but finishing is cleaner); then they are cut.
            _, late = await asyncio.wait(running, timeout=grace_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def idle(self) -> None:
        """Wait until nothing is running or waiting (for tests and `tandem sync`)."""
        while self.busy:
            await asyncio.sleep(0.01)

    async def _work(self) -> None:
        while True:
            routine, _, user = await self._queue.get()
            if user not in self._waiting or routine != (user in self._routine):
                continue  # an entry overtaken by a more urgent one for the same user
            self._waiting.discard(user)
            self._routine.discard(user)
            self._running.add(user)
            metrics.queue_depth.set(len(self._waiting))
            metrics.queue_wait.observe(time.monotonic() - self._asked.pop(user, time.monotonic()))
            run = asyncio.create_task(self._run(user), name=f"sync-{user}")
            self._current[user] = run
            await asyncio.shield(run)  # a cancelled worker leaves its run to finish (see stop)

    async def _run(self, user: str) -> None:
        try:
            await self._job(user)
        except Exception:
            # The job records its own failures; this is the last line: never lose a worker.
            log.exception("sync of user %s failed unexpectedly", user)
        finally:
            self._current.pop(user, None)
            self._running.discard(user)
            if user in self._again:
                self._again.discard(user)
                self.request(user, self.reasons.get(user, "again"))
