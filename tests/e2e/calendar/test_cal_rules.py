"""CAL-5, CAL-6, CAL-16, CAL-17, BEY-2, BEY-3: what goes where, who is told, and what
happens when something is wrong."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tandem.hub.models import Activity as ActivityRow
from tests.e2e.calendar.conftest import ALICE, BOB, OUTSIDER, World, event_body, soon
from tests.support.hub import authorised


def _event(world: World, email: str, title: str) -> dict:
    return next(e for e in world.events(email) if e.get("summary") == title)


STORED = (
    "activities",
    "activity_participants",
    "change_log",
    "change_log_users",
    "sync_links",
    "sync_conflicts",
    "sync_quarantine",
    "sync_cursors",
    "sync_runs",
)
"""The hub's activities (their versions included) and change log, and the sync state store."""
CALENDAR_WRITES = ("batch", "events.insert", "events.patch", "events.update", "events.delete")


def _stored(world: World, email: str) -> dict[str, Any]:
    """Both sides as stored: the user's events (cancelled ones too, with their etags), the
    write requests Google received, and every row of the tables in `STORED`."""
    counts = world.server.state.request_counts().get(email, {})
    seen: dict[str, Any] = {
        "events": sorted(world.events(email, showDeleted="true"), key=lambda e: e["id"]),
        "calendar writes": {name: counts.get(name, 0) for name in CALENDAR_WRITES},
    }
    with world.tandem.db.read() as session:
        for table in STORED:
            rows = session.execute(sa.text(f"SELECT * FROM {table}")).all()  # the names are the constants above
            seen[table] = sorted((tuple(row) for row in rows), key=repr)
    return seen


def test_cal_5_only_chosen_types_go_to_the_calendar(world: World) -> None:
    world.create(ALICE, "Synced meeting", soon(2))
    world.create(ALICE, "Sales call, not synced", soon(2), kind="Sales")
    world.calendar(ALICE).insert(event_body("Any entry comes in", soon(3)))
    world.sync(ALICE)
    assert world.titles(ALICE) == ["Any entry comes in", "Synced meeting"]
    assert {a.name for a in world.activities()} == {"Synced meeting", "Sales call, not synced", "Any entry comes in"}


def test_cal_5_a_type_leaving_the_set_removes_the_event_silently_and_the_psa_keeps_it(world: World) -> None:
    guid = world.create(ALICE, "Customer visit", soon(2), participants=())
    world.sync(ALICE)
    event = _event(world, ALICE, "Customer visit")
    world.calendar(ALICE).patch(event["id"], {"attendees": [{"email": OUTSIDER}]}, sendUpdates="all")
    world.sync(ALICE)
    world.server.state.clear_notifications()
    with authorised(world.tandem) as api:
        changed = api.patch(
            f"/v1/activities/{guid}",
            json=[{"op": "replace", "path": "/activityType/guid", "value": world.types["Sales"].guid}],
        )
        assert changed.status_code == 200
    world.sync(ALICE)
    assert world.titles(ALICE) == []
    assert world.activity("Customer visit").type_guid == world.types["Sales"].guid
    assert world.mails() == []  # removed without notifications


def test_cal_6_private_entries_become_personal_and_personal_activities_become_private(world: World) -> None:
    world.calendar(ALICE).insert(event_body("Doctor", soon(2), visibility="private"))
    world.create(ALICE, "Gym", soon(3), kind="Personal")
    world.sync(ALICE)
    assert world.activity("Doctor").type_guid == world.types["Personal"].guid
    assert _event(world, ALICE, "Gym").get("visibility") == "private"


def test_cal_6_without_a_personal_type_private_entries_get_the_default_type_and_the_admin_is_warned(
    world: World,
) -> None:
    from tandem.hub.models import ActivityType
    from tandem.hub.services import calendar_setup

    with world.tandem.db.write() as session:
        session.execute(sa.update(ActivityType).where(ActivityType.category == "Personal").values(is_active=False))
        described = calendar_setup.describe(session)
    assert any("Personal" in w and "visible to everyone" in w for w in described["warnings"])
    world.calendar(ALICE).insert(event_body("Therapy", soon(2), visibility="private"))
    world.sync(ALICE)
    assert world.activity("Therapy").type_guid == world.types["Meeting"].guid


