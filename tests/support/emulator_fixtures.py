"""Fixtures shared by the tests of the Google emulator and of the Google adapter: one
emulator per test module (uvicorn and an RSA key cost time), reset before and after each
test, with the same users and service account. Import them into a conftest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tandem.emulators.google import CALENDAR_SCOPE, EmulatorServer, ServiceAccount

USERS = ("alice@example.com", "bob@example.com", "carol@example.com")


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(domain="example.com", users=list(USERS)) as running:
        yield running


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="module")
def account(server: EmulatorServer, key_dir: Path) -> ServiceAccount:
    return server.state.register_service_account(key_dir=key_dir)


@pytest.fixture(autouse=True)
def fresh(server: EmulatorServer, account: ServiceAccount) -> Iterator[None]:
    server.state.reset()
    server.state.grant_delegation(account.client_id, [CALENDAR_SCOPE])
    yield
    server.state.reset()
    server.state.grant_delegation(account.client_id, [CALENDAR_SCOPE])
