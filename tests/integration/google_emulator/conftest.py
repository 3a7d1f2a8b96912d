"""One emulator server per test module (starting uvicorn and making an RSA key cost time);
every test starts from a reset emulator with the same users and service account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tandem.emulators.google import EmulatorServer, ServiceAccount
from tests.integration.google_emulator.helpers import Calendar, access_token, http_client, json_credentials
from tests.support.emulator_fixtures import account, fresh, key_dir, server  # noqa: F401 - fixtures


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
