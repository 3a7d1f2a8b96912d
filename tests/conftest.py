"""Fixtures every test directory shares. Database tests run on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import fresh_database

DATABASE_KINDS = ("sqlite", "postgresql")


@pytest.fixture(params=DATABASE_KINDS)
def database_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind (no tables)."""
    with fresh_database(database_kind, tmp_path) as url:
        yield url
