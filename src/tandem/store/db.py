"""Engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import fcntl
import functools
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
        database = sa.engine.make_url(url).database
        private_sqlite_file(database)
        if database and database != ":memory:" and not database.startswith("file:"):
            # Connections are kept, not opened per unit of work (each opening sets five
            # PRAGMAs): as many as the workers' threads (`bootstrap.WORKER_THREADS`) use at once.
            kwargs.setdefault("pool_size", 32)
            kwargs.setdefault("max_overflow", 32)
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


BATCH_SCOPE = "tandem.batch_scope"
"""`Session.info` key of a dict that lives as long as a batch of many items does (an ERP
run, `store.erp_state.ItemWrites.batch`), across its transactions: what its writers learn
once and keep (`hub.services.masters.TakenValues`). Emptied when an item is rolled back, since
what was learnt from its writes is then untrue."""

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
    if mode != "NONE":
        conn.exec_driver_sql(f"BEGIN {mode}")


class WriteGate:
    """The order in which SQLite writers get the file's single write lock.

    SQLite's own wait for that lock is a sleep-and-retry loop: a writer that finds it taken
    sleeps up to 100 ms and tries again, and meanwhile whoever asks at the right moment gets
    it. With the API's writers asking back to back, the sync worker (another process) lost
    nearly every time and starved (BEY-11). So a writer first queues here: in its process
    behind one lock, then across processes on an `flock` of a file beside the database,
    where the kernel wakes a waiter the moment the lock is free. Each process thus puts one
    writer at a time before SQLite, and a process that waits is woken, not polled.

    Only the order changes: SQLite's own lock still guards every write, so a writer that
    does not pass here (another program on the same file) is merely not queued. A writer
    that waits longer than `wait_s` behind its own process's writers fails as SQLite's busy
    timeout does ("database is locked"); the kernel frees the file lock of a process that dies.
    """

    def __init__(self, database_path: str | None, *, wait_s: float = 30.0) -> None:
        on_disk = database_path and database_path != ":memory:" and not database_path.startswith("file:")
        self._path = database_path + "-gate" if on_disk and database_path else None
        self._wait_s = wait_s
        self._in_process = threading.RLock()
        self._fd: int | None = None
        self._fd_pid = 0
        self._depth = 0

    @contextmanager
    def passage(self) -> Iterator[None]:
        if not self._in_process.acquire(timeout=self._wait_s):
            raise sa.exc.OperationalError(
                "BEGIN IMMEDIATE",
                None,
                sqlite3.OperationalError("database is locked (waited for this process's writers)"),
            )
        self._depth += 1
        try:
            if self._depth == 1 and self._path is not None:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._fd is not None and self._fd_pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._in_process.release()

    def close(self) -> None:
        if self._fd is not None and self._fd_pid == os.getpid():
            os.close(self._fd)
        self._fd = None

    def _file(self) -> int:
        # A forked child shares its parent's open file and so its lock: open its own.
        if self._fd is None or self._fd_pid != os.getpid():
            assert self._path is not None
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, PRIVATE)
            self._fd_pid = os.getpid()
        return self._fd


def _locked(why: str) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError(f"database is locked ({why})"))


@dataclass(eq=False)
class _Member:
    """A unit of work waiting in a group for its turn on the group's connection."""

    turn: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    admitted: bool = False


@dataclass(eq=False)
class _Group:
    waiting: deque[_Member] = field(default_factory=deque)
    size: int = 1
    closed: bool = False
    connection: sa.Connection | None = None
    failure: BaseException | None = None
    """Why the group's transaction did not commit (or did not begin): every member's error."""
    done: threading.Event = field(default_factory=threading.Event)


