"""CAL-1, CAL-3, CAL-4, CAL-7, CAL-10..CAL-13: the two-way sync of plain fields."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.calendar.conftest import ALICE, BOB, DAVE, World, event_body, soon


def test_cal_1_psa_activities_reach_the_calendar_and_calendar_entries_reach_the_psa(world: World) -> None:
    world.create(ALICE, "Budget review", soon(2))
    world.calendar(ALICE).insert(event_body("Dentist check", soon(3), location="Dental clinic"))
    report = world.sync(ALICE)
    assert report.record.error is None
    assert world.titles(ALICE) == ["Budget review", "Dentist check"]
    made_in_google = world.activity("Dentist check")
    assert made_in_google.location == "Dental clinic"
    assert made_in_google.owner_guid == world.users[ALICE].guid
    assert made_in_google.type_guid == world.types["Meeting"].guid  # the default type
    # both sides agree now: a second run plans nothing
    assert world.sync(ALICE).plan.is_empty


def test_cal_1_edits_and_deletions_flow_both_ways(world: World) -> None:
    guid = world.create(ALICE, "Kick-off", soon(2))
    world.sync(ALICE)
    event = next(e for e in world.events(ALICE) if e["summary"] == "Kick-off")
    world.calendar(ALICE).patch(event["id"], {"summary": "Kick-off (moved)", "location": "Room 4"})
    world.sync(ALICE)
    assert world.activity("Kick-off (moved)").location == "Room 4"
    from tests.support.hub import authorised

    with authorised(world.tandem) as api:
        api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/notes", "value": "Agenda attached"}])
    world.sync(ALICE)
    again = world.calendar(ALICE).get(f"/{event['id']}").json()
    assert again["description"] == "Agenda attached"
    world.calendar(ALICE).delete(event["id"])
    world.sync(ALICE)
    assert [a.name for a in world.activities()] == []


def test_cal_3_users_match_by_email_in_any_case_and_one_without_an_account_gets_its_own_error(world: World) -> None:
    world.change_user(BOB, email="Bob@EXAMPLE.com")
    world.create(BOB, "Bob's review", soon(2))
    world.create(DAVE, "Dave's review", soon(2))
    world.create(ALICE, "Alice's review", soon(2))
    dave = world.sync(DAVE)
    assert dave.record.error is not None
    assert "dave@example.com" in dave.record.error
    assert "not a user of the domain" in dave.record.error or "domain" in dave.record.error
    world.sync(BOB, ALICE)
    assert world.titles(BOB) == ["Bob's review"]
    assert world.titles(ALICE) == ["Alice's review"]


def test_cal_4_a_users_sync_reads_and_writes_only_their_own_primary_calendar(world: World) -> None:
    world.calendar(BOB).insert(event_body("Bob's own plans", soon(3)))
    world.create(ALICE, "Planning", soon(2))
    world.server.state.reset_counters()
    world.sync(ALICE)
    counted = world.server.state.request_counts()
    assert BOB not in counted  # nothing was read or written as anyone else
    assert counted[ALICE]  # it did talk to Google, as Alice
    assert all(e.startswith("events.") or e in ("batch", "token") for e in counted[ALICE]), counted
    assert world.titles(ALICE) == ["Planning"]
    assert [a.name for a in world.activities()] == ["Planning"]  # Bob's entry did not come in as Alice's


def test_cal_7_a_user_with_sync_off_is_neither_read_nor_written_and_resumes_when_on(world: World) -> None:
    world.create(ALICE, "Before", soon(2))
    world.sync(ALICE)
    world.change_user(ALICE, calendar_sync_enabled=False)
    world.create(ALICE, "While off", soon(3))
    world.calendar(ALICE).insert(event_body("Made in Google while off", soon(4)))
    world.server.state.reset_counters()
    report = world.sync(ALICE)
    assert "off" in (report.record.error or "")
    assert world.requests(ALICE) == 0
    assert world.titles(ALICE) == ["Before", "Made in Google while off"]
    world.change_user(ALICE, calendar_sync_enabled=True)
    world.sync(ALICE)
    assert world.titles(ALICE) == ["Before", "Made in Google while off", "While off"]
    assert {a.name for a in world.activities()} == {"Before", "While off", "Made in Google while off"}


def test_cal_10_initial_sync_links_existing_pairs_instead_of_duplicating(world: World) -> None:
    start = soon(3)
    world.create(ALICE, "Steering group", start)
    world.calendar(ALICE).insert(event_body("Steering group", start))
    world.calendar(ALICE).insert(event_body("Only in Google", soon(4)))
    world.sync(ALICE)
    assert world.titles(ALICE) == ["Only in Google", "Steering group"]
    assert sorted(a.name for a in world.activities()) == ["Only in Google", "Steering group"]
    assert world.sync(ALICE).plan.is_empty


def test_cal_10_entries_older_than_30_days_are_left_alone_unless_they_recur(world: World) -> None:
    old = soon(-45)
    world.calendar(ALICE).insert(event_body("Old one-off", old))
    weekly = event_body("Old weekly", old, recurrence=["RRULE:FREQ=WEEKLY"])
    world.calendar(ALICE).insert(weekly)
    world.calendar(ALICE).insert(event_body("Last week", soon(-7)))
    world.sync(ALICE)
    names = {a.name for a in world.activities()}
    assert names == {"Old weekly", "Last week"}


def test_cal_11_past_activities_are_not_sent_until_moved_into_the_future(world: World) -> None:
    guid = world.create(ALICE, "Yesterday's meeting", soon(-1))
    world.sync(ALICE)
    assert world.titles(ALICE) == []
    world.move_through_the_api(guid, soon(5))
    world.sync(ALICE)
    assert world.titles(ALICE) == ["Yesterday's meeting"]


def test_cal_12_project_tasks_never_reach_the_calendar(world: World) -> None:
    world.create(ALICE, "Write the report", soon(2), kind="Task")
    world.create(ALICE, "Review", soon(2))
    world.sync(ALICE)
    assert world.titles(ALICE) == ["Review"]


def test_cal_13_fields_map_and_psa_only_fields_are_never_overwritten(world: World) -> None:
    from tests.support import factories

    customer = factories.customer(world.tandem, "Northwind")
    all_day = soon(6).date()
    world.create(ALICE, "Workshop", soon(2), notes="Bring laptops", location="HQ", customer_guid=customer.guid)
    world.create(ALICE, "Offsite", all_day, is_all_day=True, end=all_day + timedelta(days=2))
    world.sync(ALICE)
    by_title = {e["summary"]: e for e in world.events(ALICE)}
    workshop = by_title["Workshop"]
    assert (workshop["description"], workshop["location"]) == ("Bring laptops", "HQ")
    assert workshop["start"]["timeZone"] == "Europe/Helsinki"
    assert by_title["Offsite"]["start"] == {"date": all_day.isoformat()}
    assert by_title["Offsite"]["end"] == {"date": (all_day + timedelta(days=2)).isoformat()}
    world.calendar(ALICE).patch(workshop["id"], {"summary": "Workshop v2", "description": "Laptops + chargers"})
    world.sync(ALICE)
    synced = world.activity("Workshop v2")
    assert synced.notes == "Laptops + chargers"
    assert synced.customer_guid == customer.guid  # PSA-only fields stay
    assert synced.type_guid == world.types["Meeting"].guid
    offsite = world.activity("Offsite")
    assert (offsite.start, offsite.end) == (all_day, all_day + timedelta(days=2))  # never shifted a day
