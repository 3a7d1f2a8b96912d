"""CAL-9 on a CalDAV server (BEY-1): a recurring activity is one resource in the calendar, a
series with its exceptions (a moved occurrence is an override with RECURRENCE-ID, a cancelled
one an EXDATE), and what a calendar app does to one occurrence stays so in the PSA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from tandem.domain.activity import Activity
from tandem.sync.ids import event_id_for
from tests.e2e.caldav.conftest import CaldavWorld
from tests.e2e.calendar.conftest import ALICE, soon

HELSINKI = ZoneInfo("Europe/Helsinki")


def _standup(world: CaldavWorld) -> tuple[str, datetime]:
    """Alice's daily "Standup", three occurrences from soon(2), made in the PSA and synced:
    (the series' guid, its first start)."""
    first = soon(2)
    series = world.create(ALICE, "Standup", first, rrule="FREQ=DAILY;COUNT=3")
    world.sync(ALICE)
    return series, first


def _parts(world: CaldavWorld, series: str) -> tuple[icalendar.Event, dict[datetime, icalendar.Event]]:
    """The series' resource in Alice's calendar: its master, and its overrides by RECURRENCE-ID."""
    resources = world.resources(ALICE)
    assert list(resources) == [event_id_for(series)]  # one resource for the whole series
    components = list(resources[event_id_for(series)].walk("VEVENT"))
    (master,) = [c for c in components if "RECURRENCE-ID" not in c]
    overrides = {c.decoded("recurrence-id"): c for c in components if "RECURRENCE-ID" in c}
    return master, overrides


def _exdates(master: icalendar.Event) -> list[datetime]:
    found = master.get("exdate", [])
    lines = found if isinstance(found, list) else [found]
    return sorted(moment.dt for line in lines for moment in line.dts)


def _exceptions(world: CaldavWorld, series: str) -> list[Activity]:
    return [a for a in world.activities() if a.recurrence_parent_guid == series]


def test_cal_9_bey_1_a_psa_series_reaches_the_calendar_with_its_moved_and_cancelled_occurrences(
    world: CaldavWorld,
) -> None:
    series, first = _standup(world)
    second, third = first + timedelta(days=1), first + timedelta(days=2)
    moved_to = second + timedelta(hours=5)
    world.create(ALICE, "Standup", moved_to, recurrence_parent_guid=series, original_start=second)
    world.change_activity(series, exdates=(third,))

    world.sync(ALICE)

    master, overrides = _parts(world, series)
    assert master["rrule"].to_ical() == b"FREQ=DAILY;COUNT=3"
    assert master.decoded("dtstart") == first
    assert _exdates(master) == [third]
    assert list(overrides) == [second]
    assert (overrides[second].decoded("dtstart"), overrides[second].decoded("dtend")) == (
        moved_to,
        moved_to + timedelta(hours=1),
    )
    assert world.sync(ALICE).plan.is_empty


def test_cal_9_bey_1_an_occurrence_moved_and_one_cancelled_in_the_app_stay_so_in_the_psa(world: CaldavWorld) -> None:
    series, first = _standup(world)
    second, third = first + timedelta(days=1), first + timedelta(days=2)
    moved_to = second + timedelta(hours=4)

    app_event = world.app(ALICE).event_by_uid(event_id_for(series))  # as the app saves "this occurrence only"
    resource = app_event.icalendar_instance
    (master,) = list(resource.walk("VEVENT"))
    master.add("exdate", third.astimezone(HELSINKI))
    override = icalendar.Event()
    override.add("uid", event_id_for(series))
    override.add("recurrence-id", second.astimezone(HELSINKI))
    override.add("dtstamp", datetime.now(UTC))
    override.add("dtstart", moved_to.astimezone(HELSINKI))
    override.add("dtend", (moved_to + timedelta(hours=1)).astimezone(HELSINKI))
    override.add("summary", "Standup")
    resource.add_component(override)
    app_event.icalendar_instance = resource
    app_event.save()

    world.sync(ALICE)
    world.sync(ALICE)

    (parent,) = [a for a in world.activities() if a.guid == series]
    assert parent.recurrence is not None
    assert parent.recurrence.exdates == (third,)
    (moved,) = _exceptions(world, series)
    assert (moved.start, moved.end, moved.original_start) == (moved_to, moved_to + timedelta(hours=1), second)
    master_after, overrides = _parts(world, series)
    assert _exdates(master_after) == [third]  # the app's edit was not undone
    assert overrides[second].decoded("dtstart") == moved_to
