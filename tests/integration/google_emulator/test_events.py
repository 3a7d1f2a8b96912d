"""Single events: ids, validation, etags, sequence, update vs patch, deletion."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.google_emulator.helpers import ALICE, Calendar, all_day, error_reason, timed

MEETING = timed("2030-03-04T09:00:00Z", "2030-03-04T10:00:00Z", summary="Planning", description="agenda")
CLIENT_ID = "tandem0123456789abcdefghijkl"


def test_insert_keeps_a_client_id_and_a_second_insert_is_409_duplicate(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    created = alice.insert({**MEETING, "id": CLIENT_ID})
    assert created.status_code == 200
    event = created.json()
    assert event["id"] == CLIENT_ID
    assert event["iCalUID"] == f"{CLIENT_ID}@google.com"
    assert event["organizer"] == {"email": ALICE, "self": True}
    assert event["status"] == "confirmed"
    again = alice.insert({**MEETING, "id": CLIENT_ID})
    assert again.status_code == 409
    assert error_reason(again) == "duplicate"
    assert again.json()["error"]["message"] == "The requested identifier already exists."


@pytest.mark.parametrize("bad_id", ["abcd", "ABCDEFGH", "abcdefgw", "abc_defgh", "x" * 5, "a" * 1025])
def test_ids_outside_base32hex_or_length_are_400_invalid(calendar_of: Callable[[str], Calendar], bad_id: str) -> None:
    response = calendar_of(ALICE).insert({**MEETING, "id": bad_id})
    assert response.status_code == 400
    assert error_reason(response) == "invalid"
    assert response.json()["error"]["message"] == "Invalid resource id value."


def test_generated_ids_are_26_base32hex_characters(calendar_of: Callable[[str], Calendar]) -> None:
    event_id = calendar_of(ALICE).insert(MEETING).json()["id"]
    assert len(event_id) == 26
    assert set(event_id) <= set("abcdefghijklmnopqrstuv0123456789")


def test_deleted_id_stays_taken_and_update_with_confirmed_brings_it_back(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice = calendar_of(ALICE)
    alice.insert({**MEETING, "id": CLIENT_ID})
    assert alice.delete(CLIENT_ID).status_code == 204
    fetched = alice.get(f"/{CLIENT_ID}")
    assert fetched.status_code == 200
    assert fetched.json()["status"] == "cancelled"
    assert alice.insert({**MEETING, "id": CLIENT_ID}).status_code == 409
    again = alice.delete(CLIENT_ID)
    assert again.status_code == 410
    assert error_reason(again) == "deleted"
    restored = alice.patch(CLIENT_ID, {"status": "confirmed"})
    assert restored.status_code == 200
    assert restored.json()["status"] == "confirmed"
    assert alice.get(f"/{CLIENT_ID}").json()["summary"] == "Planning"


def test_unknown_event_is_404_not_found(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    for response in (alice.get("/nosuchevent1"), alice.patch("nosuchevent1", {}), alice.delete("nosuchevent1")):
        assert response.status_code == 404
        assert error_reason(response) == "notFound"


def test_every_write_changes_etag_and_updated(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.server.state.clock.freeze()
    first = alice.insert(MEETING).json()
    alice.server.state.clock.advance(1.5)
    second = alice.patch(first["id"], {"description": "new agenda"}).json()
    assert second["etag"] != first["etag"]
    assert second["etag"].startswith('"')
    assert second["etag"].endswith('"')
    assert second["updated"] > first["updated"]
    assert second["updated"].endswith("Z")
    assert len(second["updated"]) == len("2030-01-01T00:00:00.000Z")
    assert second["created"] == first["created"]


def test_if_match_with_a_stale_etag_is_412_on_update_patch_and_delete(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    event = alice.insert(MEETING).json()
    current = alice.patch(event["id"], {"summary": "Planning v2"}).json()
    stale = {"If-Match": event["etag"]}
    for response in (
        alice.update(event["id"], MEETING, headers=stale),
        alice.patch(event["id"], {"summary": "x"}, headers=stale),
        alice.delete(event["id"], headers=stale),
        alice.client.get(f"/events/{event['id']}", headers=stale),
    ):
        assert response.status_code == 412
        assert error_reason(response) == "conditionNotMet"
    assert alice.patch(event["id"], {"summary": "ok"}, headers={"If-Match": current["etag"]}).status_code == 200
    assert (
        alice.client.get(
            f"/events/{event['id']}", headers={"If-None-Match": alice.get(f"/{event['id']}").json()["etag"]}
        ).status_code
        == 304
    )


def test_sequence_rises_when_time_or_title_changes_but_not_for_the_description(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice = calendar_of(ALICE)
    event = alice.insert(MEETING).json()
    assert event["sequence"] == 0
    assert alice.patch(event["id"], {"description": "more"}).json()["sequence"] == 0
    moved = alice.patch(event["id"], {"start": {"dateTime": "2030-03-04T09:30:00Z"}})
    assert moved.json()["sequence"] == 1
    assert alice.patch(event["id"], {"summary": "Renamed"}).json()["sequence"] == 2


def test_end_before_start_is_400_time_range_empty(calendar_of: Callable[[str], Calendar]) -> None:
    response = calendar_of(ALICE).insert(timed("2030-03-04T10:00:00Z", "2030-03-04T09:00:00Z"))
    assert response.status_code == 400
    assert error_reason(response) == "timeRangeEmpty"
    assert response.json()["error"]["message"] == "The specified time range is empty."


def test_all_day_end_is_exclusive_and_must_follow_the_start(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    event = alice.insert(all_day("2030-05-01", "2030-05-02", summary="Holiday")).json()
    assert event["start"] == {"date": "2030-05-01"}
    assert event["end"] == {"date": "2030-05-02"}
    same_day = alice.insert(all_day("2030-05-01", "2030-05-01"))
    assert same_day.status_code == 400
    assert error_reason(same_day) == "timeRangeEmpty"


def test_mixed_date_and_date_time_is_400(calendar_of: Callable[[str], Calendar]) -> None:
    response = calendar_of(ALICE).insert({"start": {"date": "2030-05-01"}, "end": {"dateTime": "2030-05-01T10:00:00Z"}})
    assert response.status_code == 400


def test_local_time_is_shown_in_its_time_zone(calendar_of: Callable[[str], Calendar]) -> None:
    body = {
        "start": {"dateTime": "2030-06-01T10:00:00", "timeZone": "Europe/Helsinki"},
        "end": {"dateTime": "2030-06-01T11:00:00", "timeZone": "Europe/Helsinki"},
    }
    event = calendar_of(ALICE).insert(body).json()
    assert event["start"] == {"dateTime": "2030-06-01T10:00:00+03:00", "timeZone": "Europe/Helsinki"}


def test_time_without_offset_or_zone_is_400(calendar_of: Callable[[str], Calendar]) -> None:
    response = calendar_of(ALICE).insert(timed("2030-06-01T10:00:00", "2030-06-01T11:00:00"))
    assert response.status_code == 400


def test_recurring_event_without_start_time_zone_is_400(calendar_of: Callable[[str], Calendar]) -> None:
    body = {**timed("2030-06-01T10:00:00Z", "2030-06-01T11:00:00Z"), "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"]}
    response = calendar_of(ALICE).insert(body)
    assert response.status_code == 400
    assert "time zone" in response.json()["error"]["message"]


def test_unparsable_recurrence_is_400(calendar_of: Callable[[str], Calendar]) -> None:
    body = {
        "start": {"dateTime": "2030-06-01T10:00:00Z", "timeZone": "UTC"},
        "end": {"dateTime": "2030-06-01T11:00:00Z", "timeZone": "UTC"},
        "recurrence": ["RRULE:FREQ=SOMETIMES"],
    }
    assert calendar_of(ALICE).insert(body).status_code == 400


def test_update_replaces_the_whole_event_and_patch_merges(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    event = alice.insert({**MEETING, "location": "Room 1", "attendees": [{"email": "x@partner.org"}]}).json()
    patched = alice.patch(event["id"], {"summary": "Patched", "attendees": [{"email": "y@partner.org"}]}).json()
    assert patched["location"] == "Room 1"
    assert patched["description"] == "agenda"
    assert [a["email"] for a in patched["attendees"]] == ["y@partner.org"]
    updated = alice.update(event["id"], timed("2030-03-04T09:00:00Z", "2030-03-04T10:00:00Z", summary="Only")).json()
    assert updated["summary"] == "Only"
    assert "location" not in updated
    assert "description" not in updated
    assert "attendees" not in updated


def test_extended_properties_drop_long_keys_truncate_long_values_and_merge_on_patch(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice = calendar_of(ALICE)
    body = {
        **MEETING,
        "extendedProperties": {"private": {"k" * 45: "dropped", "long": "v" * 2000, "keep": "1"}, "shared": {"s": "1"}},
    }
    event = alice.insert(body).json()
    private = event["extendedProperties"]["private"]
    assert "k" * 45 not in private
    assert len(private["long"]) == 1024
    patched = alice.patch(event["id"], {"extendedProperties": {"private": {"added": "2", "keep": None}}}).json()
    assert patched["extendedProperties"]["private"] == {"long": "v" * 1024, "added": "2"}
    assert patched["extendedProperties"]["shared"] == {"s": "1"}


def test_more_than_300_extended_properties_is_400(calendar_of: Callable[[str], Calendar]) -> None:
    body = {**MEETING, "extendedProperties": {"private": {f"k{i}": "v" for i in range(301)}}}
    assert calendar_of(ALICE).insert(body).status_code == 400


def test_invalid_json_body_is_400_parse_error(calendar_of: Callable[[str], Calendar]) -> None:
    response = calendar_of(ALICE).client.post(
        "/events", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_reason(response) == "parseError"