def test_cal_16_changes_made_in_the_psa_notify_attendees_and_psa_only_changes_do_not(world: World) -> None:
    from tandem.hub.services.activities import ParticipantDraft

    guid = world.create(
        ALICE,
        "Design review",
        soon(2),
        participants=(
            ParticipantDraft("User", world.users[BOB].guid),
            ParticipantDraft("Other", email=OUTSIDER, name="Gus Guest"),
        ),
    )
    world.sync(ALICE)
    created = world.mails()
    assert {(to, kind) for to, kind, _ in created} >= {(BOB, "invitation"), (OUTSIDER, "invitation")}
    world.server.state.clear_notifications()
    with authorised(world.tandem) as api:
        api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/isClosed", "value": True}])
        world.sync(ALICE)
        assert world.mails() == []  # completed flag only: nobody is told
        api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/location", "value": "Room 2"}])
        world.sync(ALICE)
        assert {(to, kind) for to, kind, _ in world.mails()} == {(BOB, "update"), (OUTSIDER, "update")}
        world.server.state.clear_notifications()
        api.delete(f"/v1/activities/{guid}")
        world.sync(ALICE)
        assert {(to, kind) for to, kind, _ in world.mails()} == {(BOB, "cancellation"), (OUTSIDER, "cancellation")}


def test_cal_16_a_change_made_in_the_calendar_is_not_echoed_back(world: World) -> None:
    world.create(ALICE, "Retro", soon(2))
    world.sync(ALICE)
    event = _event(world, ALICE, "Retro")
    world.calendar(ALICE).patch(event["id"], {"location": "Cafe"})
    before = world.calendar(ALICE).get(f"/{event['id']}").json()
    world.server.state.clear_notifications()
    world.sync(ALICE)
    after = world.calendar(ALICE).get(f"/{event['id']}").json()
    assert world.activity("Retro").location == "Cafe"
    assert after["etag"] == before["etag"]  # nothing written back
    assert world.mails() == []
    assert world.sync(ALICE).plan.is_empty


def test_cal_17_one_bad_item_is_set_aside_with_a_reason_and_the_rest_syncs(world: World) -> None:
    world.calendar(ALICE).insert(event_body("x" * 600, soon(2)))  # longer than a PSA activity name may be
    world.calendar(ALICE).insert(event_body("Fine entry", soon(3)))
    world.create(ALICE, "Fine activity", soon(4))
    report = world.sync(ALICE)
    assert {a.name for a in world.activities()} == {"Fine entry", "Fine activity"}
    assert "Fine activity" in world.titles(ALICE)
    store = world.tandem.sync_store()
    quarantined = store.quarantined(world.users[ALICE].guid, ALICE)
    assert len(quarantined) == 1
    assert "name" in quarantined[0].reason
    assert "500" in quarantined[0].reason
    assert report.record.counts.quarantined == 1
    # once it can succeed (the user shortens the title), the retry takes it in
    event = next(e for e in world.events(ALICE) if len(e.get("summary", "")) == 600)
    world.calendar(ALICE).patch(event["id"], {"summary": "Shortened"})
    world.sync(ALICE)
    assert "Shortened" in {a.name for a in world.activities()}
    assert store.quarantined(world.users[ALICE].guid, ALICE) == []


