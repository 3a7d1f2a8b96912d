"""CAL-1, CAL-10, CAL-11, CAL-13 on a CalDAV server (BEY-1): plain entries both ways, the
first sync's pairing, the past, and the field mapping, as a calendar app sees them."""

from __future__ import annotations

from datetime import date, timedelta

from tests.e2e.caldav.conftest import CaldavWorld, vevent
from tests.e2e.calendar.conftest import ALICE, soon
from tests.support import factories
from tests.support.hub import authorised


def test_cal_1_bey_1_psa_activities_reach_the_calendar_and_app_entries_reach_the_psa(world: CaldavWorld) -> None:
    world.create(ALICE, "Budget review", soon(2))
    world.add(ALICE, vevent("dentist-1@phone", "Dentist check", soon(3), extra="LOCATION:Dental clinic\r\n"))

    report = world.sync(ALICE)

    assert report.record.error is None
    assert world.titles(ALICE) == ["Budget review", "Dentist check"]
    made_in_the_app = world.activity("Dentist check")
    assert made_in_the_app.location == "Dental clinic"
    assert made_in_the_app.owner_guid == world.users[ALICE].guid
    assert made_in_the_app.type_guid == world.types["Meeting"].guid  # the default type
    assert world.sync(ALICE).plan.is_empty  # both sides agree now


def test_cal_1_bey_1_edits_and_deletions_flow_both_ways(world: CaldavWorld) -> None:
    guid = world.create(ALICE, "Kick-off", soon(2))
    world.sync(ALICE)
    uid = str(world.entry(ALICE, "Kick-off")["uid"])

    world.edit(ALICE, uid, summary="Kick-off (moved)", location="Room 4")
    world.sync(ALICE)
    assert world.activity("Kick-off (moved)").location == "Room 4"

    with authorised(world.tandem) as api:
        patched = api.patch(
            f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/notes", "value": "Agenda attached"}]
        )
        assert patched.status_code == 200, patched.text
    world.sync(ALICE)
    assert str(world.of(ALICE, guid)["description"]) == "Agenda attached"

    world.remove(ALICE, uid)
    world.sync(ALICE)
    assert world.activities() == []
    assert world.titles(ALICE) == []


def test_cal_10_bey_1_the_first_sync_links_pairs_and_leaves_entries_older_than_30_days_alone(
    world: CaldavWorld,
) -> None:
    start = soon(3)
    world.create(ALICE, "Steering group", start)
    world.add(ALICE, vevent("steering@laptop", "Steering group", start))  # the same entry, made in the app
    world.add(ALICE, vevent("only-here@laptop", "Only in the app", soon(4)))
    world.add(ALICE, vevent("old@laptop", "Old one-off", soon(-45)))
    world.add(ALICE, vevent("weekly@laptop", "Old weekly", soon(-45), extra="RRULE:FREQ=WEEKLY\r\n"))

    world.sync(ALICE)

    assert world.titles(ALICE) == ["Old one-off", "Old weekly", "Only in the app", "Steering group"]
    assert [a.name for a in world.activities()] == ["Old weekly", "Only in the app", "Steering group"]
    assert world.sync(ALICE).plan.is_empty  # after the first sync only changes are exchanged


def test_cal_11_bey_1_a_past_activity_is_not_sent_until_it_is_moved_into_the_future(world: CaldavWorld) -> None:
    guid = world.create(ALICE, "Yesterday's meeting", soon(-1))
    world.sync(ALICE)
    assert world.titles(ALICE) == []

    future = soon(5)
    world.move_through_the_api(guid, future)
    world.sync(ALICE)

    assert world.titles(ALICE) == ["Yesterday's meeting"]
    assert world.of(ALICE, guid).decoded("dtstart") == future


def test_cal_13_bey_1_fields_map_and_psa_only_fields_are_never_overwritten(world: CaldavWorld) -> None:
    customer = factories.customer(world.tandem, "Northwind")
    all_day = soon(6).date()
    workshop = world.create(
        ALICE, "Workshop", soon(2), notes="Bring laptops", location="HQ", customer_guid=customer.guid
    )
    offsite = world.create(ALICE, "Offsite", all_day, is_all_day=True, end=all_day + timedelta(days=2))
    world.sync(ALICE)

    written = world.of(ALICE, workshop)
    assert (str(written["description"]), str(written["location"])) == ("Bring laptops", "HQ")
    assert written["dtstart"].params["TZID"] == "Europe/Helsinki"
    assert written.decoded("dtstart") == soon(2)
    whole_days = world.of(ALICE, offsite)
    assert (whole_days.decoded("dtstart"), whole_days.decoded("dtend")) == (all_day, all_day + timedelta(days=2))
    assert type(whole_days.decoded("dtstart")) is date  # VALUE=DATE, not a midnight

    world.edit(ALICE, str(written["uid"]), summary="Workshop v2", description="Laptops + chargers")
    world.sync(ALICE)

    synced = world.activity("Workshop v2")
    assert synced.notes == "Laptops + chargers"
    assert synced.customer_guid == customer.guid  # PSA-only fields stay
    assert synced.type_guid == world.types["Meeting"].guid
    kept = world.activity("Offsite")
    assert (kept.start, kept.end) == (all_day, all_day + timedelta(days=2))  # never shifted a day
