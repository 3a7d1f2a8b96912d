"""Engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` for PostgreSQL; Tandem drives it with psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, busy_timeout_s: float = 30.0, **kwargs: Any) -> sa.Engine:
    """`busy_timeout_s` (SQLite): how long a unit of work waits for another's write lock
    before it fails ("database is locked", which the stores raise as `Unavailable`)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        private_sqlite_file(sa.engine.make_url(url).database)
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_s},
            **kwargs,
        )
        sa.event.listen(
            engine, "connect", functools.partial(_sqlite_on_connect, busy_timeout_ms=int(busy_timeout_s * 1000))
        )
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


PRIVATE = 0o600


def private_sqlite_file(path: str | None) -> None:
    """The database holds hashed secrets and everyone's calendar: only its owner may read
    it. Create the file 0600 before SQLite opens it (SQLite gives its -wal and -shm files
    the database file's mode), and narrow a file an older Tandem left wider."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, PRIVATE)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        companion = path + suffix
        if os.path.exists(companion) and os.stat(companion).st_mode & 0o077:
            os.chmod(companion, PRIVATE)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any, *, busy_timeout_ms: int) -> None:
    # Let SQLAlchemy own transactions (pysqlite's implicit BEGIN is off), and make the
    # file safe for one writer with many readers.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
    cursor.close()


def _sqlite_on_begin(conn: sa.Connection) -> None:
    # A writing unit of work says so (`Database.write`): BEGIN IMMEDIATE takes the write
    # lock up front, so two writers queue (busy_timeout) instead of failing with
    # "database is locked" when a reader upgrades to a writer. Readers stay deferred so
    # they never wait for each other.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """An engine and the two kinds of unit of work Tandem runs on it."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(
            engine.execution_options(sqlite_begin="IMMEDIATE"),
            expire_on_commit=False,
        )

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(make_engine(url, **kwargs))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (rolled back at the end)."""
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work that writes: commit on success, roll back on any error."""
        with self._writer() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
