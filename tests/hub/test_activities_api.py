"""Activities over the hub's REST API: what a Severa API client sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.hub.models import Activity, ChangeLog
from tests.support import factories
from tests.support.hub import SpecClient


@pytest.fixture
def org(tandem: bootstrap.Tandem) -> dict[str, Any]:
    owner = factories.user(tandem, first_name="Olivia", last_name="Owner")
    other = factories.user(tandem, first_name="Oscar", last_name="Other")
    meeting = factories.activity_type(tandem, "Meeting", "CalendarEntry", is_default=True)
    personal = factories.activity_type(tandem, "Personal", "Personal")
    task = factories.activity_type(tandem, "Task", "Task")
    return {"owner": owner, "other": other, "meeting": meeting, "personal": personal, "task": task}


def counts(tandem: bootstrap.Tandem) -> tuple[int, int]:
    with tandem.db.read() as session:
        return (
            session.scalar(sa.select(sa.func.count()).select_from(Activity)) or 0,
            session.scalar(sa.select(sa.func.count()).select_from(ChangeLog)) or 0,
        )


def test_create_get_patch_delete_round_trip(api: SpecClient, org: dict[str, Any]) -> None:
    body = factories.activity_body(org["owner"], org["meeting"], location="Room 1", notes="Bring slides")
    created = api.post("/v1/activities", json=body)
    assert created.status_code == 201, created.text
    made = created.json()
    assert made["name"] == "Planning"
    assert made["startDateTime"] == "2026-12-01T09:00:00+02:00"
    assert made["timeZone"] == "Europe/Helsinki"  # the owner's zone
    assert made["ownerUser"]["guid"] == org["owner"].guid
    assert made["activityType"]["category"] == "CalendarEntry"

    fetched = api.get(f"/v1/activities/{made['guid']}").json()
    assert fetched["location"] == "Room 1"

    patched = api.patch(
        f"/v1/activities/{made['guid']}",
        json=[
            {"op": "replace", "path": "/name", "value": "Planning, round 2"},
            {"op": "Replace", "path": "/endDateTime", "value": "2026-12-01T11:00:00+02:00"},
        ],
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()[0]["name"] == "Planning, round 2"
    assert api.get(f"/v1/activities/{made['guid']}").json()["endDateTime"] == "2026-12-01T11:00:00+02:00"

    assert api.delete(f"/v1/activities/{made['guid']}").status_code == 204
    assert api.get(f"/v1/activities/{made['guid']}").status_code == 404
    assert api.delete(f"/v1/activities/{made['guid']}").status_code == 404


def test_patch_accepts_values_as_strings_as_the_spec_types_them(api: SpecClient, org: dict[str, Any]) -> None:
    guid = api.post("/v1/activities", json=factories.activity_body(org["owner"], org["meeting"])).json()["guid"]
    patched = api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/isClosed", "value": "true"}])
    assert patched.status_code == 200, patched.text
    assert patched.json()[0]["isClosed"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endDateTime": "2026-12-01T08:00:00+02:00"}, "endDateTime"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"location": "x" * 1001}, "location"),
        ({"activityType": {"guid": "00000000-0000-0000-0000-000000000000"}}, "activityType.guid"),
        ({"ownerUser": {"guid": "no-such-user"}}, "ownerUser.guid"),
        ({"startDateTime": "next tuesday"}, "startDateTime"),
        ({"isAllDay": "yes"}, "isAllDay"),
        ({"isClosed": 1}, "isClosed"),
        ({"timeZone": "Mars/Olympus"}, "timeZone"),
        ({"recurrence": {"frequency": "Hourly"}}, "recurrence.frequency"),
        ({"customer": {"guid": "nobody"}}, "customer.guid"),
    ],
)
def test_invalid_input_is_refused_with_the_field_named_and_nothing_written(
    api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    before = counts(tandem)
    response = api.post("/v1/activities", json=factories.activity_body(org["owner"], org["meeting"], **change))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "InvalidParameter"
    names = [d["location"]["name"] for d in error["details"] if d.get("location")]
    assert field in names, error
    assert counts(tandem) == before


def test_missing_required_fields_are_each_named(api: SpecClient, tandem: bootstrap.Tandem) -> None:
    response = api.post("/v1/activities", json={"notes": "no name, no type, no owner, no start"})
    assert response.status_code == 400
    names = {d["location"]["name"] for d in response.json()["error"]["details"]}
    assert {"name", "activityType", "ownerUser", "startDateTime"} <= names
    assert counts(tandem) == (0, 0)


def test_malformed_json_is_an_invalid_request(api: SpecClient, tandem: bootstrap.Tandem) -> None:
    response = api.post("/v1/activities", content=b'{"name": "broken', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "InvalidRequest"
    assert "not valid JSON" in response.json()["error"]["details"][0]["message"]
    assert counts(tandem) == (0, 0)


def test_a_bad_patch_changes_nothing(api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any]) -> None:
    guid = api.post("/v1/activities", json=factories.activity_body(org["owner"], org["meeting"])).json()["guid"]
    before = api.get(f"/v1/activities/{guid}").json()
    bad = api.patch(
        f"/v1/activities/{guid}",
        json=[
            {"op": "replace", "path": "/name", "value": "Renamed"},
            {"op": "replace", "path": "/endDateTime", "value": "2020-01-01T00:00:00Z"},
        ],
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["details"][0]["location"]["name"] == "endDateTime"
    assert api.get(f"/v1/activities/{guid}").json() == before
    not_a_patch = api.patch(f"/v1/activities/{guid}", json={"name": "x"})
    assert not_a_patch.status_code == 400


def test_cal_15_owner_is_fixed_once_saved_while_calendar_sync_is_on(
    api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any]
) -> None:
    from tandem.hub.services import counters

    with tandem.db.write() as session:
        counters.settings(session).calendar_addon_enabled = True
    # Before the first save the owner is free: any owner may be given.
    body = factories.activity_body(org["other"], org["meeting"])
    guid = api.post("/v1/activities", json=body).json()["guid"]
    change_owner = [{"op": "replace", "path": "/ownerUser/guid", "value": org["owner"].guid}]
    refused = api.patch(f"/v1/activities/{guid}", json=change_owner)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["type"] == "InvalidOperation"
    assert "owner" in error["details"][0]["message"].lower()
    assert "calendar" in error["details"][0]["message"].lower()
    assert api.get(f"/v1/activities/{guid}").json()["ownerUser"]["guid"] == org["other"].guid
    # Other fields can still change, with the owner left as it is.
    ok = api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/name", "value": "Renamed"}])
    assert ok.status_code == 200


def test_cal_15_owner_may_change_while_calendar_sync_is_off(api: SpecClient, org: dict[str, Any]) -> None:
    guid = api.post("/v1/activities", json=factories.activity_body(org["other"], org["meeting"])).json()["guid"]
    change_owner = [{"op": "replace", "path": "/ownerUser/guid", "value": org["owner"].guid}]
    assert api.patch(f"/v1/activities/{guid}", json=change_owner).status_code == 200
    assert api.get(f"/v1/activities/{guid}").json()["ownerUser"]["guid"] == org["owner"].guid


def test_all_day_activities_keep_their_dates(api: SpecClient, org: dict[str, Any]) -> None:
    body = factories.activity_body(
        org["owner"],
        org["meeting"],
        isAllDay=True,
        startDateTime="2026-12-24T00:00:00",
        endDateTime="2026-12-26T00:00:00",
        timeZone="America/New_York",
    )
    made = api.post("/v1/activities", json=body).json()
    assert made["isAllDay"] is True
    assert made["startDateTime"] == "2026-12-24T00:00:00-05:00"
    assert made["endDateTime"] == "2026-12-26T00:00:00-05:00"  # exclusive: the 24th and 25th
    one_day = factories.activity_body(
        org["owner"],
        org["meeting"],
        isAllDay=True,
        startDateTime="2026-12-31T00:00:00",
        endDateTime="2026-12-31T23:59:00",
    )
    made = api.post("/v1/activities", json=one_day).json()
    assert made["startDateTime"].startswith("2026-12-31T00:00:00")
    assert made["endDateTime"].startswith("2027-01-01T00:00:00")


def test_recurrence_is_stored_as_an_rrule_and_shown_in_the_spec_shape(api: SpecClient, org: dict[str, Any]) -> None:
    recurrence = {
        "frequency": "Monthly",
        "pattern": {"monthly": {"interval": 1, "dayOrdinal": "Last", "dayOrdinalOption": "Friday"}},
        "range": {"maxOccurrences": 6},
    }
    made = api.post(
        "/v1/activities", json=factories.activity_body(org["owner"], org["meeting"], recurrence=recurrence)
    ).json()
    assert made["recurrenceRule"] == "FREQ=MONTHLY;BYDAY=-1FR;COUNT=6"
    assert made["recurrenceType"] == "Series"
    assert made["recurrence"]["frequency"] == "Monthly"
    assert made["recurrence"]["pattern"]["monthly"]["dayOrdinal"] == "Last"
    assert made["recurrence"]["range"]["maxOccurrences"] == 6
    weekly_until = {
        "frequency": "Weekly",
        "pattern": {"weekly": {"interval": 2, "monday": True, "thursday": True}},
        "range": {"recursUntilDate": "2027-03-31"},
    }
    made = api.post(
        "/v1/activities", json=factories.activity_body(org["owner"], org["meeting"], recurrence=weekly_until)
    ).json()
    # UNTIL is the end of that day in the activity's zone (Helsinki is at UTC+3 on 31 March 2027)
    assert made["recurrenceRule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20270331T205959Z"
    assert made["recurrence"]["range"]["recursUntilDate"] == "2027-03-31"
    # A PATCH of another field keeps the series as it is.
    patched = api.patch(f"/v1/activities/{made['guid']}", json=[{"op": "replace", "path": "/name", "value": "Sync"}])
    assert patched.json()[0]["recurrenceRule"] == made["recurrenceRule"]


def test_cal_9_exception_of_a_series_names_its_occurrence_and_reset(api: SpecClient, org: dict[str, Any]) -> None:
    series = api.post(
        "/v1/activities",
        json=factories.activity_body(org["owner"], org["meeting"], recurrence={"frequency": "Daily"}),
    ).json()
    moved = factories.activity_body(
        org["owner"],
        org["meeting"],
        startDateTime="2026-12-03T13:00:00+02:00",
        endDateTime="2026-12-03T14:00:00+02:00",
        recurrenceParentActivityGuid=series["guid"],
        originalStartDateTime="2026-12-03T09:00:00+02:00",
    )
    exception = api.post("/v1/activities", json=moved)
    assert exception.status_code == 201, exception.text
    assert exception.json()["recurrenceType"] == "Exception"
    read = api.get(f"/v1/activities/{exception.json()['guid']}").json()
    # the occurrence it replaces, as the series lists it (once: not in the output at all)
    assert read["originalStartDateTime"] == "2026-12-03T09:00:00+02:00"
    assert series["originalStartDateTime"] is None
    shown = api.get(f"/v1/activities/{series['guid']}").json()
    assert shown["recurrence"]["exceptions"] == [read["originalStartDateTime"]]
    assert shown["recurrence"]["exceptions"] == ["2026-12-03T09:00:00+02:00"]
    assert api.delete(f"/v1/activities/{series['guid']}/exceptions").status_code == 204
    assert api.get(f"/v1/activities/{exception.json()['guid']}").status_code == 404
    assert api.get(f"/v1/activities/{series['guid']}").json()["recurrence"]["exceptions"] == []


def test_cal_9_a_series_edit_reaches_its_exceptions_that_kept_the_old_value(
    api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any]
) -> None:
    """In the hub itself, not only through the calendar: with nobody's sync on, a renamed
    series renames the occurrences that still had its name; one renamed on its own keeps
    its name. Each changed exception is in the change log, so every calendar hears of it."""
    series = api.post(
        "/v1/activities",
        json=factories.activity_body(org["owner"], org["meeting"], name="Standup", recurrence={"frequency": "Daily"}),
    ).json()

    def exception(day: int, **fields: Any) -> str:
        body = factories.activity_body(
            org["owner"],
            org["meeting"],
            startDateTime=f"2026-12-0{day}T13:00:00+02:00",
            endDateTime=f"2026-12-0{day}T14:00:00+02:00",
            recurrenceParentActivityGuid=series["guid"],
            originalStartDateTime=f"2026-12-0{day}T09:00:00+02:00",
            **fields,
        )
        made = api.post("/v1/activities", json=body)
        assert made.status_code == 201, made.text
        return str(made.json()["guid"])

    moved = exception(3, name="Standup")
    renamed = exception(4, name="Standup with the CEO")
    _, logged_before = counts(tandem)
    patch = [
        {"op": "replace", "path": "/name", "value": "Daily sync"},
        {"op": "replace", "path": "/location", "value": "Room 2"},
    ]
    assert api.patch(f"/v1/activities/{series['guid']}", json=patch).status_code == 200

    first, second = api.get(f"/v1/activities/{moved}").json(), api.get(f"/v1/activities/{renamed}").json()
    assert (first["name"], first["location"]) == ("Daily sync", "Room 2")  # once: "Standup", no room
    assert first["startDateTime"] == "2026-12-03T13:00:00+02:00"  # its own time stays
    assert (second["name"], second["location"]) == ("Standup with the CEO", "Room 2")
    _, logged_after = counts(tandem)
    assert logged_after - logged_before == 3  # the series and both exceptions


def _guids(response: Any) -> set[str]:
    return {a["guid"] for a in response.json()}


def test_list_filters(api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any]) -> None:
    owner, other = org["owner"], org["other"]
    base = datetime(2026, 12, 1, 8, tzinfo=UTC)
    mine = factories.activity(tandem, owner, org["meeting"], base, base + timedelta(hours=1), name="mine")
    theirs = factories.activity(
        tandem, other, org["personal"], base + timedelta(days=2), base + timedelta(days=2, hours=1)
    )
    from tandem.hub.services.activities import ParticipantDraft

    shared = factories.activity(
        tandem,
        other,
        org["meeting"],
        base + timedelta(days=5),
        base + timedelta(days=5, hours=2),
        participants=(ParticipantDraft("User", owner.guid),),
    )
    closed = factories.activity(
        tandem, owner, org["task"], base + timedelta(days=9), base + timedelta(days=9, hours=1), is_closed=True
    )
    everything = {mine, theirs, shared, closed}
    assert _guids(api.get("/v1/activities")) == everything
    assert _guids(api.get("/v1/activities", params={"userGuids": owner.guid})) == {mine, closed}
    member = api.get("/v1/activities", params={"userGuids": owner.guid, "includeAsMember": "true"})
    assert _guids(member) == {mine, shared, closed}
    assert _guids(api.get("/v1/activities", params={"activityTypeGuids": org["personal"].guid})) == {theirs}
    categories = [("activityCategories", "Task"), ("activityCategories", "Personal")]
    assert _guids(api.get("/v1/activities", params=categories)) == {theirs, closed}
    assert _guids(api.get("/v1/activities", params={"closed": "true"})) == {closed}
    assert _guids(api.get("/v1/activities", params={"closed": "false"})) == {mine, theirs, shared}
    window = {"startDateTime": "2026-12-03T00:00:00+00:00", "endDateTime": "2026-12-07T00:00:00+00:00"}
    assert _guids(api.get("/v1/activities", params=window)) == {theirs, shared}
    # a window edge inside an activity still finds it (it ends after startDateTime)
    edge = {"startDateTime": "2026-12-01T08:30:00Z"}
    assert mine in _guids(api.get("/v1/activities", params=edge))
    strict = {"startDateTime": "2026-12-01T08:30:00Z", "useStrictStartAndEndDateTime": "true"}
    assert mine not in _guids(api.get("/v1/activities", params=strict))
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert _guids(api.get("/v1/activities", params={"changedSince": later.isoformat()})) == set()
    api.patch(f"/v1/activities/{theirs}", json=[{"op": "replace", "path": "/notes", "value": "edited"}])
    # (the patch happened after `later` only if the clock moved on; compare with a fresh stamp)
    recent = api.get("/v1/activities", params={"changedSince": (datetime.now(UTC) - timedelta(seconds=30)).isoformat()})
    assert theirs in _guids(recent)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"rowCount": "0"}, "rowCount"),
        ({"rowCount": "101"}, "rowCount"),
        ({"rowCount": "ten"}, "rowCount"),
        ({"pageToken": "not-a-token"}, "pageToken"),
        ({"closed": "maybe"}, "closed"),
        ({"startDateTime": "yesterday"}, "startDateTime"),
        ({"activityCategories": "Meeting"}, "activityCategories"),
        ({"startDateTime": "2026-12-02T00:00:00Z", "endDateTime": "2026-12-01T00:00:00Z"}, "endDateTime"),
    ],
)
def test_bad_query_parameters_are_named(api: SpecClient, params: dict[str, str], name: str) -> None:
    response = api.get("/v1/activities", params=params)
    assert response.status_code == 400
    detail = response.json()["error"]["details"][0]
    assert detail["location"] == {"name": name, "type": "UriParameter"}


def test_paging_visits_every_activity_once_even_when_rows_are_added(
    api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any]
) -> None:
    base = datetime(2026, 12, 1, 8, tzinfo=UTC)
    made = {
        factories.activity(
            tandem, org["owner"], org["meeting"], base + timedelta(hours=i // 3), base + timedelta(hours=i // 3 + 1)
        )
        for i in range(45)
    }
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        params = {"rowCount": "10"} | ({"pageToken": token} if token else {})
        response = api.get("/v1/activities", params=params)
        seen += [a["guid"] for a in response.json()]
        pages += 1
        if pages == 2:  # a row added meanwhile, before the current position, is not a duplicate
            factories.activity(tandem, org["owner"], org["meeting"], base - timedelta(days=1), base)
        token = response.headers.get("NextPageToken")
        if not token:
            break
    assert len(seen) == len(set(seen))
    assert made <= set(seen)
    assert pages == 5


def test_participants_of_every_kind(api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any]) -> None:
    from tandem.hub.services import entities, masters

    with tandem.db.write() as session:
        acme = masters.save(session, entities.CUSTOMERS, None, {"name": "Acme"})
        contact = masters.save(
            session, entities.CONTACTS, None, {"first_name": "Cora", "last_name": "Contact", "customer_guid": acme.guid}
        )
        room = masters.save(session, entities.RESOURCES, None, {"name": "Room"})
    guid = api.post("/v1/activities", json=factories.activity_body(org["owner"], org["meeting"])).json()["guid"]
    adds = [
        {"activityGuid": guid, "participantGuid": org["other"].guid, "type": "User"},
        {"activityGuid": guid, "participantGuid": contact.guid, "type": "Contact"},
        {"activityGuid": guid, "participantGuid": room.guid, "type": "Resource"},
        {"activityGuid": guid, "type": "Other", "email": "guest@partner.example", "name": "Gina Guest"},
    ]
    made = []
    for add in adds:
        response = api.post("/v1/activityparticipants", json=add)
        assert response.status_code == 201, response.text
        made.append(response.json())
    listed = api.get(f"/v1/activities/{guid}/activityparticipants").json()
    assert [p["type"] for p in listed] == ["User", "Contact", "Resource", "Other"]
    assert listed[0]["name"] == "Oscar Other"
    assert listed[3]["email"] == "guest@partner.example"
    duplicate = api.post("/v1/activityparticipants", json=adds[0])
    assert duplicate.status_code == 400
    accepted = api.patch(
        f"/v1/activityparticipants/{made[0]['guid']}", json=[{"op": "replace", "path": "/status", "value": "Accepted"}]
    )
    assert accepted.json()[0]["status"] == "Accepted"
    assert api.get(f"/v1/activityparticipants/{made[0]['guid']}").json()["status"] == "Accepted"
    removed = api.delete(f"/v1/activities/{guid}/activityparticipants/{made[1]['guid']}")
    assert removed.status_code == 204
    assert len(api.get(f"/v1/activities/{guid}/activityparticipants").json()) == 3
    unknown = api.post("/v1/activityparticipants", json={"activityGuid": guid, "participantGuid": "x", "type": "User"})
    assert unknown.status_code == 400
