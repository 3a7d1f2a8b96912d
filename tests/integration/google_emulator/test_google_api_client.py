"""google-api-python-client against the emulator: static discovery, no network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from tandem.emulators.google import EmulatorServer
from tests.integration.google_emulator.helpers import ALICE, BOB, access_token, json_credentials, timed


@pytest.fixture
def service(server: EmulatorServer, key_dir: Path) -> Iterator[Any]:
    credentials = json_credentials(key_dir, ALICE)
    # A batch whose credentials hold no token yet refreshes them through an httplib2 object
    # googleapiclient never closes (a ResourceWarning): start with a token.
    access_token(credentials)
    resource = build(
        "calendar",
        "v3",
        credentials=credentials,
        static_discovery=True,
        client_options={"api_endpoint": server.base_url + "/"},
    )
    yield resource
    resource.close()


def test_discovery_client_inserts_lists_patches_and_deletes(service: Any, server: EmulatorServer) -> None:
    events = service.events()
    body = timed("2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z", summary="via client", id="client0000000001")
    created = events.insert(calendarId="primary", body=body, sendUpdates="none").execute()
    assert created["id"] == "client0000000001"
    listed = events.list(calendarId="primary", maxResults=10, singleEvents=False).execute()
    assert [i["id"] for i in listed["items"]] == ["client0000000001"]
    token = listed["nextSyncToken"]
    patched = events.patch(calendarId="primary", eventId="client0000000001", body={"summary": "patched"}).execute()
    assert patched["summary"] == "patched"
    server.state.expire_access_tokens()  # the client refreshes its token on the 401 and retries
    events.delete(calendarId="primary", eventId="client0000000001").execute()
    changes = events.list(calendarId="primary", syncToken=token).execute()
    assert [(i["id"], i["status"]) for i in changes["items"]] == [("client0000000001", "cancelled")]
    with pytest.raises(HttpError) as caught:
        events.insert(calendarId="primary", body=body).execute()
    assert caught.value.resp.status == 409
    with pytest.raises(HttpError) as gone:
        events.list(calendarId="primary", syncToken="garbage").execute()
    assert gone.value.resp.status == 410


def test_discovery_client_batch_answers_each_request(service: Any, server: EmulatorServer) -> None:
    answers: dict[str, tuple[dict[str, Any] | None, int | None]] = {}

    def collect(request_id: str, response: dict[str, Any] | None, exception: HttpError | None) -> None:
        answers[request_id] = (response, exception.resp.status if exception else None)

    # the client's own new_batch_http_request() would post to www.googleapis.com: name the emulator
    batch = BatchHttpRequest(callback=collect, batch_uri=f"{server.base_url}/batch/calendar/v3")
    events = service.events()
    for index in range(3):
        body = timed(
            "2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z", id=f"batchclient0000{index}", attendees=[{"email": BOB}]
        )
        batch.add(events.insert(calendarId="primary", body=body), request_id=f"insert-{index}")
    batch.add(events.insert(calendarId="primary", body={**body, "id": "bad_id"}), request_id="invalid")
    batch.add(events.get(calendarId="primary", eventId="nosuchevent00"), request_id="missing")
    batch.execute()
    assert {key: status for key, (_, status) in answers.items()} == {
        "insert-0": None,
        "insert-1": None,
        "insert-2": None,
        "invalid": 400,
        "missing": 404,
    }
    first = answers["insert-0"][0]
    assert first is not None
    assert first["id"] == "batchclient00000"
    listed = events.list(calendarId="primary").execute()
    assert len(listed["items"]) == 3
