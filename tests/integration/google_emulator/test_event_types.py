"""Google's event types in the emulator (GOOGLE_NOTES "Event types"): each type's rules are
enforced as Google enforces them, so a wrong write by Tandem fails in the tests as it would
in production (BEY-10)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tandem.emulators.google import EmulatorServer
from tests.integration.google_emulator.helpers import ALICE, Calendar, all_day, birthday, error_reason, timed

MORNING = ("2030-05-06T09:00:00+03:00", "2030-05-06T17:00:00+03:00")


def _typed(kind: str, **extra: Any) -> dict[str, Any]:
    return timed(*MORNING, summary=kind, eventType=kind, **extra)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(_typed("outOfOffice"), id="out-of-office"),
        pytest.param(_typed("focusTime"), id="focus-time"),
        pytest.param(_typed("workingLocation", transparency="transparent", visibility="public"), id="working"),
        pytest.param(birthday("Ben's birthday"), id="birthday"),
    ],
)
def test_bey_10_each_type_is_made_and_answered_with_its_type(
    calendar_of: Callable[[str], Calendar], body: dict[str, Any]
) -> None:
    alice = calendar_of(ALICE)
    made = alice.insert(body)
    assert made.status_code == 200, made.text
    assert made.json()["eventType"] == body["eventType"]
    listed = {e["id"]: e["eventType"] for e in alice.list()["items"]}
    assert listed[made.json()["id"]] == body["eventType"]


def test_bey_10_an_event_without_a_type_is_a_default_one(calendar_of: Callable[[str], Calendar]) -> None:
    made = calendar_of(ALICE).insert(timed(*MORNING, summary="Meeting"))
    assert made.json()["eventType"] == "default"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        pytest.param(_typed("fromGmail"), "fromGmail cannot be created", id="from-gmail"),
        pytest.param(
            all_day("2030-05-06", "2030-05-07", eventType="outOfOffice"), "must be timed", id="all-day-out-of-office"
        ),
        pytest.param(_typed("focusTime", transparency="transparent"), "must be timed and opaque", id="free-focus"),
        pytest.param(_typed("workingLocation"), "public and transparent", id="busy-working-location"),
        pytest.param(
            all_day("2030-05-06", "2030-05-07", eventType="birthday"), "one-day all-day yearly", id="birthday"
        ),
        pytest.param(_typed("holiday"), "Invalid value for: eventType", id="unknown"),
    ],
)
def test_bey_10_what_google_refuses_for_a_type_is_refused(
    calendar_of: Callable[[str], Calendar], body: dict[str, Any], why: str
) -> None:
    refused = calendar_of(ALICE).insert(body)
    assert refused.status_code == 400
    assert error_reason(refused) == "invalid"
    assert why in refused.json()["error"]["message"]


def test_bey_10_the_type_is_fixed_once_the_event_exists(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    made = alice.insert(_typed("focusTime")).json()
    changed = alice.patch(made["id"], {"eventType": "default"})
    assert changed.status_code == 400
    assert "cannot be changed" in changed.json()["error"]["message"]
    renamed = alice.patch(made["id"], {"summary": "Deep work"})
    assert renamed.status_code == 200
    assert (renamed.json()["summary"], renamed.json()["eventType"]) == ("Deep work", "focusTime")


def test_bey_10_an_out_of_office_keeps_how_it_answers_invitations(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    made = alice.insert(_typed("outOfOffice", outOfOfficeProperties={"autoDeclineMode": "declineNone"}))
    assert made.status_code == 200, made.text
    assert made.json()["outOfOfficeProperties"] == {"autoDeclineMode": "declineNone"}
    wrong = alice.insert(_typed("outOfOffice", outOfOfficeProperties={"autoDeclineMode": "declineEverything"}))
    assert (wrong.status_code, error_reason(wrong)) == (400, "invalid")


def test_bey_10_an_account_without_status_events_is_refused_one_on_the_event_type(
    calendar_of: Callable[[str], Calendar], server: EmulatorServer
) -> None:
    server.state.deny_status_events(ALICE)
    refused = calendar_of(ALICE).insert(_typed("outOfOffice"))
    assert refused.status_code == 400
    assert refused.json()["error"]["errors"][0]["location"] == "eventType"
    assert calendar_of(ALICE).insert(_typed("default")).status_code == 200
