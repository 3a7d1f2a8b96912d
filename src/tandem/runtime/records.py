"""What the items of a run record in the store, batched as their calendar writes are.

Items run many at a time (`execute.execute_all`), so their records arrive close together:
an item's intent before its writes, its commit (link + base, or the link dropped) after
them. `ItemRecords` sends those that arrive within `window_s` of each other to the store as
one transaction (`SyncStateStore.record_items`), each record whole in it:

- an intent is awaited (it must hold before the item's first write);
- a commit is not: the item carries on (it has nothing left to do) while its commit waits
  for the next batch, and the run's last commits go in the same transaction as the run's
  record and the cursor it advanced to (`finish`). A run with one change thus takes two
  transactions (intent; commit + run + cursor), not three.

A batch the store refuses is tried again record by record, so one item's failure stays its
own. A crash before a commit's batch holds leaves that item's intent and old base, which the
next run plans from (as a crash between an item's writes and its commit always did).
"""

from __future__ import annotations

import asyncio
import logging

from tandem.domain import errors
from tandem.domain.syncstate import Cursor, ItemRecord, RunRecord
from tandem.ports.state import SyncStateStore
from tandem.runtime.batching import Batching

log = logging.getLogger("tandem.runtime.records")
Pending = tuple[ItemRecord, "asyncio.Future[None]"]


class ItemRecords(Batching[ItemRecord, None]):
    def __init__(self, store: SyncStateStore, window_s: float = 0.005, max_records: int = 500) -> None:
        super().__init__(window_s, max_records)
        self.store = store

    async def write(self, record: ItemRecord) -> None:
        """Record it with the next batch and return once that batch holds."""
        await self.submit(record)

    def hold(self, record: ItemRecord) -> asyncio.Future[None]:
        """Record it with the next batch, or the run's record; the future says when it holds."""
        return self.submit(record)

    async def finish(self, run: RunRecord, advance: Cursor | None) -> None:
        """The records still waiting, the run's record and its cursor, in one transaction.

        When that fails, the records are tried alone (each future says how that went) and
        the error is raised: the caller records the run without moving the cursor."""
        await self.settled()
        batch = self.take()
        try:
            await asyncio.to_thread(self.store.record_items, [record for record, _ in batch], run, advance)
        except Exception:
            await self._one_by_one(batch)
            raise
        _resolve(batch, None)

    async def _send(self, batch: list[Pending]) -> None:
        try:
            await asyncio.to_thread(self.store.record_items, [record for record, _ in batch])
        except Exception as error:
            if len(batch) == 1:
                _resolve(batch, error)
            else:
                await self._one_by_one(batch)
            return
        _resolve(batch, None)

    async def _one_by_one(self, batch: list[Pending]) -> None:
        for record, future in batch:
            try:
                await asyncio.to_thread(self.store.record_items, [record])
            except Exception as error:
                _resolve([(record, future)], error)
            else:
                _resolve([(record, future)], None)


def _resolve(batch: list[Pending], error: BaseException | None) -> None:
    if error is not None and not isinstance(error, errors.TandemError):
        log.error("recording an item failed unexpectedly", exc_info=error)
    for _, future in batch:
        if future.done():
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
