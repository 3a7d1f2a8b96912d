"""`ErpMirror`: the ERP's records kept between runs, refreshed by incremental reads.

The planner needs the whole picture of an entity (is this key taken? is this name
used under another number?), but reading 10,000 customers every ten minutes to
find the three that changed is wasteful. The mirror reads an entity fully once,
then only rows stamped at or after the last stamp it saw (the boundary minute
again, merged by row id, since ChTm has minute resolution). Incremental reads
cannot see a row disappear or a Prod/R-table row renumbered (its old row id
simply stops changing), so every `full_read_every`-th read is a full one again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tandem.domain.erp import ErpEntity, ErpRecord
from tandem.ports.erp import ErpPort


@dataclass
class _EntityMirror:
    rows: dict[str, ErpRecord]
    cursor: datetime | None
    incremental_reads: int = 0


def _latest(records: list[ErpRecord] | tuple[ErpRecord, ...]) -> datetime | None:
    stamps = [r.changed_at for r in records if r.changed_at is not None]
    return max(stamps) if stamps else None


@dataclass
class ErpMirror:
    full_read_every: int = 6
    _entities: dict[ErpEntity, _EntityMirror] = field(default_factory=dict)

    def records(self, port: ErpPort, entity: ErpEntity, *, full: bool = False) -> list[ErpRecord]:
        mirror = self._entities.get(entity)
        if (
            full
            or mirror is None
            or mirror.cursor is None
            or not port.has_change_stamps
            or mirror.incremental_reads + 1 >= self.full_read_every
        ):
            records = list(port.read(entity))
            self._entities[entity] = _EntityMirror({r.row_id: r for r in records}, _latest(records))
            return records
        changes = port.read_changed(entity, mirror.cursor)
        for record in changes.records:
            mirror.rows[record.row_id] = record
        for row_id in changes.gone_row_ids:
            mirror.rows.pop(row_id, None)
        if changes.cursor is not None:
            mirror.cursor = changes.cursor
        mirror.incremental_reads += 1
        return list(mirror.rows.values())

    def forget(self) -> None:
        """Drop everything: the next read of every entity is a full one."""
        self._entities.clear()
