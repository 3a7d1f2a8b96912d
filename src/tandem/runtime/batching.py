"""Many callers' small requests sent as one: the shape of `execute.WriteBatcher` (calendar
writes, one batch request) and `records.ItemRecords` (store records, one transaction).

Requests submitted within `window_s` of each other go together (up to `max_items`); each
caller gets its own request's outcome through its future.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batching(Generic[T, R]):
    def __init__(self, window_s: float, max_items: int) -> None:
        self.window_s = window_s
        self.max_items = max_items
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()

    def submit(self, item: T) -> asyncio.Future[R]:
        """Send `item` with the next batch; the future holds its outcome."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if len(self._pending) >= self.max_items:
            self._send_now()
        elif self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_later())
        return future

    async def settled(self) -> None:
        """Wait for the batches on their way (not for those still waiting)."""
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    def take(self) -> list[tuple[T, asyncio.Future[R]]]:
        """The requests still waiting, taken out of the next batch (the caller sends them)."""
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None
        batch, self._pending = self._pending, []
        return batch

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.window_s)
        self._flusher = None
        self._send_now()

    def _send_now(self) -> None:
        batch = self.take()
        if batch:
            task = asyncio.create_task(self._send(batch))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        """Send the batch and settle every future in it."""
        raise NotImplementedError
