"""A hub for tests: a migrated database of each kind, the ASGI app, and API clients
whose every response is checked against the Severa spec."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tandem import bootstrap, migrations
from tandem.config import Settings
from tandem.hub.services import clients
from tandem.store.db import make_engine
from tests.support import spec
from tests.support.databases import PG_ADMIN_URL


class SpecClient(TestClient):
    """A TestClient that fails the test when a response breaks the spec."""

    def request(self, method: str, url: httpx._types.URLTypes, *args: Any, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        response = super().request(method, url, *args, **kwargs)
        path = httpx.URL(str(url)).path
        body: Any = response.content
        ctype = response.headers.get("content-type", "")
        if ctype.startswith("application/json") and response.content:
            body = response.json()
        spec.check_response(method, path, response.status_code, ctype, body)
        return response


def migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        migrations.upgrade(engine)
    finally:
        engine.dispose()


class Templates:
    """A migrated database per kind, made once per test session and copied per test."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sqlite_file: Path | None = None
        self.pg_name: str | None = None

    def sqlite(self) -> Path:
        if self.sqlite_file is None:
            self.sqlite_file = self.directory / "template.db"
            migrate(f"sqlite:///{self.sqlite_file}")
        return self.sqlite_file

    def postgres(self) -> str:
        if self.pg_name is None:
            self.pg_name = f"tandem_tmpl_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{self.pg_name}"'))
            admin.dispose()
            migrate(_pg_url(self.pg_name))
        return self.pg_name

    def drop(self) -> None:
        if self.pg_name is not None:
            _drop(self.pg_name)


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _drop(name: str) -> None:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def migrated_database(kind: str, templates: Templates, directory: Path) -> Iterator[str]:
    if kind == "sqlite":
        target = directory / f"hub-{uuid.uuid4().hex[:8]}.db"
        shutil.copy(templates.sqlite(), target)
        yield f"sqlite:///{target}"
        return
    template = templates.postgres()
    name = f"tandem_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    try:
        yield _pg_url(name)
    finally:
        _drop(name)


def settings_for(url: str, directory: Path, **overrides: Any) -> Settings:
    return Settings(database_url=url, secret_key_file=directory / "tandem.key", **overrides)


def new_client(tandem: bootstrap.Tandem, scopes: str = "all") -> tuple[str, str]:
    with tandem.db.write() as session:
        made = clients.create_client(session, "test", clients.parse_scopes(scopes))
    return made.client_id, made.client_secret


def token_for(client: TestClient, client_id: str, secret: str, scope: str | None = None) -> str:
    body: dict[str, Any] = {"client_id": client_id, "client_secret": secret}
    if scope is not None:
        body["scope"] = scope
    response = client.post("/v1/token", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def authorised(tandem: bootstrap.Tandem, scopes: str = "all") -> SpecClient:
    client = SpecClient(tandem.app())
    client_id, secret = new_client(tandem, scopes)
    token = token_for(client, client_id, secret)
    client.headers.update({"Authorization": f"Bearer {token}", "Client_Id": client_id})
    return client
