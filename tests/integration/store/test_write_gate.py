"""SQLite's writers queue at Tandem's write gate (`tandem.store.db.WriteGate`) instead of
polling SQLite's lock: a writer in another process waits its turn however long the current
one takes, and is not failed after the busy timeout (BEY-11: the sync worker starved while
the API's writers kept taking the lock)."""

from __future__ import annotations

import multiprocessing
import stat
import threading
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest
import sqlalchemy as sa

from tandem.domain import errors
from tandem.store.db import Database
from tandem.store.errors import TranslatedDatabase

SPAWN = multiprocessing.get_context("spawn")


def _rows(db: Database) -> list[str]:
    with db.read() as session:
        return [row[0] for row in session.execute(sa.text("SELECT who FROM turns ORDER BY rowid"))]


def _hold_a_write(url: str, holding: Event, release: Event) -> None:
    db = Database.from_url(url)
    with db.write() as session:
        session.execute(sa.text("INSERT INTO turns VALUES ('holder')"))
        holding.set()
        release.wait(30)
    db.dispose()


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    db = Database.from_url(url)
    with db.write() as session:
        session.execute(sa.text("CREATE TABLE turns (who TEXT)"))
    db.dispose()
    return url


def test_bey_11_a_writer_in_another_process_waits_its_turn_past_the_busy_timeout(url: str) -> None:
    holding, release = SPAWN.Event(), SPAWN.Event()
    holder = SPAWN.Process(target=_hold_a_write, args=(url, holding, release))
    holder.start()
    try:
        assert holding.wait(60)
        db = Database.from_url(url, busy_timeout_s=0.2)  # SQLite alone would fail after 0.2 s
        waiting = threading.Thread(target=lambda: _write(db, "waiter"))
        waiting.start()
        waiting.join(1.0)  # five busy timeouts
        assert waiting.is_alive(), "the second writer did not wait for the first"
        release.set()
        waiting.join(30)
        assert not waiting.is_alive()
        holder.join(30)
        assert _rows(db) == ["holder", "waiter"]  # both written, in the order they asked
        db.dispose()
    finally:
        release.set()
        holder.join(30)


def _write(db: Database, who: str) -> None:
    with db.write() as session:
        session.execute(sa.text("INSERT INTO turns VALUES (:who)"), {"who": who})


def test_bey_11_a_writer_behind_its_own_process_fails_as_a_busy_database_does(url: str) -> None:
    db = Database.from_url(url, gate_wait_s=0.2)
    units = TranslatedDatabase(db, "the turns")
    inside, done = threading.Event(), threading.Event()

    def hold() -> None:
        with db.write() as session:
            session.execute(sa.text("INSERT INTO turns VALUES ('holder')"))
            inside.set()
            done.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert inside.wait(30)
        with pytest.raises(errors.Unavailable, match="database is locked"), units.write() as session:
            session.execute(sa.text("INSERT INTO turns VALUES ('late')"))
    finally:
        done.set()
        holder.join(30)
    _write(db, "after")  # the gate is free again
    assert _rows(db) == ["holder", "after"]
    db.dispose()


def test_bey_11_a_write_inside_a_write_of_the_same_thread_passes_the_gate(url: str) -> None:
    """The gate is reentrant: only SQLite decides about a nested unit of work (which here,
    on its own connection, meets the outer one's lock and fails with the busy timeout)."""
    db = Database.from_url(url, busy_timeout_s=0.2)
    units = TranslatedDatabase(db, "the turns")
    with db.write() as outer:
        outer.execute(sa.text("INSERT INTO turns VALUES ('outer')"))
        with pytest.raises(errors.Unavailable, match="database is locked"), units.write() as inner:
            inner.execute(sa.text("INSERT INTO turns VALUES ('inner')"))
    assert _rows(db) == ["outer"]
    db.dispose()


def test_bey_11_the_gate_file_is_private(url: str, tmp_path: Path) -> None:
    gate = tmp_path / "gate.db-gate"
    assert gate.exists()
    assert stat.S_IMODE(gate.stat().st_mode) == 0o600
