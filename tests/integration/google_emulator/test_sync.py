"""events.list: full and incremental sync, paging, windows, filters."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.google_emulator.helpers import ALICE, BOB, Calendar, error_reason, timed


def _insert_many(calendar: Calendar, count: int, day: int = 1) -> list[str]:
    ids = []
    for index in range(count):
        body = timed(f"2030-01-{day:02d}T{index % 24:02d}:00:00Z", f"2030-01-{day:02d}T{index % 24:02d}:30:00Z")
        ids.append(calendar.insert({**body, "summary": f"event {index}"}).json()["id"])
    return ids


def test_full_sync_pages_and_gives_the_sync_token_only_on_the_last_page(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    ids = _insert_many(alice, 7)
    first = alice.list(maxResults=3)
    assert len(first["items"]) == 3
    assert "nextPageToken" in first
    assert "nextSyncToken" not in first
    second = alice.list(maxResults=3, pageToken=first["nextPageToken"])
    assert "nextPageToken" in second
    assert "nextSyncToken" not in second
    last = alice.list(maxResults=3, pageToken=second["nextPageToken"])
    assert "nextPageToken" not in last
    assert "nextSyncToken" in last
    seen = [i["id"] for page in (first, second, last) for i in page["items"]]
    assert sorted(seen) == sorted(ids)
    for key in ("kind", "etag", "summary", "updated", "timeZone", "accessRole"):
        assert key in last
    assert last["kind"] == "calendar#events"


def test_incremental_sync_returns_only_what_changed(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    ids = _insert_many(alice, 4)
    _, token = alice.list_all()
    empty = alice.list(syncToken=token)
    assert empty["items"] == []
    alice.patch(ids[1], {"summary": "changed"})
    new_id = alice.insert(timed("2030-02-01T10:00:00Z", "2030-02-01T11:00:00Z")).json()["id"]
    changes = alice.list(syncToken=empty["nextSyncToken"])
    assert [i["id"] for i in changes["items"]] == [ids[1], new_id]
    assert changes["items"][0]["summary"] == "changed"


def test_sync_token_returns_deleted_events_as_cancelled(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    ids = _insert_many(alice, 2)
    _, token = alice.list_all()
    alice.delete(ids[0])
    changes = alice.list(syncToken=token)
    assert len(changes["items"]) == 1
    item = changes["items"][0]
    assert item["id"] == ids[0]
    assert item["status"] == "cancelled"
    assert "summary" not in item
    full, _ = alice.list_all()
    assert [i["id"] for i in full] == [ids[1]]


def test_incremental_sync_pages_and_keeps_changes_made_while_paging(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    ids = _insert_many(alice, 5)
    _, token = alice.list_all()
    for event_id in ids:
        alice.patch(event_id, {"description": "touched"})
    first = alice.list(syncToken=token, maxResults=2)
    assert "nextSyncToken" not in first
    late = alice.insert(timed("2030-03-01T10:00:00Z", "2030-03-01T11:00:00Z")).json()["id"]
    rest, next_token = [], None
    page = first
    while "nextPageToken" in page:
        page = alice.list(syncToken=token, maxResults=2, pageToken=page["nextPageToken"])
        rest += [i["id"] for i in page["items"]]
    next_token = page["nextSyncToken"]
    assert sorted([i["id"] for i in first["items"]] + rest) == sorted(ids)
    assert [i["id"] for i in alice.list(syncToken=next_token)["items"]] == [late]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("timeMin", "2030-01-01T00:00:00Z"),
        ("timeMax", "2030-01-01T00:00:00Z"),
        ("updatedMin", "2030-01-01T00:00:00Z"),
        ("q", "event"),
        ("iCalUID", "x@google.com"),
        ("orderBy", "updated"),
        ("privateExtendedProperty", "a=b"),
        ("sharedExtendedProperty", "a=b"),
    ],
)
def test_parameters_google_forbids_beside_a_sync_token_are_400(
    calendar_of: Callable[[str], Calendar], name: str, value: str
) -> None:
    alice = calendar_of(ALICE)
    _, token = alice.list_all()
    response = alice.get(syncToken=token, **{name: value})
    assert response.status_code == 400


def test_unreadable_sync_token_is_410_full_sync_required(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    _, token = alice.list_all()
    response = alice.get(syncToken="1" + token)
    assert response.status_code == 410
    assert error_reason(response) == "fullSyncRequired"
    assert response.json()["error"]["message"] == "Sync token is no longer valid, a full sync is required."


def test_invalidated_sync_tokens_are_410_and_a_full_sync_gives_a_working_one(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice = calendar_of(ALICE)
    _insert_many(alice, 2)
    _, token = alice.list_all()
    alice.server.state.invalidate_sync_tokens(ALICE)
    assert alice.get(syncToken=token).status_code == 410
    items, fresh = alice.list_all()
    assert len(items) == 2
    assert alice.get(syncToken=fresh).status_code == 200


def test_sync_token_of_another_calendar_is_410(calendar_of: Callable[[str], Calendar]) -> None:
    _, bobs_token = calendar_of(BOB).list_all()
    assert calendar_of(ALICE).get(syncToken=bobs_token).status_code == 410


def test_sync_tokens_can_be_given_a_lifetime(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    _, token = alice.list_all()
    alice.server.state.sync_token_ttl = 600
    alice.server.state.clock.advance(601)
    assert alice.get(syncToken=token).status_code == 410


def test_time_min_bounds_the_end_and_time_max_the_start_both_exclusive(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    before = alice.insert(timed("2030-01-01T08:00:00Z", "2030-01-01T09:00:00Z", summary="ends at timeMin")).json()
    overlapping = alice.insert(timed("2030-01-01T08:30:00Z", "2030-01-01T09:30:00Z", summary="overlaps")).json()
    inside = alice.insert(timed("2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z", summary="inside")).json()
    after = alice.insert(timed("2030-01-01T12:00:00Z", "2030-01-01T13:00:00Z", summary="starts at timeMax")).json()
    window = alice.list(timeMin="2030-01-01T09:00:00Z", timeMax="2030-01-01T12:00:00Z")
    found = {i["id"] for i in window["items"]}
    assert found == {overlapping["id"], inside["id"]}
    assert before["id"] not in found
    assert after["id"] not in found
    offset = alice.list(timeMin="2030-01-01T11:00:00+02:00", timeMax="2030-01-01T14:00:00+02:00")
    assert {i["id"] for i in offset["items"]} == {overlapping["id"], inside["id"]}


@pytest.mark.parametrize("value", ["2030-01-01T09:00:00", "2030-01-01", "yesterday"])
def test_time_min_without_an_offset_is_400(calendar_of: Callable[[str], Calendar], value: str) -> None:
    assert calendar_of(ALICE).get(timeMin=value).status_code == 400


def test_time_max_before_time_min_is_400_time_range_empty(calendar_of: Callable[[str], Calendar]) -> None:
    response = calendar_of(ALICE).get(timeMin="2030-01-02T00:00:00Z", timeMax="2030-01-01T00:00:00Z")
    assert response.status_code == 400
    assert error_reason(response) == "timeRangeEmpty"


def test_a_later_incremental_sync_reports_changes_outside_the_first_window(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice = calendar_of(ALICE)
    far = alice.insert(timed("2031-06-01T10:00:00Z", "2031-06-01T11:00:00Z")).json()
    items, token = alice.list_all(timeMin="2030-01-01T00:00:00Z", timeMax="2030-12-31T00:00:00Z")
    assert items == []
    alice.patch(far["id"], {"summary": "far away"})
    assert [i["id"] for i in alice.list(syncToken=token)["items"]] == [far["id"]]


def test_show_deleted_decides_whether_a_full_list_shows_deleted_events(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    ids = _insert_many(alice, 2)
    alice.delete(ids[0])
    assert [i["id"] for i in alice.list()["items"]] == [ids[1]]
    shown = alice.list(showDeleted="true")["items"]
    assert {i["id"]: i["status"] for i in shown} == {ids[0]: "cancelled", ids[1]: "confirmed"}


def test_updated_min_returns_recent_changes_including_deletions(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    clock = alice.server.state.clock
    clock.freeze()
    ids = _insert_many(alice, 3)
    clock.advance(60)
    since = clock.now().isoformat()
    alice.patch(ids[0], {"summary": "later"})
    alice.delete(ids[1])
    found = {i["id"]: i["status"] for i in alice.list(updatedMin=since)["items"]}
    assert found == {ids[0]: "confirmed", ids[1]: "cancelled"}


def test_extended_property_filters_and_text_search(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    base = timed("2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z")
    tagged = alice.insert(
        {
            **base,
            "summary": "Budget review",
            "extendedProperties": {"private": {"tandem": "a1"}, "shared": {"kind": "x"}},
        }
    ).json()
    alice.insert({**base, "summary": "Lunch", "extendedProperties": {"private": {"tandem": "a2"}}})
    assert [i["id"] for i in alice.list(privateExtendedProperty="tandem=a1")["items"]] == [tagged["id"]]
    assert [i["id"] for i in alice.list(sharedExtendedProperty="kind=x")["items"]] == [tagged["id"]]
    both = alice.client.get(
        "/events", params=[("privateExtendedProperty", "tandem=a1"), ("privateExtendedProperty", "no=pe")]
    )
    assert both.json()["items"] == []
    assert [i["id"] for i in alice.list(q="budget")["items"]] == [tagged["id"]]
    assert [i["id"] for i in alice.list(iCalUID=tagged["iCalUID"])["items"]] == [tagged["id"]]


def test_max_results_above_2500_is_capped(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    _insert_many(alice, 3)
    assert len(alice.list(maxResults=100000)["items"]) == 3
    assert alice.get(maxResults=0).status_code == 400


def test_order_by_start_time_needs_single_events(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    late = alice.insert(timed("2030-01-02T10:00:00Z", "2030-01-02T11:00:00Z")).json()
    early = alice.insert(timed("2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z")).json()
    assert alice.get(orderBy="startTime").status_code == 400
    ordered = alice.list(orderBy="startTime", singleEvents="true")
    assert [i["id"] for i in ordered["items"]] == [early["id"], late["id"]]
    assert "nextSyncToken" not in ordered
