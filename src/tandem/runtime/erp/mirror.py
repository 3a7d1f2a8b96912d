"""`ErpMirror`: the ERP's records kept between runs, refreshed by incremental reads.

The planner needs the whole picture of an entity (is this key taken? is this name
used under another number?), but reading 10,000 customers every ten minutes to
find the three that changed is wasteful. The mirror reads an entity fully once,
then only rows stamped at or after the last stamp it saw (the boundary minute
again, merged by row id, since ChTm has minute resolution). Incremental reads
cannot see a row disappear or a Prod/R-table row renumbered (its old row id
simply stops changing), so every `full_read_every`-th read is a full one again.

The boundary minute is read again only while it may still gain rows: once a read has
happened `SETTLED` after that minute ended, later reads start at the minute after it.
Otherwise a large run (thousands of rows stamped in its last minute, Tandem's own writes
among them) would be read back in full by every later read until an ERP user changed
something. A row stamped that much later than its minute (a clock skewed by minutes, a
transaction held open) waits for the next full read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tandem.domain.erp import ErpEntity, ErpRecord
from tandem.ports.erp import ErpPort

SETTLED = timedelta(minutes=5)
"""How long after its minute a change stamp is taken to be final (see above)."""


@dataclass
class _EntityMirror:
    rows: dict[str, ErpRecord]
    cursor: datetime | None
    read_at: datetime | None = None
    """The `now` of the last read (full or incremental)."""
    incremental_reads: int = 0

    def settled(self) -> bool:
        """The cursor's minute was read again after it could still gain rows."""
        if self.cursor is None or self.read_at is None:
            return False
        minute_end = self.cursor.replace(second=0, microsecond=0) + timedelta(minutes=1)
        return self.read_at - minute_end >= SETTLED


def _latest(records: list[ErpRecord] | tuple[ErpRecord, ...]) -> datetime | None:
    stamps = [r.changed_at for r in records if r.changed_at is not None]
    return max(stamps) if stamps else None


@dataclass
class ErpMirror:
    full_read_every: int = 6
    _entities: dict[ErpEntity, _EntityMirror] = field(default_factory=dict)

    def records(
        self, port: ErpPort, entity: ErpEntity, *, full: bool = False, now: datetime | None = None
    ) -> list[ErpRecord]:
        mirror = self._entities.get(entity)
        if (
            full
            or mirror is None
            or mirror.cursor is None
            or not port.has_change_stamps
            or mirror.incremental_reads + 1 >= self.full_read_every
        ):
            records = list(port.read(entity))
            self._entities[entity] = _EntityMirror({r.row_id: r for r in records}, _latest(records), now)
            return records
        since = mirror.cursor
        if mirror.settled():
            since = since.replace(second=0, microsecond=0) + timedelta(minutes=1)  # its minute is over
        changes = port.read_changed(entity, since)
        mirror.read_at = now
        for record in changes.records:
            mirror.rows[record.row_id] = record
        for row_id in changes.gone_row_ids:
            mirror.rows.pop(row_id, None)
        if changes.records and changes.cursor is not None:  # nothing new: the cursor stays where it was
            mirror.cursor = max(changes.cursor, mirror.cursor)
        mirror.incremental_reads += 1
        return list(mirror.rows.values())

    def forget(self) -> None:
        """Drop everything: the next read of every entity is a full one."""
        self._entities.clear()
