"""SQLite writers of one process that queue share one transaction (`tandem.store.db.GroupCommit`):
one turn at the file's write lock carries every write the process had waiting (BEY-11: the
sync worker fell behind the API's writers taking one transaction per turn), while each unit
of work keeps its own outcome."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tandem.domain import errors
from tandem.store.db import Database
from tandem.store.errors import TranslatedDatabase


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    db = Database.from_url(f"sqlite:///{tmp_path / 'group.db'}")
    with db.write() as session:
        session.execute(sa.text("CREATE TABLE parents (id INTEGER PRIMARY KEY)"))
        session.execute(
            sa.text(
                "CREATE TABLE rows (who TEXT UNIQUE, parent INTEGER "
                "REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    yield db
    db.dispose()


def _rows(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(row[0] for row in session.execute(sa.text("SELECT who FROM rows")))


def _commits(db: Database) -> list[int]:
    counted = [0]

    def count(_connection: sa.Connection) -> None:
        counted[0] += 1

    sa.event.listen(db.engine, "commit", count)
    return counted


def _insert(db: Database, who: str, parent: int | None = None) -> None:
    with TranslatedDatabase(db, "the rows").write() as session:
        session.execute(sa.text("INSERT INTO rows VALUES (:who, :parent)"), {"who": who, "parent": parent})


def _while_held(db: Database, writers: dict[str, threading.Thread]) -> list[Exception]:
    """Hold a write open until every writer has queued behind it, then let all of them go;
    what the held write raised."""
    queued = threading.Event()
    failed: list[Exception] = []

    def hold() -> None:
        try:
            with db.write() as session:
                session.execute(sa.text("INSERT INTO rows VALUES ('leader', NULL)"))
                for thread in writers.values():
                    thread.start()
                queued.wait(30)
        except sa.exc.SQLAlchemyError as error:
            failed.append(error)

    leader = threading.Thread(target=hold)
    leader.start()
    group = db._group
    assert group is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        current = group._group
        if current is not None and len(current.waiting) == len(writers):
            break
        time.sleep(0.01)
    queued.set()
    leader.join(30)
    for thread in writers.values():
        thread.join(30)
    return failed


def test_bey_11_writers_queued_behind_one_another_commit_in_one_transaction(db: Database) -> None:
    commits = _commits(db)
    writers = {who: threading.Thread(target=_insert, args=(db, who)) for who in ("a", "b", "c", "d")}
    _while_held(db, writers)
    assert _rows(db) == ["a", "b", "c", "d", "leader"]
    assert commits[0] == 1  # five units of work, one turn at the lock


def test_bey_11_a_unit_that_fails_in_a_group_is_rolled_back_alone(db: Database) -> None:
    failures: dict[str, Exception] = {}

    def insert(who: str) -> None:
        try:
            _insert(db, who)
        except errors.TandemError as error:
            failures[who] = error

    writers = {who: threading.Thread(target=insert, args=(who,)) for who in ("a", "leader", "c")}
    _while_held(db, writers)
    assert _rows(db) == ["a", "c", "leader"]  # the duplicate 'leader' alone was refused
    assert list(failures) == ["leader"]
    assert "UNIQUE" in str(failures["leader"]) or "constraint" in str(failures["leader"]).lower()


def test_bey_11_when_the_group_cannot_commit_no_member_is_told_its_write_is_saved(db: Database) -> None:
    """A deferred foreign key is checked at COMMIT: one member's orphan row fails the whole
    transaction, and every member hears so (none returns as if its write were saved)."""
    failures: dict[str, Exception] = {}

    def insert(who: str, parent: int | None) -> None:
        try:
            _insert(db, who, parent)
        except errors.TandemError as error:
            failures[who] = error

    writers = {
        "orphan": threading.Thread(target=insert, args=("orphan", 404)),
        "b": threading.Thread(target=insert, args=("b", None)),
    }
    held = _while_held(db, writers)
    assert _rows(db) == []
    assert sorted(failures) == ["b", "orphan"]
    assert len(held) == 1  # the leader's own write was not saved either
    _insert(db, "after")  # the next group is not held back
    assert _rows(db) == ["after"]


def test_bey_11_a_writer_returns_only_once_its_write_is_visible_to_readers(db: Database) -> None:
    seen: dict[str, list[str]] = {}

    def insert_then_read(who: str) -> None:
        _insert(db, who)
        seen[who] = _rows(db)

    writers = {who: threading.Thread(target=insert_then_read, args=(who,)) for who in ("a", "b")}
    _while_held(db, writers)
    assert "a" in seen["a"]
    assert "b" in seen["b"]