class GroupCommit:
    """SQLite writers of one process share a transaction when they queue (group commit).

    Under load the file's write lock changes hands between processes at every transaction:
    the API's writers and the sync worker take turns (`WriteGate`), and a worker whose run
    needs three transactions got one of them per turn while the API took one per request,
    so the worker fell behind (BEY-11). Here the first writer of a process to arrive (the
    leader) passes the gate and begins a transaction; writers of the same process that
    arrive meanwhile join it and run, one after the other, each in a SAVEPOINT of that
    transaction; the leader then commits once for all of them. One turn at the lock thus
    carries every write the process had waiting.

    Each unit of work keeps its own outcome: one that raises is rolled back to its savepoint
    alone (the others still commit), and none of them returns before the commit that holds
    it has succeeded; when that commit fails, every member gets its error. A write nested in
    another of the same thread does not join (it runs on its own connection, where SQLite
    decides, as before). A writer that waits longer than `wait_s` for its turn fails as a
    busy database does ("database is locked").
    """

    MAX_MEMBERS = 16

    def __init__(self, engine: sa.Engine, gate: WriteGate, *, wait_s: float = 30.0) -> None:
        self._engine = engine.execution_options(sqlite_begin="IMMEDIATE")
        self._gate = gate
        self._wait_s = wait_s
        self._mutex = threading.Lock()
        self._free = threading.Condition(self._mutex)
        self._group: _Group | None = None
        self._local = threading.local()
        self._solo = sessionmaker(self._engine, expire_on_commit=False)

    @contextmanager
    def unit(self) -> Iterator[Session]:
        if getattr(self._local, "inside", False):
            with self._gate.passage(), self._solo() as session, session.begin():
                yield session
            return
        group, member = self._arrive()
        if member is None:
            with self._lead(group) as session:
                yield session
        else:
            with self._follow(group, member) as session:
                yield session

    def _arrive(self) -> tuple[_Group, _Member | None]:
        """Join the open group, or lead a new one (waiting while a group commits)."""
        with self._free:
            if not self._free.wait_for(self._joinable_or_none, timeout=self._wait_s):
                raise _locked("waited for this process's writers")
            group = self._group
            if group is None:
                self._group = group = _Group()
                return group, None
            member = _Member()
            group.waiting.append(member)
            group.size += 1
            return group, member

    def _joinable_or_none(self) -> bool:
        group = self._group
        return group is None or (not group.closed and group.size < self.MAX_MEMBERS)

    @contextmanager
    def _lead(self, group: _Group) -> Iterator[Session]:
        body_failure: BaseException | None = None
        try:
            with self._gate.passage():
                connection = self._engine.connect()
                try:
                    transaction = connection.begin()
                except BaseException as error:
                    group.failure = error
                    connection.close()
                    raise
                group.connection = connection
                try:
                    try:
                        with self._savepoint(connection) as session:
                            yield session
                    except BaseException as error:
                        body_failure = error
                    self._admit_the_others(group)
                    transaction.commit()
                except BaseException as error:
                    if group.failure is None:
                        group.failure = error
                    # A failed COMMIT can leave SQLite's transaction open: never pool it.
                    connection.invalidate()
                finally:
                    connection.close()
        finally:
            self._end(group)
        if body_failure is not None:
            raise body_failure
        if group.failure is not None:
            raise group.failure

    def _admit_the_others(self, group: _Group) -> None:
        while True:
            with self._mutex:
                if not group.waiting:
                    group.closed = True
                    return
                member = group.waiting.popleft()
                member.admitted = True
            member.turn.set()
            member.finished.wait()

    def _end(self, group: _Group) -> None:
        with self._free:
            group.closed = True
            for member in group.waiting:  # the group failed before their turn
                member.admitted = True
                member.turn.set()
            group.waiting.clear()
            self._group = None
            self._free.notify_all()
        group.done.set()

    @contextmanager
    def _follow(self, group: _Group, member: _Member) -> Iterator[Session]:
        try:
            if not member.turn.wait(self._wait_s):
                with self._mutex:
                    if not member.admitted:
                        group.waiting.remove(member)
                        raise _locked("waited for this process's writers")
                member.turn.wait()
            if group.failure is not None or group.connection is None:
                raise group.failure or _locked("the group's transaction did not begin")
            with self._savepoint(group.connection) as session:
                yield session
        finally:
            member.finished.set()
        group.done.wait()
        if group.failure is not None:
            raise group.failure

    @contextmanager
    def _savepoint(self, connection: sa.Connection) -> Iterator[Session]:
        self._local.inside = True
        try:
            with (
                Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as session,
                session.begin(),
            ):
                yield session
        finally:
            self._local.inside = False


class Database:
    """An engine and the two kinds of unit of work Tandem runs on it."""

    def __init__(self, engine: sa.Engine, *, gate_wait_s: float = 30.0) -> None:
        self.engine = engine
        self._reader = sessionmaker(
            engine.execution_options(sqlite_begin="NONE")
            if engine.dialect.name == "sqlite"
            else engine.execution_options(isolation_level="AUTOCOMMIT"),
            expire_on_commit=False,
        )
        self._writer = sessionmaker(
            engine.execution_options(sqlite_begin="IMMEDIATE"),
            expire_on_commit=False,
        )
        self._gate = WriteGate(engine.url.database, wait_s=gate_wait_s) if self.is_sqlite else None
        self._shared = threading.local()
        self._group = GroupCommit(engine, self._gate, wait_s=gate_wait_s) if self._gate is not None else None

    @classmethod
    def from_url(cls, url: str, *, busy_timeout_s: float = 30.0, gate_wait_s: float = 30.0, **kwargs: Any) -> Database:
        """`gate_wait_s` (SQLite): how long a writer waits behind its own process's writers
        at the `WriteGate`. Apart from `busy_timeout_s`, which bounds a wait for another
        program's lock: a queue of this process's writers is ordinary work, not a fault."""
        return cls(make_engine(url, busy_timeout_s=busy_timeout_s, **kwargs), gate_wait_s=gate_wait_s)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work. Its statements run without a transaction of their own
        (autocommit): under PostgreSQL's READ COMMITTED every statement takes its own
        snapshot anyway, and a read is spared the BEGIN and ROLLBACK (a third of a one-change
        sync run's time went to them on PostgreSQL; on SQLite, 8 % of the workers' CPU under
        load). SQLite then reads each statement from the latest commit, as PostgreSQL does.
        Nothing is to be written through it: it would stay."""
        shared = getattr(self._shared, "session", None)
        if shared is not None:
            yield shared
            return
        with self._reader() as session:
            yield session

    @contextmanager
    def reads_together(self) -> Iterator[None]:
        """The reads this thread makes inside the block share one session and connection.

        A read of its own costs a session, a connection from the pool and its reset (about
        150 µs of CPU on SQLite, three times the query); an idle sync run makes half a dozen
        reads in a row (`runtime.user_sync`). Each statement still reads the latest commit
        (reads run without a transaction); what the block shares is the session's identity
        map, so an ORM object read twice inside it is the first copy: keep the block short,
        about one moment's reads. Writes are not affected (`write` has its own units)."""
        if getattr(self._shared, "session", None) is not None:
            yield
            return
        with self._reader() as session:
            self._shared.session = session
            try:
                yield
            finally:
                self._shared.session = None

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work that writes: commit on success, roll back on any error."""
        if self._group is None:
            with self._writer() as session, session.begin():
                yield session
            return
        with self._group.unit() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self._gate is not None:
            self._gate.close()