def test_cal_17_calendar_entries_the_api_would_refuse_are_set_aside_and_the_rest_syncs(world: World) -> None:
    """The calendar side keeps the rules the API keeps (BEY-11): a NUL in a title, a
    series every second, a series of a billion occurrences are each set aside with a
    reason that says what is wrong, and the other entries of the same run come in."""
    google = world.calendar(ALICE)
    hostile = {
        "Stand\x00up": {},
        "Every second": {"recurrence": ["RRULE:FREQ=SECONDLY"]},
        "A billion mornings": {"recurrence": ["RRULE:FREQ=DAILY;COUNT=1000000000"]},
    }
    for i, (title, extra) in enumerate(hostile.items()):
        assert google.insert(event_body(title, soon(2 + i), **extra)).status_code == 200
    google.insert(event_body("Fine entry", soon(6)))
    google.insert(event_body("Fine series", soon(7), recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"]))
    world.create(ALICE, "Fine activity", soon(8))

    report = world.sync(ALICE)

    assert {a.name for a in world.activities()} == {"Fine entry", "Fine series", "Fine activity"}
    assert "Fine activity" in world.titles(ALICE)
    assert report.record.counts.quarantined == 3
    reasons = sorted(q.reason for q in world.tandem.sync_store().quarantined(world.users[ALICE].guid, ALICE))
    assert len(reasons) == 3
    assert any("name" in r and "NUL" in r for r in reasons), reasons
    assert any("FREQ=SECONDLY" in r for r in reasons), reasons
    assert any("COUNT" in r and "1000" in r for r in reasons), reasons
    with world.tandem.db.read() as session:
        names = session.scalars(sa.select(ActivityRow.name)).all()
        rules = session.scalars(sa.select(ActivityRow.rrule).where(ActivityRow.rrule.is_not(None))).all()
    assert not any("\x00" in n for n in names)
    assert rules == ["FREQ=WEEKLY;COUNT=4"]


def test_bey_2_both_sides_changed_the_newer_wins_and_the_conflict_is_kept(world: World) -> None:
    guid = world.create(ALICE, "Board meeting", soon(2))
    world.sync(ALICE)
    event = _event(world, ALICE, "Board meeting")
    with authorised(world.tandem) as api:
        api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/location", "value": "PSA room"}])
    world.calendar(ALICE).patch(event["id"], {"location": "Google room", "description": "agenda from Google"})
    world.sync(ALICE)
    activity = world.activity("Board meeting")
    assert activity.location == "Google room"  # the calendar's edit is the newer one
    assert activity.notes == "agenda from Google"  # fields only one side changed merge in
    assert _event(world, ALICE, "Board meeting")["location"] == "Google room"
    conflicts = world.tandem.sync_store().conflicts(world.users[ALICE].guid)
    assert len(conflicts) == 1
    assert conflicts[0].psa.location == "PSA room"
    assert conflicts[0].calendar.location == "Google room"
    assert conflicts[0].winner.value == "calendar"


def test_bey_2_a_deletion_on_one_side_and_an_edit_on_the_other_keeps_the_edit(world: World) -> None:
    guid = world.create(ALICE, "Planning poker", soon(2))
    world.sync(ALICE)
    event = _event(world, ALICE, "Planning poker")
    world.calendar(ALICE).delete(event["id"])
    with authorised(world.tandem) as api:
        api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/notes", "value": "still on"}])
    world.sync(ALICE)
    assert world.activity("Planning poker").notes == "still on"
    back = _event(world, ALICE, "Planning poker")
    assert back["id"] == event["id"]  # brought back under the same id
    assert back["description"] == "still on"


def test_bey_3_a_run_that_would_delete_most_items_stops_and_asks(world: World) -> None:
    for i in range(12):
        world.create(ALICE, f"Meeting {i:02d}", soon(2 + i / 10))
    world.sync(ALICE)
    for event in world.events(ALICE):
        world.calendar(ALICE).delete(event["id"])
    halted = world.sync(ALICE)
    assert halted.record.halted_reason is not None
    assert "12" in halted.record.halted_reason
    assert len(world.activities()) == 12  # nothing deleted
    before = _stored(world, ALICE)
    dry = world.sync(ALICE, dry_run=True)
    assert dry.plan is not None
    assert dry.plan.halt is not None
    assert (dry.plan.halt.deletions, dry.plan.halt.linked_items) == (12, 12)  # it shows why it would stop
    # and, confirmed, what a confirmed run would do
    preview = world.sync(ALICE, dry_run=True, confirm_mass_deletion=True)
    assert preview.plan is not None
    assert preview.plan.halt is None
    assert preview.record.counts.activities_deleted == 12
    assert _stored(world, ALICE) == before  # neither dry run wrote anything on either side
    confirmed = world.sync(ALICE, confirm_mass_deletion=True)
    assert confirmed.record.halted_reason is None
    assert world.activities() == []
    assert confirmed.record.counts == preview.record.counts  # the real run did what the dry run showed


def test_bey_3_deterministic_ids_make_a_lost_answer_harmless(world: World) -> None:
    from tandem.emulators.google import FaultRule

    world.create(ALICE, "Quarterly", soon(2))
    world.server.state.set_faults(FaultRule(apply_then_fail=1.0, writes_only=True, seed=3, limit=1))
    world.sync(ALICE)  # the insert happened, its answer was lost
    world.server.state.clear_faults()
    world.sync(ALICE)
    assert world.titles(ALICE) == ["Quarterly"]
    assert len(world.activities()) == 1
    assert world.sync(ALICE).plan.is_empty
