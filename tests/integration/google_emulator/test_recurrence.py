"""Recurring series: instances, instance ids, exceptions, EXDATE, DST, series edits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.google_emulator.helpers import ALICE, Calendar, error_reason

HELSINKI = "Europe/Helsinki"
SERIES_ID = "series0000000001"


def _weekly(count: int = 5, **extra: Any) -> dict[str, Any]:
    """Mondays 10:00-11:00 Helsinki time from 2030-03-18 (DST starts 2030-03-31)."""
    return {
        "id": SERIES_ID,
        "summary": "Weekly",
        "start": {"dateTime": "2030-03-18T10:00:00", "timeZone": HELSINKI},
        "end": {"dateTime": "2030-03-18T11:00:00", "timeZone": HELSINKI},
        "recurrence": [f"RRULE:FREQ=WEEKLY;COUNT={count}"],
        **extra,
    }


def _instances(calendar: Calendar, **params: Any) -> list[dict[str, Any]]:
    response = calendar.client.get(f"/events/{SERIES_ID}/instances", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_instances_keep_local_time_across_dst_and_have_googles_ids(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    master = alice.insert(_weekly()).json()
    assert master["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=5"]
    items = _instances(alice)
    assert [i["start"]["dateTime"] for i in items] == [
        "2030-03-18T10:00:00+02:00",
        "2030-03-25T10:00:00+02:00",
        "2030-04-01T10:00:00+03:00",
        "2030-04-08T10:00:00+03:00",
        "2030-04-15T10:00:00+03:00",
    ]
    assert items[0]["id"] == f"{SERIES_ID}_20300318T080000Z"
    assert items[2]["id"] == f"{SERIES_ID}_20300401T070000Z"
    for item in items:
        assert item["recurringEventId"] == SERIES_ID
        assert item["iCalUID"] == master["iCalUID"]
        assert item["originalStartTime"] == item["start"]
        assert "recurrence" not in item


def test_all_day_instance_ids_carry_the_date(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    body = {
        "id": SERIES_ID,
        "start": {"date": "2030-01-01"},
        "end": {"date": "2030-01-02"},
        "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"],
    }
    alice.insert(body)
    items = _instances(alice)
    assert [i["id"] for i in items] == [f"{SERIES_ID}_2030010{d}" for d in (1, 2, 3)]
    assert items[1]["start"] == {"date": "2030-01-02"}
    assert items[1]["end"] == {"date": "2030-01-03"}


def test_exdate_removes_an_occurrence(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_weekly(recurrence=["RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE;TZID=Europe/Helsinki:20300325T100000"]))
    assert [i["id"][-16:] for i in _instances(alice)] == ["20300318T080000Z", "20300401T070000Z"]


def test_instances_window_and_paging(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_weekly(count=10))
    window = _instances(alice, timeMin="2030-03-25T09:00:00Z", timeMax="2030-04-09T00:00:00Z")
    assert [i["start"]["dateTime"][:10] for i in window] == ["2030-04-01", "2030-04-08"]
    first = alice.client.get(f"/events/{SERIES_ID}/instances", params={"maxResults": 4}).json()
    second = alice.client.get(
        f"/events/{SERIES_ID}/instances", params={"maxResults": 4, "pageToken": first["nextPageToken"]}
    ).json()
    assert len(first["items"]) == 4
    assert len(second["items"]) == 4
    assert first["items"][-1]["id"] != second["items"][0]["id"]


def test_patching_an_instance_makes_an_exception_that_keeps_its_original_start(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_weekly())
    instance_id = f"{SERIES_ID}_20300325T080000Z"
    moved = alice.patch(
        instance_id,
        {
            "summary": "Moved",
            "start": {"dateTime": "2030-03-26T12:00:00+02:00"},
            "end": {"dateTime": "2030-03-26T13:00:00+02:00"},
        },
    )
    assert moved.status_code == 200
    exception = moved.json()
    assert exception["id"] == instance_id
    assert exception["recurringEventId"] == SERIES_ID
    assert exception["originalStartTime"]["dateTime"] == "2030-03-25T10:00:00+02:00"
    assert exception["start"]["dateTime"] == "2030-03-26T12:00:00+02:00"
    assert alice.get(f"/{instance_id}").json()["summary"] == "Moved"
    items = _instances(alice)
    assert [i["summary"] for i in items] == ["Weekly", "Moved", "Weekly", "Weekly", "Weekly"]
    listed = alice.list()["items"]
    assert {i["id"] for i in listed} == {SERIES_ID, instance_id}


def test_deleting_an_instance_leaves_a_cancelled_exception(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_weekly())
    _, token = alice.list_all()
    instance_id = f"{SERIES_ID}_20300401T070000Z"
    assert alice.delete(instance_id).status_code == 204
    assert len(_instances(alice)) == 4
    # singleEvents=false, showDeleted=false: the cancelled occurrence of a live series is listed
    listed = {i["id"]: i for i in alice.list()["items"]}
    assert listed[instance_id]["status"] == "cancelled"
    assert listed[instance_id]["recurringEventId"] == SERIES_ID
    assert listed[instance_id]["originalStartTime"]["dateTime"] == "2030-04-01T10:00:00+03:00"
    single = alice.list(singleEvents="true")["items"]
    assert len(single) == 4
    assert instance_id not in {i["id"] for i in single}
    changes = alice.list(syncToken=token)["items"]
    assert [(i["id"], i["status"]) for i in changes] == [(instance_id, "cancelled")]
    assert alice.delete(instance_id).status_code == 410


def test_single_events_expands_series_within_the_window(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_weekly(count=52))
    items = alice.list(singleEvents="true", timeMin="2030-04-01T00:00:00Z", timeMax="2030-04-16T00:00:00Z")["items"]
    assert [i["id"][-16:] for i in items] == ["20300401T070000Z", "20300408T070000Z", "20300415T070000Z"]


def test_open_ended_series_expansion_is_capped(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    body = _weekly()
    body["recurrence"] = ["RRULE:FREQ=DAILY"]
    alice.insert(body)
    assert len(_instances(alice, maxResults=2500)) == 730


def test_series_edit_reaches_untouched_fields_of_exceptions_but_keeps_their_overrides(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_weekly(description="old notes"))
    renamed = f"{SERIES_ID}_20300325T080000Z"
    described = f"{SERIES_ID}_20300401T070000Z"
    alice.patch(renamed, {"summary": "Special"})
    alice.patch(described, {"description": "own notes"})
    alice.patch(SERIES_ID, {"summary": "Weekly v2", "description": "new notes"})
    assert alice.get(f"/{renamed}").json()["summary"] == "Special"
    assert alice.get(f"/{renamed}").json()["description"] == "new notes"
    assert alice.get(f"/{described}").json()["summary"] == "Weekly v2"
    assert alice.get(f"/{described}").json()["description"] == "own notes"


def test_deleting_the_series_cancels_its_exceptions(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_weekly())
    exception = f"{SERIES_ID}_20300325T080000Z"
    alice.patch(exception, {"summary": "Special"})
    _, token = alice.list_all()
    alice.delete(SERIES_ID)
    changes = {i["id"]: i["status"] for i in alice.list(syncToken=token)["items"]}
    assert changes == {SERIES_ID: "cancelled", exception: "cancelled"}


def test_an_instance_id_that_is_not_an_occurrence_is_404(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_weekly())
    response = alice.get(f"/{SERIES_ID}_20300326T080000Z")
    assert response.status_code == 404
    assert error_reason(response) == "notFound"


def test_if_match_on_an_untouched_instance_uses_the_series_etag(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    master = alice.insert(_weekly()).json()
    instance_id = f"{SERIES_ID}_20300325T080000Z"
    assert alice.get(f"/{instance_id}").json()["etag"] == master["etag"]
    stale = alice.patch(instance_id, {"summary": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert alice.patch(instance_id, {"summary": "x"}, headers={"If-Match": master["etag"]}).status_code == 200
