"""Fixtures every test directory shares. Database tests run on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tandem import bootstrap
from tests.support.databases import fresh_database
from tests.support.hub import SpecClient, Templates, authorised, migrated_database, settings_for

DATABASE_KINDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    """Hashes made in the test processes cost little: the same argon2id and scrypt, with the
    lowest work factors. Each hash names its cost, so one made by a `tandem` subprocess (at
    the real cost) still verifies here and the other way round. The real costs take a tenth
    of a second per hash, and hundreds of tests make an API client or sign in."""
    from argon2 import PasswordHasher

    from tandem.hub.services import clients, passwords

    clients.SCRYPT_COST = {"n": 2**4, "r": 8, "p": 1}
    passwords.HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(params=DATABASE_KINDS)
def database_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind (no tables)."""
    with fresh_database(database_kind, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("templates"))
    yield made
    made.drop()


@pytest.fixture
def hub_database_url(database_kind: str, templates: Templates, tmp_path: Path) -> Iterator[str]:
    """A fresh database of each kind with Tandem's schema (migrations applied)."""
    with migrated_database(database_kind, templates, tmp_path) as url:
        yield url


@pytest.fixture
def tandem(hub_database_url: str, tmp_path: Path) -> Iterator[bootstrap.Tandem]:
    built = bootstrap.build(settings_for(hub_database_url, tmp_path))
    yield built
    built.close()


@pytest.fixture
def api(tandem: bootstrap.Tandem) -> Iterator[SpecClient]:
    """The hub's REST API, authorised with every scope; responses are checked against the spec."""
    with authorised(tandem) as client:
        yield client
