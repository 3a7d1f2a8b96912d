"""Database failures as Tandem's errors (`tandem.domain.errors`): the one place SQLAlchemy's
exceptions are translated for the SQL stores, and for the database part of the hub's ports
(`tandem.hub.adapters.errors` reuses `as_tandem_error`).

    a lost connection, an operational error, a lock or busy     Unavailable         try again later
    timeout, a pool timeout, a session the failure left dead
    IntegrityError on a unique value (a writer beat us to it)   AlreadyExists       read again, plan again
    IntegrityError of another kind, DataError                   InvalidRequest      we sent it wrong
    a missing table or column (the schema is not migrated)      ConfigurationError  the admin runs upgrade

Messages carry the driver's first line, never the connection URL (SQLAlchemy's messages
do not hold it). A store wraps its database once (`TranslatedDatabase`), so a method added
later cannot forget the translation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.domain import errors
from tandem.store.db import Database

UNIQUE_VIOLATION = "23505"
"""PostgreSQL's SQLSTATE for a unique value taken; SQLite says "UNIQUE constraint failed"."""


def first_line(error: object) -> str:
    return str(error).strip().split("\n", 1)[0]


def as_tandem_error(error: sa.exc.SQLAlchemyError, what: str) -> errors.TandemError:
    """The Tandem error a database failure on `what` ("the sync state", "activity 1f…") means."""
    original = getattr(error, "orig", None)
    text = first_line(original if original is not None else error)
    if isinstance(error, sa.exc.IntegrityError):
        if getattr(original, "sqlstate", None) == UNIQUE_VIOLATION or "unique" in text.lower():
            return errors.AlreadyExists(f"{what}: a unique value was taken meanwhile: {text}")
        return errors.InvalidRequest(f"{what}: the database refuses it: {text}")
    if isinstance(error, sa.exc.DataError):
        return errors.InvalidRequest(f"{what}: the database refuses a value: {text}")
    if _schema_missing(error, text):
        return errors.ConfigurationError(f"{what}: the database lacks part of Tandem's schema ({text})")
    return errors.Unavailable(f"{what}: the database failed: {text}")


def _schema_missing(error: sa.exc.SQLAlchemyError, text: str) -> bool:
    if isinstance(error, sa.exc.NoSuchTableError | sa.exc.NoSuchColumnError | sa.exc.ProgrammingError):
        return True
    # SQLite reports a missing table as an OperationalError
    return isinstance(error, sa.exc.OperationalError) and ("no such table" in text or "no such column" in text)


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Run database work about `what` with its failures raised as Tandem's errors."""
    try:
        yield
    except sa.exc.SQLAlchemyError as error:
        raise as_tandem_error(error, what) from error


class TranslatedDatabase:
    """A `Database` whose units of work raise Tandem's errors: a failure inside the body,
    at BEGIN (SQLite's busy timeout) or at COMMIT alike."""

    def __init__(self, db: Database, what: str) -> None:
        self.db = db
        self.what = what

    @contextmanager
    def read(self) -> Iterator[Session]:
        with translated(self.what), self.db.read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with translated(self.what), self.db.write() as session:
            yield session
