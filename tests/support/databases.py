"""Real databases for tests: a fresh SQLite file or a fresh PostgreSQL database.

PostgreSQL must be reachable (127.0.0.1:5432, trust auth, or `TANDEM_TEST_PG_ADMIN_URL`);
when it is not, tests that ask for it fail: a skipped database is not a tested one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get("TANDEM_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def fresh_postgres_database(prefix: str = "tandem_test") -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_sqlite_database(directory: Path) -> Iterator[str]:
    path = directory / f"tandem-{uuid.uuid4().hex[:8]}.db"
    yield f"sqlite:///{path}"


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[str]:
    if kind == "postgresql":
        with fresh_postgres_database() as url:
            yield url
    elif kind == "sqlite":
        with fresh_sqlite_database(directory) as url:
            yield url
    else:
        raise ValueError(kind)
