"""Breaking a real database under a running sync, once, at a chosen write.

`BreakAtWrite(db, nth)` counts the writing units of work `db` begins (`Database.write`)
from the moment it is armed; as the `nth` one begins, the database fails under it:

    PostgreSQL   every connection of the database is killed from another one
                 (`pg_terminate_backend`), the one about to write among them, so the
                 kill lands on a connection in use (pool_pre_ping cannot hide it)
    SQLite       another connection holds the write lock until a writer gave up after
                 its busy timeout ("database is locked"), then lets go; when the nth
                 writer already holds the lock (its BEGIN IMMEDIATE ran first), the lock
                 is taken as the next connection is checked out of the pool instead

Either way one unit of work fails in the middle of the run, deterministically, and the
database works again for whatever comes next.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tandem.store.db import Database

KILL_OTHERS = sa.text(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


class BreakAtWrite:
    def __init__(self, db: Database, nth: int) -> None:
        self.db = db
        self.nth = nth
        self.writes = 0
        self.killed = 0
        """PostgreSQL connections killed."""
        self.failures: list[str] = []
        """The database errors the broken unit of work met (first line of each)."""
        self._blocker: sqlite3.Connection | None = None
        self._lock_at_checkout = False
        sa.event.listen(db.engine, "begin", self._on_begin, insert=True)
        sa.event.listen(db.engine, "handle_error", self._on_error)
        sa.event.listen(db.engine, "checkout", self._on_checkout)

    @property
    def fired(self) -> bool:
        return self.writes >= self.nth

    def remove(self) -> None:
        sa.event.remove(self.db.engine, "begin", self._on_begin)
        sa.event.remove(self.db.engine, "handle_error", self._on_error)
        sa.event.remove(self.db.engine, "checkout", self._on_checkout)
        self._release()

    def _on_begin(self, conn: sa.Connection) -> None:
        if conn.get_execution_options().get("sqlite_begin") != "IMMEDIATE":
            return  # a reading unit of work
        self.writes += 1
        if self.writes != self.nth:
            return
        if not self.db.is_sqlite:
            self._kill_connections()
        elif conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            self._lock_at_checkout = True
        else:
            self._hold_write_lock()

    def _on_checkout(self, *_: Any) -> None:
        if self._lock_at_checkout:
            self._lock_at_checkout = False
            self._hold_write_lock()

    def _on_error(self, context: Any) -> None:
        if self.fired and len(self.failures) < 10:
            self.failures.append(str(context.original_exception).split("\n", 1)[0])
        self._release()

    def _kill_connections(self) -> None:
        admin = sa.create_engine(self.db.engine.url, poolclass=NullPool)
        try:
            with admin.connect() as conn:
                self.killed = len(conn.execute(KILL_OTHERS).all())
        finally:
            admin.dispose()

    def _hold_write_lock(self) -> None:
        path = self.db.engine.url.database
        assert path
        self._blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._blocker.execute("BEGIN IMMEDIATE")

    def _release(self) -> None:
        blocker, self._blocker = self._blocker, None
        if blocker is not None:
            blocker.execute("ROLLBACK")
            blocker.close()
