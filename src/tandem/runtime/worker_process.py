"""The workers (calendar sync, retention, ERP runs) in a process of their own beside the API.

In one process, the API's event loop and the workers share one interpreter lock: under
load every sync's database and ORM work delays every answer, the heartbeat included, and
a flood of requests delays every sync (BEY-11). `tandem serve` therefore starts the workers
in a child process (`[serve] workers = "process"`, the default) and tells it what only the
API sees at once:

    changed     a hub transaction changed activities: the sync's follower looks now
                (it also looks at the change log every 0.25 s on its own)
    active      a user logged in or works in the PSA: their sync runs soon (debounced)
    stop        the server is shutting down: runs in progress finish, then the child exits

Parent side, `WorkerProcess`: the callers (API handlers, in any thread) never block: a
message goes to an in-memory queue that one thread sends on. When the child dies
unexpectedly, it is started again after a back-off (1 s, doubling to 60 s); its users
were committed item by item, so a new child simply goes on.

Child side, `announce_ready` once its workers run (the parent, given `ready_timeout_s`,
waits for that before the server says it is ready), and `listen`: one thread reads the pipe.
End of file means the parent is gone (killed, say, with SIGKILL): the child stops as it would
on `stop`, so no orphan keeps syncing beside the next server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from tandem.runtime import metrics

log = logging.getLogger("tandem.runtime.workers")

Message = tuple[str, str]
CHANGED, ACTIVE, STOP = "changed", "active", "stop"
READY = "ready"
"""The one message the child sends: its workers run."""
FIRST_RESTART_S = 1.0
MAX_RESTART_S = 60.0


class WorkerProcess:
    """The parent's handle on the child running `target(*args, connection)`."""

    def __init__(
        self,
        target: Callable[..., None],
        args: tuple[Any, ...],
        *,
        stop_grace_s: float = 40.0,
        ready_timeout_s: float | None = None,
    ) -> None:
        self._target = target
        self._args = args
        self._stop_grace_s = stop_grace_s
        self._ready_timeout_s = ready_timeout_s
        self._context = multiprocessing.get_context("spawn")  # nothing of the server's threads or sockets
        self._outbox: queue.SimpleQueue[Message | None] = queue.SimpleQueue()
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self._sender: threading.Thread | None = None
        self._started_at = 0.0

    # ------------------------------------------------------------------ what the API tells

    def hub_changed(self) -> None:
        self._outbox.put((CHANGED, ""))

    def user_active(self, user_guid: str) -> None:
        self._outbox.put((ACTIVE, user_guid))

    # ------------------------------------------------------------------ lifecycle

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[WorkerProcess]:
        """The child runs (and is restarted when it dies) until the block ends; then it is
        stopped gracefully, and killed if it does not stop within `stop_grace_s`. With
        `ready_timeout_s`, the block starts once the child said its workers run (or that
        long has passed, or it ended)."""
        self._start()
        if self._ready_timeout_s is not None:
            await asyncio.to_thread(self._wait_ready, self._ready_timeout_s)
        self._sender = threading.Thread(target=self._send_forever, name="worker-pipe", daemon=True)
        self._sender.start()
        watch = asyncio.create_task(self._supervise(), name="worker-supervisor")
        try:
            yield self
        finally:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
            await asyncio.to_thread(self._stop)

    def _start(self) -> None:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=self._target, args=(*self._args, theirs), name="tandem-worker")
        process.start()
        theirs.close()  # only the child holds its end: its reads end when we are gone
        self._process, self._connection = process, ours
        self._started_at = time.monotonic()
        log.info("workers started in process %s", process.pid)

    async def _supervise(self) -> None:
        wait = FIRST_RESTART_S
        while True:
            process = self._process
            assert process is not None
            await _ended(process)
            if process.pid is not None:
                metrics.process_gone(process.pid)  # its queue no longer waits
            if time.monotonic() - self._started_at > MAX_RESTART_S:
                wait = FIRST_RESTART_S  # it stayed up a while: no back-off; one that keeps dying waits longer
            log.error(
                "the worker process %s ended (exit code %s); starting it again in %.0f s",
                process.pid,
                process.exitcode,
                wait,
            )
            await asyncio.sleep(wait)
            self._start()
            wait = min(wait * 2, MAX_RESTART_S)

    def _wait_ready(self, timeout_s: float) -> None:
        connection = self._connection
        assert connection is not None
        try:
            if connection.poll(timeout_s) and connection.recv() == (READY, ""):
                return
        except (EOFError, OSError):
            pass  # it ended before it was ready: the supervisor starts another
        log.warning("the worker process did not say it started within %.0f s; serving anyway", timeout_s)

    def _send_forever(self) -> None:
        while True:
            message = self._outbox.get()
            if message is None:
                return
            batch = {message}
            with contextlib.suppress(queue.Empty):
                while len(batch) < 1000:
                    more = self._outbox.get_nowait()
                    if more is None:
                        self._outbox.put(None)
                        break
                    batch.add(more)
            connection = self._connection
            for item in batch:  # the same signal twice in a row says nothing more
                try:
                    if connection is not None:
                        connection.send(item)
                except (OSError, ValueError):
                    break  # the child is gone; the supervisor starts another, which reads the log anyway

    def _stop(self) -> None:
        process, connection = self._process, self._connection
        self._outbox.put(None)
        if self._sender is not None:
            self._sender.join(timeout=5)
        if process is None or connection is None:
            return
        with contextlib.suppress(OSError, ValueError):
            connection.send((STOP, ""))
        process.join(self._stop_grace_s)
        if process.is_alive():
            log.error("the worker process did not stop within %.0f s; killing it", self._stop_grace_s)
            process.kill()
            process.join()
        connection.close()


async def _ended(process: BaseProcess) -> None:
    """When the process has ended (its sentinel becomes readable), reaped. Waiting on the
    loop, not in a thread: a thread left joining after a cancel would race `_stop`'s join."""
    loop = asyncio.get_running_loop()
    ended: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not ended.done():
            ended.set_result(None)

    loop.add_reader(process.sentinel, readable)
    try:
        await ended
    finally:
        loop.remove_reader(process.sentinel)
    process.join()


@dataclass(frozen=True)
class Hooks:
    """What the child does with each message, called from the reading thread."""

    changed: Callable[[], None]
    active: Callable[[str], None]
    stop: Callable[[], None]


def announce_ready(connection: Connection) -> None:
    """Tell the parent the workers run (`WorkerProcess(ready_timeout_s=...)` waits for it)."""
    with contextlib.suppress(OSError, ValueError):
        connection.send((READY, ""))


def listen(connection: Connection, hooks: Hooks) -> threading.Thread:
    """Read the parent's messages in a thread until `stop` or the parent is gone."""

    def read() -> None:
        while True:
            try:
                kind, value = connection.recv()
            except (EOFError, OSError):
                log.warning("the server process is gone; the workers stop")
                hooks.stop()
                return
            if kind == CHANGED:
                hooks.changed()
            elif kind == ACTIVE:
                hooks.active(value)
            elif kind == STOP:
                hooks.stop()
                return

    thread = threading.Thread(target=read, name="server-pipe", daemon=True)
    thread.start()
    return thread
