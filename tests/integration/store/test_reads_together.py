"""Reads of one thread inside `Database.reads_together` share one session (issue 13: an idle
sync run's half-dozen reads each paid for a session of their own), and still see what was
committed between them; other threads and writes are not drawn in."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.store.db import Database
from tests.support.databases import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield from _made(f"sqlite:///{tmp_path / 'reads.db'}")
        return
    with fresh_postgres_database() as url:
        yield from _made(url)


def _made(url: str) -> Iterator[Database]:
    db = Database.from_url(url)
    with db.write() as session:
        session.execute(sa.text("CREATE TABLE reads_together (who TEXT)"))
    yield db
    db.dispose()


def _names(db: Database) -> tuple[Session, list[str]]:
    with db.read() as session:
        return session, sorted(r[0] for r in session.execute(sa.text("SELECT who FROM reads_together")))


def test_reads_inside_the_block_share_a_session_and_see_each_commit(db: Database) -> None:
    with db.reads_together():
        first, before = _names(db)
        with db.write() as session:
            session.execute(sa.text("INSERT INTO reads_together VALUES ('ada')"))
        second, after = _names(db)
        elsewhere: list[Session] = []
        other = threading.Thread(target=lambda: elsewhere.append(_names(db)[0]))
        other.start()
        other.join()
    assert first is second
    assert (before, after) == ([], ["ada"])
    assert elsewhere[0] is not first
    assert _names(db)[0] is not first
