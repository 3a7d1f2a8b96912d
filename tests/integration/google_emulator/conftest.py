"""One emulator server per test module (starting uvicorn and making an RSA key cost time);
every test starts from a reset emulator with the same users and service account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tandem.emulators.google import CALENDAR_SCOPE, EmulatorServer, ServiceAccount
from tests.integration.google_emulator.helpers import USERS, Calendar, access_token, http_client, json_credentials


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


@pytest.fixture
def calendar_of(server: EmulatorServer, key_dir: Path, account: ServiceAccount) -> Iterator[Callable[[str], Calendar]]:
    """A factory of per-user API clients (each with a freshly issued access token)."""
    clients: list[httpx.Client] = []

    def make(user: str) -> Calendar:
        token = access_token(json_credentials(key_dir, user))
        client = http_client(
            base_url=f"{server.api_root}/calendars/primary", headers={"Authorization": f"Bearer {token}"}
        )
        clients.append(client)
        return Calendar(server, user, client)

    yield make
    for client in clients:
        client.close()
