"""BEY-11 and CAL-17 for values: dates at the calendar's edges, time-zone names that are
not zones, numbers that are not ASCII digits or do not fit, invisible names, emails that
are not addresses, series that never occur, NUL characters, runaway rules and long
texts. Each is a 400 naming the field (never a 500), and the services refuse them for
every writer, the calendar sync included (CAL-17). The limits: docs/hub-api.md ("Limits and refusals at the door")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.domain import limits
from tandem.hub.api import paging
from tandem.hub.models import Activity, Customer, User
from tandem.hub.services import activities, entities, masters
from tandem.hub.services.activities import ActivityDraft, ParticipantDraft
from tandem.hub.services.errors import ValidationFailed
from tests.support import factories
from tests.support.hub import SpecClient


@pytest.fixture
def org(tandem: bootstrap.Tandem) -> dict[str, Any]:
    owner = factories.user(tandem, first_name="Olivia", last_name="Owner")
    meeting = factories.activity_type(tandem, "Meeting", "CalendarEntry", is_default=True)
    return {"owner": owner, "meeting": meeting}


@pytest.fixture
def meeting(api: SpecClient, org: dict[str, Any]) -> dict[str, Any]:
    created = api.post("/v1/activities", json=factories.activity_body(org["owner"], org["meeting"]))
    assert created.status_code == 201, created.text
    return dict(created.json())


def refused(response: Any, location: str = "RequestBody") -> set[str]:
    """The fields a 400 `InvalidParameter` names (every detail in `location`)."""
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "InvalidParameter", error
    assert all(d["location"]["type"] == location for d in error["details"]), error
    return {d["location"]["name"] for d in error["details"]}


def stored(tandem: bootstrap.Tandem, model: Any) -> int:
    with tandem.db.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


# -- A. dates at the edges of the calendar ---------------------------------------------------

EDGE_DATES = [
    pytest.param(
        {"startDateTime": "0001-01-01T00:00:00+02:00", "endDateTime": "0001-01-01T01:00:00+02:00"},
        "startDateTime",
        id="start-year-1",
    ),
    pytest.param({"endDateTime": "9999-12-31T22:00:00Z"}, "endDateTime", id="end-year-9999"),
    pytest.param(
        {"startDateTime": "9999-12-31T22:00:00Z", "endDateTime": "9999-12-31T23:00:00Z"},
        "startDateTime",
        id="start-year-9999",
    ),
    pytest.param(
        {"isAllDay": True, "startDateTime": "9999-12-31T00:00:00", "endDateTime": "9999-12-31T00:00:00"},
        "endDateTime",
        id="all-day-ending-9999-12-31",
    ),
    pytest.param(
        {
            "timeZone": "America/New_York",
            "recurrence": {"frequency": "Daily", "range": {"recursUntilDate": "9999-12-31"}},
        },
        "recurrence.range.recursUntilDate",
        id="recurs-until-9999-12-31",
    ),
    pytest.param(
        {"originalStartDateTime": "0001-01-01T00:00:00+02:00"}, "originalStartDateTime", id="original-start-year-1"
    ),
]


@pytest.mark.parametrize(("change", "field"), EDGE_DATES)
def test_bey_11_edge_dates_are_a_400_naming_the_field(
    api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    response = api.post("/v1/activities", json=factories.activity_body(org["owner"], org["meeting"], **change))
    assert field in refused(response)
    assert stored(tandem, Activity) == 0


@pytest.mark.parametrize(("change", "field"), EDGE_DATES)
def test_bey_11_edge_dates_in_a_patch_are_a_400_naming_the_field(
    api: SpecClient, meeting: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    operations = [{"op": "replace", "path": f"/{key}", "value": value} for key, value in change.items()]
    response = api.patch(f"/v1/activities/{meeting['guid']}", json=operations)
    assert field in refused(response)
    assert api.get(f"/v1/activities/{meeting['guid']}").json() == meeting


@pytest.mark.parametrize(
    ("route", "name"),
    [
        ("/v1/activities", "changedSince"),
        ("/v1/activities", "startDateTime"),
        ("/v1/activities", "endDateTime"),
        ("/v1/customers", "changedSince"),
        ("/v1/users", "changedSince"),
    ],
)
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+02:00", "9999-12-31T22:00:00Z", "9999-12-31T23:59:59-12:00"])
def test_bey_11_edge_dates_in_list_filters_are_a_400_naming_the_parameter(
    api: SpecClient, meeting: dict[str, Any], route: str, name: str, value: str
) -> None:
    assert refused(api.get(route, params={name: value}), "UriParameter") == {name}


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+02:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00"])
def test_bey_11_edge_dates_inside_a_page_token_are_a_400(api: SpecClient, meeting: dict[str, Any], at: str) -> None:
    token = paging.encode_token([at, 1])
    assert refused(api.get("/v1/activities", params={"pageToken": token}), "UriParameter") == {"pageToken"}


# -- B. time-zone names ---------------------------------------------------------------------

NOT_ZONES = ["America", "Etc", "Factory", "posixrules", "right/UTC", "posix/UTC", "localtime", "America/"]


@pytest.mark.parametrize("zone", NOT_ZONES)
def test_bey_11_zone_folders_and_pseudo_zones_are_refused_on_activities(
    api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any], meeting: dict[str, Any], zone: str
) -> None:
    posted = api.post("/v1/activities", json=factories.activity_body(org["owner"], org["meeting"], timeZone=zone))
    assert refused(posted) == {"timeZone"}
    patched = api.patch(
        f"/v1/activities/{meeting['guid']}", json=[{"op": "replace", "path": "/timeZone", "value": zone}]
    )
    assert refused(patched) == {"timeZone"}
    assert stored(tandem, Activity) == 1


@pytest.mark.parametrize("zone", NOT_ZONES)
def test_bey_11_zone_folders_and_pseudo_zones_are_refused_on_users(
    api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any], zone: str
) -> None:
    body = {"firstName": "Zed", "lastName": "Zone", "timezone": {"ianaName": zone}}
    assert refused(api.post("/v1/users", json=body)) == {"timezone.ianaName"}
    operations = [{"op": "replace", "path": "/timezone/ianaName", "value": zone}]
    assert refused(api.patch(f"/v1/users/{org['owner'].guid}", json=operations)) == {"timezone.ianaName"}
    assert stored(tandem, User) == 1


def test_bey_11_one_rule_says_which_zones_are_zones() -> None:
    assert limits.is_time_zone("Europe/Helsinki")
    assert limits.is_time_zone("UTC")
    assert limits.is_time_zone("Etc/GMT+2")
    for zone in [*NOT_ZONES, "", "Europe/Helsinki ", "europe/helsinki", "../etc/passwd", "Europe/Hel\x00sinki"]:
        assert not limits.is_time_zone(zone), zone


# -- C. numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "params", "name"),
    [
        ("/v1/activities", {"rowCount": "²"}, "rowCount"),
        ("/v1/activities", {"rowCount": "٣"}, "rowCount"),
        ("/v1/customers", {"rowCount": "1e1"}, "rowCount"),
        ("/v1/businessunits", {"firstRow": "²"}, "firstRow"),
        ("/v1/worktypes", {"firstRow": "٣"}, "firstRow"),
        ("/v1/worktypes", {"firstRow": "99999999999999999999"}, "firstRow"),
        ("/v1/businessunits", {"firstRow": str(2**63)}, "firstRow"),
        ("/tandem/v1/changes", {"after": "²"}, "after"),
        ("/tandem/v1/changes", {"limit": "٣"}, "limit"),
        ("/v1/customers", {"pageToken": paging.encode_token([10**30])}, "pageToken"),
        ("/v1/customers", {"pageToken": paging.encode_token([2**63])}, "pageToken"),
        ("/v1/activities", {"pageToken": paging.encode_token(["2026-12-01T08:00:00+00:00", 10**30])}, "pageToken"),
        ("/v1/activities", {"pageToken": paging.encode_token(["2026-12-01T08:00:00+00:00", 2**63])}, "pageToken"),
    ],
)
def test_bey_11_numbers_are_ascii_digits_that_fit_in_64_bits(
    api: SpecClient, meeting: dict[str, Any], route: str, params: dict[str, str], name: str
) -> None:
    assert refused(api.get(route, params=params), "UriParameter") == {name}


def test_bey_11_a_patched_interval_must_be_ascii_digits(api: SpecClient, org: dict[str, Any]) -> None:
    weekly = {"frequency": "Weekly", "pattern": {"weekly": {"interval": 1, "monday": True}}}
    body = factories.activity_body(org["owner"], org["meeting"], recurrence=weekly)
    series = api.post("/v1/activities", json=body).json()
    for value in ("²", "٣", "99999999999999999999"):
        operations = [{"op": "replace", "path": "/recurrence/pattern/weekly/interval", "value": value}]
        response = api.patch(f"/v1/activities/{series['guid']}", json=operations)
        assert refused(response) == {"recurrence.pattern.weekly.interval"}, value
    assert api.get(f"/v1/activities/{series['guid']}").json() == series


# -- D. blank names, emails that are not addresses, series that never occur ------------------

INVISIBLE = ["\u200b", "\u200c\u200d", "\ufeff", "\u2060", " \u200b\t\u2060\u00a0\n"]


@pytest.mark.parametrize("name", INVISIBLE)
def test_bey_11_a_name_of_invisible_characters_is_blank(
    api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any], name: str
) -> None:
    assert refused(
        api.post("/v1/activities", json=factories.activity_body(org["owner"], org["meeting"], name=name))
    ) == {"name"}
    assert refused(api.post("/v1/customers", json={"name": name})) == {"name"}
    assert refused(api.post("/v1/users", json={"firstName": name, "lastName": "Last"})) == {"firstName"}
    assert refused(api.post("/v1/activitytypes", json={"name": name, "category": "Task"})) == {"name"}
    assert stored(tandem, Activity) == stored(tandem, Customer) == 0


@pytest.mark.parametrize(
    "email",
    ["@", "a@", "@example.com", "a b@example.com", "a@example.com\r\nBcc: x@example.com", "a@exa\nmple.com", "a@@b.c"],
)
def test_bey_11_a_participant_email_must_be_an_address(
    api: SpecClient, tandem: bootstrap.Tandem, meeting: dict[str, Any], email: str
) -> None:
    body = {"activityGuid": meeting["guid"], "type": "Other", "email": email, "name": "Guest"}
    assert refused(api.post("/v1/activityparticipants", json=body)) == {"email"}
    assert api.get(f"/v1/activities/{meeting['guid']}/activityparticipants").json() == []
    assert refused(api.post("/v1/users", json={"firstName": "E", "lastName": "Mail", "email": email})) == {"email"}


@pytest.mark.parametrize(
    ("yearly", "field"),
    [
        ({"month": "February", "dayOfMonth": 31}, "recurrence.pattern.yearly.dayOfMonth"),
        ({"month": "February", "dayOfMonth": 30}, "recurrence.pattern.yearly.dayOfMonth"),
        ({"month": "April", "dayOfMonth": 31}, "recurrence.pattern.yearly.dayOfMonth"),
    ],
)
def test_bey_11_a_yearly_series_on_a_day_the_month_lacks_is_refused(
    api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any], yearly: dict[str, Any], field: str
) -> None:
    recurrence = {"frequency": "Yearly", "pattern": {"yearly": yearly}}
    response = api.post(
        "/v1/activities", json=factories.activity_body(org["owner"], org["meeting"], recurrence=recurrence)
    )
    assert refused(response) == {field}
    assert stored(tandem, Activity) == 0


def test_bey_11_a_yearly_series_on_29_february_is_kept(api: SpecClient, org: dict[str, Any]) -> None:
    recurrence = {"frequency": "Yearly", "pattern": {"yearly": {"month": "February", "dayOfMonth": 29}}}
    response = api.post(
        "/v1/activities", json=factories.activity_body(org["owner"], org["meeting"], recurrence=recurrence)
    )
    assert response.status_code == 201, response.text
    assert response.json()["recurrenceRule"] == "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"


# -- E. one set of rules for every writer (CAL-17) -------------------------------------------


def _draft(org: dict[str, Any], **changes: Any) -> ActivityDraft:
    values: dict[str, Any] = {
        "name": "Imported",
        "type_guid": org["meeting"].guid,
        "owner_guid": org["owner"].guid,
        "start": datetime(2026, 12, 1, 8, tzinfo=UTC),
        "end": datetime(2026, 12, 1, 9, tzinfo=UTC),
    }
    return ActivityDraft(**(values | changes))


LONG = "x" * (limits.MAX_NOTES + 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "Stand\x00up"}, "name"),
        ({"location": "Room\x001"}, "location"),
        ({"notes": "a\x00b"}, "notes"),
        ({"time_zone": "Europe/Hel\x00sinki"}, "time_zone"),
        (
            {"participants": (ParticipantDraft("Other", email="guest@example.com", name="G\x00uest"),)},
            "participants[0].name",
        ),
        ({"participants": (ParticipantDraft("Other", email="guest\x00@example.com"),)}, "participants[0].email"),
        ({"participants": (ParticipantDraft("Other", email="a@"),)}, "participants[0].email"),
        ({"notes": LONG}, "notes"),
        ({"rrule": "FREQ=SECONDLY"}, "rrule"),
        ({"rrule": "FREQ=MINUTELY;UNTIL=99991231T235959Z"}, "rrule"),
        ({"rrule": "FREQ=HOURLY;COUNT=3"}, "rrule"),
        ({"rrule": "FREQ=DAILY;COUNT=1000000000"}, "rrule"),
        ({"rrule": f"FREQ=DAILY;COUNT={limits.MAX_OCCURRENCES + 1}"}, "rrule"),
        ({"rrule": "FREQ=DAILY;UNTIL=99991231T235959Z"}, "rrule"),
        ({"rrule": "FREQ=DAILY;UNTIL=00010101"}, "rrule"),
        ({"rrule": "FREQ=DAILY;INTERVAL=²"}, "rrule"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"}, "rrule"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=3"}, "rrule"),
        ({"rrule": "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29"}, "rrule"),  # 2026, 2030, …: no leap year
        ({"rrule": "FREQ=DAILY;BYSETPOS=\x00"}, "rrule"),
        ({"participants": (ParticipantDraft("Other", email="g@example.com", name="n" * 201),)}, "participants[0].name"),
        ({"start": date(1, 1, 1), "is_all_day": True}, "start"),
        ({"time_zone": "America"}, "time_zone"),
        ({"name": "\u200b\u2060"}, "name"),
    ],
)
def test_cal_17_the_services_refuse_for_every_writer_what_the_api_refuses(
    tandem: bootstrap.Tandem, org: dict[str, Any], changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refusal, tandem.db.write() as session:
        activities.create(session, _draft(org, **changes), factories.ACTOR)
    assert field in {p.field for p in refusal.value.problems}, refusal.value.problems
    assert stored(tandem, Activity) == 0


def test_cal_17_the_rules_the_services_keep_still_take_ordinary_series(
    tandem: bootstrap.Tandem, org: dict[str, Any]
) -> None:
    for rule in (
        "FREQ=DAILY;COUNT=5",
        f"FREQ=WEEKLY;BYDAY=MO,WE;COUNT={limits.MAX_OCCURRENCES}",
        "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=21991231T235959Z",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=YEARLY",
    ):
        with tandem.db.write() as session:
            activities.create(session, _draft(org, rrule=rule), factories.ACTOR)
    assert stored(tandem, Activity) == 5


@pytest.mark.parametrize(
    ("rules", "values", "field"),
    [
        ("CUSTOMERS", {"name": "Acme\x00"}, "name"),
        ("CUSTOMERS", {"name": "Acme", "notes": "n\x00"}, "notes"),
        ("CUSTOMERS", {"name": "Acme", "notes": LONG}, "notes"),
        ("USERS", {"first_name": "A", "last_name": "B", "notes": LONG}, "notes"),
        ("USERS", {"first_name": "A", "last_name": "B", "time_zone": "Etc"}, "timezone.ianaName"),
        ("USERS", {"first_name": "\u200b", "last_name": "B"}, "firstName"),
        ("CONTACTS", {"first_name": "A", "last_name": "B", "description": LONG}, "description"),
    ],
)
def test_cal_17_master_data_keeps_the_same_rules_for_every_writer(
    tandem: bootstrap.Tandem, rules: str, values: dict[str, Any], field: str
) -> None:
    if rules == "CONTACTS":
        values = values | {"customer_guid": factories.customer(tandem).guid}
    with pytest.raises(ValidationFailed) as refusal, tandem.db.write() as session:
        masters.save(session, getattr(entities, rules), None, values)
    assert field in {p.field for p in refusal.value.problems}, refusal.value.problems


def test_bey_11_long_notes_are_a_400_naming_the_field(
    api: SpecClient, tandem: bootstrap.Tandem, org: dict[str, Any]
) -> None:
    body = factories.activity_body(org["owner"], org["meeting"], notes=LONG)
    assert refused(api.post("/v1/activities", json=body)) == {"notes"}
    assert refused(api.post("/v1/customers", json={"name": "Acme", "notes": LONG})) == {"notes"}
    fits = factories.activity_body(org["owner"], org["meeting"], notes="x" * limits.MAX_NOTES)
    assert api.post("/v1/activities", json=fits).status_code == 201


@pytest.mark.parametrize("amount", [1e16, -1e16, 1e300], ids=["1e16", "-1e16", "1e300"])
def test_bey_11_an_amount_the_database_cannot_hold_is_a_400_naming_the_field(
    api: SpecClient, tandem: bootstrap.Tandem, amount: float
) -> None:
    """Found by the fuzz test on PostgreSQL: a unit price of 1e16 overflowed NUMERIC(18, 2) into a 500."""
    from tandem.hub.models import Product

    body = {"name": "Consulting", "unitPrice": {"amount": amount, "currencyCode": "EUR"}}
    assert refused(api.post("/v1/products", json=body)) == {"unitPrice.amount"}
    assert stored(tandem, Product) == 0
    fits = {"name": "Consulting", "unitPrice": {"amount": 123456789012345.67, "currencyCode": "EUR"}}
    made = api.post("/v1/products", json=fits)
    assert made.status_code == 201, made.text
    assert api.get(f"/v1/products/{made.json()['guid']}").json()["unitPrice"]["amount"] == 123456789012345.67
