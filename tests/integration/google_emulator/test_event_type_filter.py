"""`events.list` with `eventTypes` (GOOGLE_NOTES "Event types", BEY-10): repeatable, it narrows
full and incremental reads to the types named; without it every type comes. Beside a sync
token it is allowed, and must stay as in the full sync that gave the token."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tandem.emulators.google import EmulatorServer
from tests.integration.google_emulator.helpers import ALICE, Calendar, birthday, error_reason, invalid_parameter, timed

MORNING = ("2030-05-06T09:00:00Z", "2030-05-06T10:00:00Z")


def _one_of_each(alice: Calendar, server: EmulatorServer) -> dict[str, str]:
    """One event of every type in Alice's calendar; their ids by summary."""
    bodies = [
        timed(*MORNING, summary="Meeting"),
        timed(*MORNING, summary="Away", eventType="outOfOffice"),
        timed(*MORNING, summary="Deep work", eventType="focusTime"),
        timed(*MORNING, summary="Office", eventType="workingLocation", transparency="transparent", visibility="public"),
        birthday("Birthday"),
    ]
    ids = {}
    for body in bodies:
        made = alice.insert(body)
        assert made.status_code == 200, made.text
        ids[body["summary"]] = made.json()["id"]
    ids["Flight"] = server.state.seed_event(ALICE, timed(*MORNING, summary="Flight", eventType="fromGmail"))["id"]
    return ids


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        pytest.param(None, ["Away", "Birthday", "Deep work", "Flight", "Meeting", "Office"], id="unset-every-type"),
        pytest.param(["default"], ["Meeting"], id="default-leaves-out-from-gmail"),
        pytest.param(["fromGmail", "birthday"], ["Birthday", "Flight"], id="repeated"),
        pytest.param(["outOfOffice", "focusTime", "workingLocation"], ["Away", "Deep work", "Office"], id="status"),
    ],
)
def test_bey_10_event_types_narrows_a_list_to_the_types_named(
    calendar_of: Callable[[str], Calendar], server: EmulatorServer, types: list[str] | None, expected: list[str]
) -> None:
    alice = calendar_of(ALICE)
    _one_of_each(alice, server)
    params = {} if types is None else {"eventTypes": types}
    items, _ = alice.list_all(**params)
    assert sorted(e["summary"] for e in items) == expected


def test_bey_10_event_types_narrows_expanded_occurrences_too(
    calendar_of: Callable[[str], Calendar], server: EmulatorServer
) -> None:
    alice = calendar_of(ALICE)
    ids = _one_of_each(alice, server)
    page = alice.list(
        eventTypes="birthday", singleEvents="true", timeMin="2030-01-01T00:00:00Z", timeMax="2033-01-01T00:00:00Z"
    )
    assert [e["id"] for e in page["items"]] == [
        f"{ids['Birthday']}_20300506",
        f"{ids['Birthday']}_20310506",
        f"{ids['Birthday']}_20320506",
    ]


def test_bey_10_an_unknown_event_type_is_400(calendar_of: Callable[[str], Calendar]) -> None:
    refused = calendar_of(ALICE).get(eventTypes="holiday")
    assert refused.status_code == 400
    assert refused.json()["error"]["errors"][0] == invalid_parameter(
        "eventTypes", "Invalid value for: eventTypes: holiday"
    )


def test_bey_10_an_incremental_read_with_event_types_returns_only_those_changes(
    calendar_of: Callable[[str], Calendar], server: EmulatorServer
) -> None:
    alice = calendar_of(ALICE)
    ids = _one_of_each(alice, server)
    second = alice.insert(timed(*MORNING, summary="Second meeting")).json()["id"]
    _, token = alice.list_all(eventTypes="default")
    for summary in ("Meeting", "Away", "Office"):
        assert alice.patch(ids[summary], {"colorId": "4"}).status_code == 200
    assert alice.patch(ids["Flight"], {"colorId": "4"}).status_code == 200
    assert alice.delete(second).status_code == 204
    changes, _ = alice.list_all(syncToken=token, eventTypes="default")
    assert [(e["id"], e["status"]) for e in changes] == [(ids["Meeting"], "confirmed"), (second, "cancelled")]


def test_bey_10_event_types_must_stay_as_in_the_full_sync(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(timed(*MORNING, summary="Meeting"))
    _, narrowed = alice.list_all(eventTypes=["default", "focusTime"])
    _, unfiltered = alice.list_all()
    assert alice.get(syncToken=narrowed, eventTypes=["focusTime", "default"]).status_code == 200
    for token, types in ((narrowed, None), (narrowed, ["default"]), (unfiltered, ["default"])):
        params = {"syncToken": token} if types is None else {"syncToken": token, "eventTypes": types}
        stale = alice.get(**params)
        assert (stale.status_code, error_reason(stale)) == (410, "fullSyncRequired")
