"""The emulator's own controls: clock, counters, reset, and the HTTP endpoints under /emulator/."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from tandem.emulators.google import EmulatorServer
from tests.integration.google_emulator.helpers import ALICE, BOB, Calendar, http_client, timed

BODY = timed("2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z", summary="x")


def test_a_frozen_clock_stamps_writes_and_advances_on_demand(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    clock = alice.server.state.clock
    moment = (datetime.now(UTC) + timedelta(minutes=10)).replace(microsecond=250000)
    clock.freeze(moment)
    event = alice.insert(BODY).json()
    assert event["created"] == moment.strftime("%Y-%m-%dT%H:%M:%S.250Z")
    clock.advance(90)
    later = moment + timedelta(seconds=90)
    assert alice.patch(event["id"], {"summary": "y"}).json()["updated"] == later.strftime("%Y-%m-%dT%H:%M:%S.250Z")
    clock.unfreeze()
    assert clock.now() >= later


def test_request_counters_per_user_and_endpoint_and_their_reset(calendar_of: Callable[[str], Calendar]) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    event = alice.insert(BODY).json()
    alice.get(f"/{event['id']}")
    alice.get()
    alice.get()
    bob.get()
    counts = alice.server.state.request_counts()
    assert counts[ALICE] == {"token": 1, "events.insert": 1, "events.get": 1, "events.list": 2}
    assert counts[BOB] == {"token": 1, "events.list": 1}
    alice.server.state.reset_counters()
    assert alice.server.state.request_counts() == {}


def test_reset_forgets_events_and_tokens_but_keeps_users(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(BODY)
    alice.server.state.reset()
    assert alice.get().status_code == 401
    assert calendar_of(ALICE).list()["items"] == []


def test_users_can_be_added(calendar_of: Callable[[str], Calendar], server: EmulatorServer) -> None:
    server.state.add_user("dave@example.com", time_zone="Europe/Helsinki")
    dave = calendar_of("dave@example.com")
    page = dave.list()
    assert page["timeZone"] == "Europe/Helsinki"
    event = dave.insert(BODY).json()
    assert event["start"]["dateTime"] == "2030-01-01T12:00:00+02:00"


def test_http_controls_drive_the_same_state(server: EmulatorServer, calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    with http_client(base_url=f"{server.base_url}/emulator") as controls:
        assert controls.post("/users", json={"email": "erin@example.com"}).json()["users"][-1] == "erin@example.com"
        at = (datetime.now(UTC) + timedelta(minutes=5)).replace(microsecond=0)
        frozen = controls.post("/clock", json={"freeze": True, "at": at.isoformat()}).json()
        assert frozen == {"now": at.isoformat(), "frozen": True}
        advanced = controls.post("/clock", json={"advance": 30}).json()["now"]
        assert advanced == (at + timedelta(seconds=30)).isoformat()
        alice.insert({**BODY, "attendees": [{"email": BOB}]}, sendUpdates="all")
        mails = controls.get("/notifications").json()["notifications"]
        assert [(m["recipient"], m["kind"]) for m in mails] == [(BOB, "invitation")]
        assert controls.delete("/notifications").json()["notifications"] == []
        assert controls.get("/counters").json()["counts"][ALICE]["events.insert"] == 1
        assert controls.post("/faults", json={"error503": 1.0, "user": ALICE}).json() == {"ok": True}
        assert alice.get().status_code == 503
        controls.delete("/faults")
        assert alice.get().status_code == 200
        _, token = alice.list_all()
        controls.post("/sync-tokens/invalidate", json={"user": ALICE})
        assert alice.get(syncToken=token).status_code == 410
        controls.post("/quota-exceeded", json={"user": ALICE, "exceeded": True})
        assert alice.insert(BODY).status_code == 403
        controls.post("/quota-exceeded", json={"user": ALICE, "exceeded": False})
        controls.post("/quota", json={"userPerMinute": 1})
        controls.post("/tokens/expire")
        assert alice.get().status_code == 401
        assert controls.post("/faults", json={"nonsense": 1}).status_code == 400
        controls.post("/reset")
        assert controls.get("/clock").json()["frozen"] is False


def test_certificates_of_an_account_are_published(server: EmulatorServer, account: object) -> None:
    email = account.email
    response = httpx.get(f"{server.base_url}/robot/v1/metadata/x509/{email}")
    assert response.status_code == 200
    assert next(iter(response.json().values())).startswith("-----BEGIN CERTIFICATE-----")
