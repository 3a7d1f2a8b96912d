"""CAL-5, CAL-6, CAL-17 on a CalDAV server (BEY-1): which activities go to the calendar,
private entries, and bad items set aside while the rest syncs."""

from __future__ import annotations

from tests.e2e.caldav.conftest import CaldavWorld, vevent
from tests.e2e.calendar.conftest import ALICE, DAVE, soon
from tests.support.hub import authorised


def test_cal_5_bey_1_only_chosen_types_go_to_the_calendar_and_every_entry_comes_in(world: CaldavWorld) -> None:
    world.create(ALICE, "Synced meeting", soon(2))
    world.create(ALICE, "Sales call, not synced", soon(2), kind="Sales")
    world.add(ALICE, vevent("any@phone", "Any entry comes in", soon(3)))

    world.sync(ALICE)

    assert world.titles(ALICE) == ["Any entry comes in", "Synced meeting"]
    assert {a.name for a in world.activities()} == {"Synced meeting", "Sales call, not synced", "Any entry comes in"}


def test_cal_5_bey_1_a_type_leaving_the_set_removes_the_event_and_the_psa_keeps_it(world: CaldavWorld) -> None:
    guid = world.create(ALICE, "Customer visit", soon(2))
    world.sync(ALICE)
    assert world.titles(ALICE) == ["Customer visit"]

    with authorised(world.tandem) as api:
        changed = api.patch(
            f"/v1/activities/{guid}",
            json=[{"op": "replace", "path": "/activityType/guid", "value": world.types["Sales"].guid}],
        )
        assert changed.status_code == 200, changed.text
    world.sync(ALICE)

    assert world.titles(ALICE) == []
    assert world.activity("Customer visit").type_guid == world.types["Sales"].guid
    assert world.sync(ALICE).plan.is_empty  # not written back, not deleted in the PSA


def test_cal_6_bey_1_private_entries_become_personal_and_personal_activities_become_private(
    world: CaldavWorld,
) -> None:
    world.add(ALICE, vevent("doctor@phone", "Doctor", soon(2), extra="CLASS:PRIVATE\r\n"))
    world.add(ALICE, vevent("lunch@phone", "Team lunch", soon(2, hour=11)))
    world.create(ALICE, "Gym", soon(3), kind="Personal")
    world.create(ALICE, "Planning", soon(3, hour=12))

    world.sync(ALICE)

    assert world.activity("Doctor").type_guid == world.types["Personal"].guid
    assert world.activity("Team lunch").type_guid == world.types["Meeting"].guid
    assert str(world.entry(ALICE, "Gym")["class"]) == "PRIVATE"
    assert str(world.entry(ALICE, "Planning").get("class", "PUBLIC")) == "PUBLIC"
    assert str(world.entry(ALICE, "Doctor")["class"]) == "PRIVATE"  # the app's entry stays private


def test_cal_17_bey_1_one_bad_item_is_set_aside_with_a_reason_and_the_rest_syncs(world: CaldavWorld) -> None:
    world.add(ALICE, vevent("long@phone", "x" * 600, soon(2)))  # longer than a PSA activity name may be
    world.add(ALICE, vevent("fine@phone", "Fine entry", soon(3)))
    world.create(ALICE, "Fine activity", soon(4))

    report = world.sync(ALICE)

    assert {a.name for a in world.activities()} == {"Fine entry", "Fine activity"}
    assert "Fine activity" in world.titles(ALICE)
    store = world.tandem.sync_store()
    (set_aside,) = store.quarantined(world.users[ALICE].guid, ALICE)
    assert "name" in set_aside.reason
    assert "500" in set_aside.reason
    assert report.record.counts.quarantined == 1

    world.edit(ALICE, "long@phone", summary="Shortened")  # once it can succeed, the retry takes it in
    world.sync(ALICE)
    assert "Shortened" in {a.name for a in world.activities()}
    assert store.quarantined(world.users[ALICE].guid, ALICE) == []


def test_cal_17_bey_1_an_owner_without_a_calendar_gets_a_clear_error_and_the_others_sync(world: CaldavWorld) -> None:
    world.create(DAVE, "Dave's review", soon(2))
    world.create(ALICE, "Alice's review", soon(2))

    dave = world.sync(DAVE)
    alice = world.sync(ALICE)

    assert dave.record.error is not None
    assert DAVE in dave.record.error  # whose calendar, and why
    assert "refused the user name or password" in dave.record.error
    assert alice.record.error is None
    assert world.titles(ALICE) == ["Alice's review"]
    assert {a.name for a in world.activities()} == {"Dave's review", "Alice's review"}
