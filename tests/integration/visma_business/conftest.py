"""A demo Visma Business database on SQLite and PostgreSQL, with Tandem wired to it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tandem.connectors.memory.master_data import MemoryErpStateStore, MemoryPsaMasterData
from tandem.connectors.visma_business import VismaBusinessErp
from tandem.connectors.visma_business.stamps import datetime_to_stamp
from tandem.demo.visma_business.database import DemoManifest, DemoScale, create_demo_database
from tandem.runtime.erp import ErpIntegration, ErpSyncSettings

T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


@dataclass
class StatementLog:
    """Every SQL statement the engine sends, via `before_cursor_execute`."""

    statements: list[str] = field(default_factory=list)

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def writes(self) -> list[str]:
        return [s for s in self.statements if s.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]

    def clear(self) -> None:
        self.statements.clear()


@dataclass
class DemoWorld:
    url: str
    manifest: DemoManifest
    engine: sa.Engine
    erp: VismaBusinessErp
    psa: MemoryPsaMasterData
    store: MemoryErpStateStore
    integration: ErpIntegration
    clock: Clock
    sql: StatementLog

    def erp_edit(self, table: sa.Table, where: sa.ColumnElement[bool], minutes_later: int, **values: object) -> None:
        """An ERP user's change: the values plus a fresh ChDt/ChTm, as Visma Business stamps it."""
        change = self.erp.settings.change
        day, minute = datetime_to_stamp(self.clock.advance(minutes_later), self.erp.zone)
        with self.engine.begin() as conn:
            conn.execute(sa.update(table).where(where).values({**values, change.date: day, change.time: minute}))


RUN_SCALE = DemoScale(departments=30, products=100, employees=80, customers=200, projects=100, erp_invoices=30)
"""Runs write every record once; a third of the demo keeps those tests quick on a shared machine."""


@pytest.fixture
def demo(empty_database_url: str) -> Iterator[DemoWorld]:
    """The full-size demo, for the preflight."""
    yield from _world(empty_database_url, None)


@pytest.fixture
def small_demo(empty_database_url: str) -> Iterator[DemoWorld]:
    """A smaller demo with the same kinds of records and problems, for runs."""
    yield from _world(empty_database_url, RUN_SCALE)


def _world(url: str, scale: DemoScale | None) -> Iterator[DemoWorld]:
    empty_database_url = url
    manifest = create_demo_database(empty_database_url, seed=11, scale=scale)
    engine = sa.create_engine(empty_database_url)
    log = StatementLog()
    sa.event.listen(engine, "before_cursor_execute", log)
    clock = Clock(T0)
    erp = VismaBusinessErp(engine, manifest.settings, clock=clock)
    psa = MemoryPsaMasterData(manifest.psa_seed, clock=clock)
    store = MemoryErpStateStore()
    rules = ErpSyncSettings().rules(manifest.settings.group_exclusions())
    integration = ErpIntegration(erp, psa, store, rules, clock=clock)
    try:
        yield DemoWorld(empty_database_url, manifest, engine, erp, psa, store, integration, clock, log)
    finally:
        engine.dispose()
