"""A Google Workspace for end-to-end tests: the emulator over real HTTP, a service account
whose key Tandem is configured with, and each user's own view of their calendar (acting
"as user X in Google Calendar" is calling the API with a token delegated to X)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tandem import bootstrap
from tandem.emulators.google import CALENDAR_SCOPE, EmulatorServer, ServiceAccount
from tandem.hub.services import calendar_setup
from tests.integration.google_emulator.helpers import Calendar, access_token, http_client, json_credentials

DOMAIN = "example.com"


@dataclass
class Workspace:
    server: EmulatorServer
    account: ServiceAccount
    key_dir: Path
    _clients: list[httpx.Client] = field(default_factory=list)

    def calendar_of(self, email: str) -> Calendar:
        token = access_token(json_credentials(self.key_dir, email))
        client = http_client(
            base_url=f"{self.server.api_root}/calendars/primary", headers={"Authorization": f"Bearer {token}"}
        )
        self._clients.append(client)
        return Calendar(self.server, email, client)

    def events_of(self, email: str, **params: Any) -> list[dict[str, Any]]:
        """Every event in the user's primary calendar (cancelled ones only with showDeleted)."""
        calendar = self.calendar_of(email)
        items: list[dict[str, Any]] = []
        token = None
        while True:
            page = calendar.list(maxResults=2500, **params, **({"pageToken": token} if token else {}))
            items.extend(page.get("items", []))
            token = page.get("nextPageToken")
            if not token:
                return items

    def configure(self, tandem: bootstrap.Tandem, key: str = "key.json") -> None:
        """`tandem calendar configure` in code: the key and the emulator's addresses."""
        data = (self.key_dir / key).read_bytes()
        with tandem.db.write() as session:
            calendar_setup.configure(
                session,
                tandem.secrets(),
                key=data,
                password="notasecret" if key.endswith(".p12") else None,
                service_account_email=self.account.email,
                token_uri=self.server.token_uri,
                api_root=self.server.api_root,
                batch_uri=f"{self.server.base_url}/batch/calendar/v3",
            )

    def close(self) -> None:
        for client in self._clients:
            client.close()


@contextmanager
def workspace(directory: Path, users: list[str]) -> Iterator[Workspace]:
    with EmulatorServer(domain=DOMAIN, users=users) as server:
        account = server.state.register_service_account(key_dir=directory)
        server.state.grant_delegation(account.client_id, [CALENDAR_SCOPE])
        made = Workspace(server, account, directory)
        try:
            yield made
        finally:
            made.close()
