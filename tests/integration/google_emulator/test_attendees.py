"""Invitations inside the domain: attendees' copies, responses, and who may change what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from google.auth import crypt, jwt

from tandem.emulators.google import CALENDAR_SCOPE, EmulatorServer, ServiceAccount
from tests.integration.google_emulator.helpers import ALICE, BOB, CAROL, OUTSIDER, Calendar, error_reason, timed

EVENT_ID = "meeting000000001"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _meeting(*guests: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": EVENT_ID,
        "summary": "Review",
        **timed("2030-05-06T10:00:00Z", "2030-05-06T11:00:00Z"),
        "attendees": [{"email": ALICE}] + [{"email": g} for g in guests],
        **extra,
    }


def _status_of(event: dict[str, Any], email: str) -> str:
    return next(str(a["responseStatus"]) for a in event["attendees"] if a["email"] == email)


def test_internal_attendee_gets_a_copy_with_the_same_id(calendar_of: Callable[[str], Calendar]) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    organizer_copy = alice.insert(_meeting(BOB, OUTSIDER)).json()
    assert _status_of(organizer_copy, ALICE) == "accepted"
    assert _status_of(organizer_copy, BOB) == "needsAction"
    copy = bob.get(f"/{EVENT_ID}").json()
    assert copy["id"] == EVENT_ID
    assert copy["summary"] == "Review"
    assert copy["organizer"] == {"email": ALICE}
    own = next(a for a in copy["attendees"] if a["email"] == BOB)
    assert own["self"] is True
    assert all("self" not in a for a in copy["attendees"] if a["email"] != BOB)
    assert [i["id"] for i in bob.list()["items"]] == [EVENT_ID]


def test_the_copy_follows_the_organizer_and_shows_in_the_attendees_sync_feed(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    alice.insert(_meeting(BOB))
    _, token = bob.list_all()
    alice.patch(
        EVENT_ID,
        {
            "summary": "Review (moved)",
            "start": {"dateTime": "2030-05-06T12:00:00Z"},
            "end": {"dateTime": "2030-05-06T13:00:00Z"},
        },
    )
    changes = bob.list(syncToken=token)["items"]
    assert [(i["id"], i["summary"], i["sequence"]) for i in changes] == [(EVENT_ID, "Review (moved)", 1)]


def test_removing_an_attendee_cancels_their_copy_and_adding_them_back_restores_it(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    alice.insert(_meeting(BOB, CAROL))
    _, token = bob.list_all()
    alice.patch(EVENT_ID, {"attendees": [{"email": ALICE}, {"email": CAROL}]})
    changes = bob.list(syncToken=token)
    assert [(i["id"], i["status"]) for i in changes["items"]] == [(EVENT_ID, "cancelled")]
    assert bob.list()["items"] == []
    assert calendar_of(CAROL).get(f"/{EVENT_ID}").json()["status"] == "confirmed"
    alice.patch(EVENT_ID, {"attendees": [{"email": ALICE}, {"email": BOB}]})
    assert bob.get(f"/{EVENT_ID}").json()["status"] == "confirmed"


def test_deleting_the_event_cancels_every_copy(calendar_of: Callable[[str], Calendar]) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    alice.insert(_meeting(BOB))
    _, token = bob.list_all()
    alice.delete(EVENT_ID)
    assert [(i["id"], i["status"]) for i in bob.list(syncToken=token)["items"]] == [(EVENT_ID, "cancelled")]


def test_an_attendees_response_reaches_the_organizer_and_other_attendees(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice, bob, carol = calendar_of(ALICE), calendar_of(BOB), calendar_of(CAROL)
    alice.insert(_meeting(BOB, CAROL))
    _, alices_token = alice.list_all()
    answer = bob.patch(EVENT_ID, {"attendees": [{"email": BOB, "responseStatus": "accepted"}]})
    assert answer.status_code == 200
    assert _status_of(answer.json(), BOB) == "accepted"
    assert [a["email"] for a in answer.json()["attendees"]] == [ALICE, BOB, CAROL]
    organizer_view = alice.list(syncToken=alices_token)["items"]
    assert [_status_of(i, BOB) for i in organizer_view] == ["accepted"]
    assert _status_of(carol.get(f"/{EVENT_ID}").json(), BOB) == "accepted"


def test_with_more_than_200_guests_a_response_stays_on_the_attendees_copy(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    crowd = [f"guest{i}@partner.org" for i in range(200)]
    alice.insert(_meeting(BOB, *crowd))
    answer = bob.patch(EVENT_ID, {"attendees": [{"email": BOB, "responseStatus": "accepted"}]})
    assert _status_of(answer.json(), BOB) == "accepted"
    assert _status_of(alice.get(f"/{EVENT_ID}").json(), BOB) == "needsAction"


def test_an_attendees_other_changes_are_silently_ignored(calendar_of: Callable[[str], Calendar]) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    original = alice.insert(_meeting(BOB)).json()
    response = bob.patch(EVENT_ID, {"summary": "Hijacked", "attendees": [{"email": BOB}, {"email": OUTSIDER}]})
    assert response.status_code == 200
    assert response.json()["summary"] == "Review"
    assert alice.get(f"/{EVENT_ID}").json()["etag"] == original["etag"]
    updated = bob.update(EVENT_ID, {**_meeting(), "summary": "Hijacked again"})
    assert updated.status_code == 200
    assert alice.get(f"/{EVENT_ID}").json()["summary"] == "Review"


def test_an_attendee_setting_a_shared_property_is_403_forbidden_for_non_organizer(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    alice.insert(_meeting(BOB, extendedProperties={"shared": {"kind": "review"}}))
    response = bob.patch(EVENT_ID, {"extendedProperties": {"shared": {"kind": "party"}}})
    assert response.status_code == 403
    assert error_reason(response) == "forbiddenForNonOrganizer"
    same = bob.patch(EVENT_ID, {"extendedProperties": {"shared": {"kind": "review"}}})
    assert same.status_code == 200


def test_private_properties_belong_to_each_copy(calendar_of: Callable[[str], Calendar]) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    alice.insert(_meeting(BOB, extendedProperties={"private": {"tandem": "activity-1"}}))
    bobs = bob.get(f"/{EVENT_ID}").json()
    assert "private" not in bobs.get("extendedProperties", {})
    tagged = bob.patch(EVENT_ID, {"extendedProperties": {"private": {"tandem": "bobs-link"}}}).json()
    assert tagged["extendedProperties"]["private"] == {"tandem": "bobs-link"}
    assert alice.get(f"/{EVENT_ID}").json()["extendedProperties"]["private"] == {"tandem": "activity-1"}
    assert [i["id"] for i in bob.list(privateExtendedProperty="tandem=bobs-link")["items"]] == [EVENT_ID]


def test_an_attendee_deleting_their_copy_declines(calendar_of: Callable[[str], Calendar]) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    alice.insert(_meeting(BOB))
    assert bob.delete(EVENT_ID).status_code == 204
    assert _status_of(alice.get(f"/{EVENT_ID}").json(), BOB) == "declined"
    assert bob.get(f"/{EVENT_ID}").json()["status"] == "cancelled"
    assert bob.delete(EVENT_ID).status_code == 410


def test_an_attendee_answering_one_occurrence_makes_an_exception_at_the_organizer(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    series = {
        **_meeting(BOB),
        "start": {"dateTime": "2030-05-06T10:00:00Z", "timeZone": "UTC"},
        "end": {"dateTime": "2030-05-06T11:00:00Z", "timeZone": "UTC"},
        "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"],
    }
    alice.insert(series)
    occurrence = f"{EVENT_ID}_20300507T100000Z"
    answer = bob.patch(occurrence, {"attendees": [{"email": BOB, "responseStatus": "declined"}]})
    assert answer.status_code == 200
    at_organizer = alice.get(f"/{occurrence}").json()
    assert _status_of(at_organizer, BOB) == "declined"
    assert _status_of(alice.get(f"/{EVENT_ID}").json(), BOB) == "needsAction"


def test_a_service_account_acting_as_itself_cannot_invite(server: EmulatorServer, account: ServiceAccount) -> None:
    """Without `sub` the token is the account's own; Google wants delegation to invite guests.
    (The grant is made by hand: google-auth would look up access boundaries at Google for it.)"""
    now = int(server.state.now().timestamp())
    claims = {"iss": account.email, "aud": server.token_uri, "scope": CALENDAR_SCOPE, "iat": now, "exp": now + 600}
    assertion = jwt.encode(crypt.RSASigner.from_string(account.private_key_pem, account.key_id), claims).decode()
    grant = httpx.post(server.token_uri, data={"grant_type": JWT_BEARER, "assertion": assertion})
    assert grant.status_code == 200
    response = httpx.post(
        f"{server.api_root}/calendars/primary/events",
        headers={"Authorization": f"Bearer {grant.json()['access_token']}"},
        json=_meeting(BOB),
    )
    assert response.status_code == 403
    assert error_reason(response) == "forbiddenForServiceAccounts"
