"""Recurring series end to end (hub, sync, Google emulator): exceptions made on either side
stay (CAL-9), series edits keep the user's moved occurrences, "this and following", time
zones across a daylight-saving change, all-day dates, initial matching of series (CAL-10)
and private series (CAL-6)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tandem.domain.activity import Activity, ParticipantKind
from tandem.hub import recurrence as hub_recurrence
from tandem.hub.models import Activity as ActivityRow
from tandem.hub.services import activities, lookup
from tandem.hub.services.drafts import ParticipantDraft, draft_of
from tandem.sync.ids import event_id_for
from tests.e2e.calendar.conftest import ALICE, BOB, World, event_body, instance_id, reschedule, soon
from tests.support import factories

HELSINKI = ZoneInfo("Europe/Helsinki")


def _when(side: dict[str, Any]) -> datetime | date:
    if "dateTime" in side:
        return datetime.fromisoformat(side["dateTime"])
    return date.fromisoformat(side["date"])


def _shown(world: World, email: str) -> list[tuple[str, datetime | date]]:
    """Every occurrence the user's calendar shows (series expanded), as (summary, start)."""
    return sorted(
        ((e.get("summary", ""), _when(e["start"])) for e in world.events(email, singleEvents="true")),
        key=lambda pair: (pair[0], str(pair[1])),
    )


def _masters(world: World, email: str) -> list[dict[str, Any]]:
    """The stored events (series unexpanded), by summary then start."""
    return sorted(world.events(email), key=lambda e: (e.get("summary", ""), str(_when(e["start"]))))


def _exceptions(world: World, series: str) -> list[Activity]:
    return sorted(
        (a for a in world.activities() if a.recurrence_parent_guid == series), key=lambda a: str(a.original_start)
    )


def _by_guid(world: World, guid: str) -> Activity:
    (found,) = [a for a in world.activities() if a.guid == guid]
    return found


def _edit(world: World, guid: str, **changes: Any) -> None:
    """Change an activity through the hub's services, as the PSA's API would."""
    with world.tandem.db.write() as session:
        row = lookup.get(session, ActivityRow, guid, "activity")
        activities.update(session, row, draft_of(row, **changes), factories.ACTOR)


def _hub_occurrences(activity: Activity, until: datetime) -> list[datetime | date]:
    """The hub's own expansion of a stored series, from its start up to `until`."""
    assert activity.recurrence is not None
    start = activity.start
    # an all-day series begins at midnight of its own zone: a day early covers any zone
    since = start if isinstance(start, datetime) else datetime.combine(start - timedelta(days=1), time(), UTC)
    return hub_recurrence.occurrences(
        activity.recurrence.rrule,
        start,
        activity.time_zone,
        since,
        until,
        frozenset(activity.recurrence.exdates),
    )


def _local(moment: datetime | date) -> datetime:
    assert isinstance(moment, datetime)
    return moment.astimezone(HELSINKI)


def _settled(world: World) -> None:
    """A further round: each side read and written again, twice over."""
    world.sync(ALICE)
    world.sync(ALICE)


# --- CAL-9: exceptions made in Google stay in the PSA --------------------------------------


def test_cal_9_an_occurrence_moved_in_google_stays_moved_in_the_psa(world: World) -> None:
    series, first = world.standup()
    second = first + timedelta(days=1)
    moved_to = second + timedelta(hours=4)
    answer = world.calendar(ALICE).patch(instance_id(event_id_for(series), second), reschedule(moved_to))
    assert answer.status_code == 200, answer.text

    world.sync(ALICE)
    _settled(world)

    (moved,) = _exceptions(world, series)
    assert (moved.start, moved.end, moved.original_start) == (moved_to, moved_to + timedelta(hours=1), second)
    assert moved.name == "Standup"
    parent = _by_guid(world, series)
    assert parent.start == first  # the series itself did not move
    assert parent.recurrence is not None
    assert parent.recurrence.exdates == ()
    assert [a.name for a in world.activities()] == ["Standup", "Standup"]  # the series and its exception
    assert _shown(world, ALICE) == [
        ("Standup", first),
        ("Standup", moved_to),
        ("Standup", first + timedelta(days=2)),
    ]


def test_cal_9_an_occurrence_renamed_in_google_becomes_an_exception_with_that_title(world: World) -> None:
    series, first = world.standup(hour=10)
    third = first + timedelta(days=2)
    answer = world.calendar(ALICE).patch(instance_id(event_id_for(series), third), {"summary": "Standup (demo day)"})
    assert answer.status_code == 200, answer.text

    world.sync(ALICE)
    _settled(world)

    (renamed,) = _exceptions(world, series)
    assert (renamed.name, renamed.start, renamed.original_start) == ("Standup (demo day)", third, third)
    assert _by_guid(world, series).name == "Standup"
    assert _shown(world, ALICE) == [
        ("Standup", first),
        ("Standup", first + timedelta(days=1)),
        ("Standup (demo day)", third),
    ]


def test_cal_9_an_occurrence_cancelled_in_google_is_excluded_in_the_psa(world: World) -> None:
    series, first = world.standup()
    second = first + timedelta(days=1)
    answer = world.calendar(ALICE).delete(instance_id(event_id_for(series), second))
    assert answer.status_code == 204, answer.text

    world.sync(ALICE)
    _settled(world)

    parent = _by_guid(world, series)
    assert parent.recurrence is not None
    assert parent.recurrence.exdates == (second,)
    assert _exceptions(world, series) == []
    assert [a.name for a in world.activities()] == ["Standup"]
    assert _hub_occurrences(parent, first + timedelta(days=30)) == [first, first + timedelta(days=2)]
    assert _shown(world, ALICE) == [("Standup", first), ("Standup", first + timedelta(days=2))]


# --- CAL-9: exceptions made in the PSA reach Google ----------------------------------------


def test_cal_9_an_occurrence_moved_in_the_psa_is_moved_in_google(world: World) -> None:
    series, first = world.standup()
    second = first + timedelta(days=1)
    moved_to = second + timedelta(hours=5)
    exception = world.create(ALICE, "Standup", moved_to, recurrence_parent_guid=series, original_start=second)

    world.sync(ALICE)
    _settled(world)

    instance = world.calendar(ALICE).get(f"/{instance_id(event_id_for(series), second)}")
    assert instance.status_code == 200, instance.text
    shown = instance.json()
    assert (_when(shown["start"]), _when(shown["end"])) == (moved_to, moved_to + timedelta(hours=1))
    assert (shown["recurringEventId"], _when(shown["originalStartTime"])) == (event_id_for(series), second)
    assert _shown(world, ALICE) == [
        ("Standup", first),
        ("Standup", moved_to),
        ("Standup", first + timedelta(days=2)),
    ]
    assert len(_masters(world, ALICE)) == 2  # the series and its exception, no new single event
    (kept,) = _exceptions(world, series)
    assert (kept.guid, kept.start, kept.original_start) == (exception, moved_to, second)
    assert [a.name for a in world.activities()] == ["Standup", "Standup"]


def test_cal_9_an_occurrence_cancelled_in_the_psa_is_cancelled_in_google(world: World) -> None:
    series, first = world.standup()
    second = first + timedelta(days=1)
    _edit(world, series, exdates=(second,))

    world.sync(ALICE)
    _settled(world)

    assert _shown(world, ALICE) == [("Standup", first), ("Standup", first + timedelta(days=2))]
    instance = world.calendar(ALICE).get(f"/{instance_id(event_id_for(series), second)}")
    assert instance.status_code == 404, instance.text  # no longer an occurrence of the series
    (master,) = _masters(world, ALICE)
    assert master["recurrence"] == [
        "RRULE:FREQ=DAILY;COUNT=3",
        f"EXDATE;TZID=Europe/Helsinki:{_local(second):%Y%m%dT%H%M%S}",
    ]
    parent = _by_guid(world, series)
    assert parent.recurrence is not None
    assert parent.recurrence.exdates == (second,)  # not brought back by the calendar
    assert [a.name for a in world.activities()] == ["Standup"]


# --- CAL-9: editing the whole series keeps the user's exceptions --------------------------


def _psa_shown(world: World, series: str, until: datetime) -> list[datetime | date]:
    """The occurrences the PSA shows for a series: its own expansion, each occurrence an
    exception stands for replaced by that exception."""
    exceptions = _exceptions(world, series)
    overridden = {e.original_start for e in exceptions}
    kept = [m for m in _hub_occurrences(_by_guid(world, series), until) if m not in overridden]
    return sorted([*kept, *(e.start for e in exceptions)], key=str)


def test_cal_9_a_series_described_anew_in_the_psa_keeps_the_occurrence_moved_in_google(world: World) -> None:
    series, first = world.standup(notes="Room 1")
    second = first + timedelta(days=1)
    moved_to = second + timedelta(hours=3)
    instance = instance_id(event_id_for(series), second)
    assert world.calendar(ALICE).patch(instance, reschedule(moved_to)).status_code == 200
    world.sync(ALICE)

    _edit(world, series, notes="Room 2")
    world.sync(ALICE)
    _settled(world)

    # docs/calendar-sync.md: a series edit reaches every exception whose value was still the
    # series' old one; an exception's time is always its own
    (moved,) = _exceptions(world, series)
    assert (moved.notes, moved.start, moved.original_start) == ("Room 2", moved_to, second)
    shown = world.calendar(ALICE).get(f"/{instance}").json()
    assert (shown["description"], _when(shown["start"])) == ("Room 2", moved_to)
    occurrences = world.events(ALICE, singleEvents="true")
    assert sorted((e["description"], _when(e["start"])) for e in occurrences) == [
        ("Room 2", first),
        ("Room 2", moved_to),
        ("Room 2", first + timedelta(days=2)),
    ]


def test_cal_9_a_series_renamed_in_google_keeps_the_occurrence_moved_in_the_psa(world: World) -> None:
    series, first = world.standup()
    third = first + timedelta(days=2)
    moved_to = third - timedelta(hours=2)
    exception = world.create(ALICE, "Standup", moved_to, recurrence_parent_guid=series, original_start=third)
    world.sync(ALICE)

    renamed = world.calendar(ALICE).patch(event_id_for(series), {"summary": "Daily sync"})
    assert renamed.status_code == 200, renamed.text
    world.sync(ALICE)
    _settled(world)

    assert _by_guid(world, series).name == "Daily sync"
    (kept,) = _exceptions(world, series)
    assert (kept.guid, kept.name, kept.start, kept.original_start) == (exception, "Daily sync", moved_to, third)
    assert _shown(world, ALICE) == [
        ("Daily sync", first),
        ("Daily sync", first + timedelta(days=1)),
        ("Daily sync", moved_to),
    ]


def test_cal_9_a_series_renamed_in_the_psa_keeps_the_title_an_occurrence_was_given_in_google(world: World) -> None:
    series, first = world.standup()
    second = first + timedelta(days=1)
    own = world.calendar(ALICE).patch(instance_id(event_id_for(series), second), {"summary": "Standup (demo)"})
    assert own.status_code == 200, own.text
    world.sync(ALICE)

    _edit(world, series, name="Daily sync")
    world.sync(ALICE)
    _settled(world)

    # what an exception changed itself stays (docs/calendar-sync.md)
    (exception,) = _exceptions(world, series)
    assert (exception.name, exception.start) == ("Standup (demo)", second)
    assert _shown(world, ALICE) == [
        ("Daily sync", first),
        ("Daily sync", first + timedelta(days=2)),
        ("Standup (demo)", second),
    ]


def _series_with_an_occurrence_moved_in_google(world: World) -> tuple[str, datetime, datetime]:
    """A daily series of three made in the PSA, its second occurrence moved in Google by four
    hours and synced back: (series guid, first start, where the second went)."""
    series, first = world.standup()
    second = first + timedelta(days=1)
    moved_to = second + timedelta(hours=4)
    moved = world.calendar(ALICE).patch(instance_id(event_id_for(series), second), reschedule(moved_to))
    assert moved.status_code == 200
    world.sync(ALICE)
    assert len(_exceptions(world, series)) == 1
    return series, first, moved_to


def test_cal_9_a_series_moved_in_the_psa_drops_the_occurrence_it_no_longer_has_on_both_sides(world: World) -> None:
    """The rule (docs/calendar-sync.md): a series time change makes an exception of an
    occurrence the series no longer has meaningless; it goes on both sides, as Google drops
    it, and that day follows the series' new time."""
    series, first, _ = _series_with_an_occurrence_moved_in_google(world)

    later = first + timedelta(hours=2)
    _edit(world, series, start=later, end=later + timedelta(hours=1))
    world.sync(ALICE)
    _settled(world)

    expected = [later, later + timedelta(days=1), later + timedelta(days=2)]
    assert _exceptions(world, series) == []
    # once: the 2nd day twice in the PSA (the exception kept beside the new occurrence)
    assert _psa_shown(world, series, first + timedelta(days=30)) == expected
    assert [start for _, start in _shown(world, ALICE)] == expected
    assert _by_guid(world, series).recurrence.exdates == ()  # no EXDATE naming nothing


def test_cal_9_a_series_lengthened_in_the_psa_keeps_its_moved_occurrence_at_its_own_time(world: World) -> None:
    series, first, moved_to = _series_with_an_occurrence_moved_in_google(world)

    _edit(world, series, rrule="FREQ=DAILY;COUNT=4")
    world.sync(ALICE)
    _settled(world)

    (moved,) = _exceptions(world, series)
    assert (moved.start, moved.original_start) == (moved_to, first + timedelta(days=1))
    expected = [first, moved_to, first + timedelta(days=2), first + timedelta(days=3)]
    assert _psa_shown(world, series, first + timedelta(days=30)) == expected
    assert [start for _, start in _shown(world, ALICE)] == expected


# --- CAL-9: "this and following" in Google --------------------------------------------------


def test_cal_9_this_and_following_in_google_splits_the_psa_series_in_two(world: World) -> None:
    first = soon(2, hour=9)
    series = world.create(ALICE, "Standup", first, rrule="FREQ=WEEKLY;COUNT=6")
    world.sync(ALICE)
    split = first + timedelta(days=21)
    calendar = world.calendar(ALICE)
    until = split - timedelta(seconds=1)
    ended = calendar.patch(event_id_for(series), {"recurrence": [f"RRULE:FREQ=WEEKLY;UNTIL={until:%Y%m%dT%H%M%SZ}"]})
    assert ended.status_code == 200, ended.text
    new_start = split + timedelta(hours=1)
    following = calendar.insert(event_body("Standup", new_start, recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"]))
    assert following.status_code == 200, following.text

    world.sync(ALICE)
    _settled(world)

    series_rows = [a for a in world.activities() if a.recurrence is not None]
    assert sorted(a.start for a in series_rows) == [first, new_start]
    old, new = sorted(series_rows, key=lambda a: a.start)
    assert old.guid == series
    horizon = first + timedelta(days=120)
    week = timedelta(days=7)
    assert _hub_occurrences(old, horizon) == [first, first + week, first + 2 * week]
    assert _hub_occurrences(new, horizon) == [new_start, new_start + week, new_start + 2 * week]
    assert [a.name for a in world.activities()] == ["Standup", "Standup"]
    assert _shown(world, ALICE) == [
        ("Standup", first),
        ("Standup", first + week),
        ("Standup", first + 2 * week),
        ("Standup", new_start),
        ("Standup", new_start + week),
        ("Standup", new_start + 2 * week),
    ]


# --- CAL-9: time zones across the daylight-saving change ------------------------------------


def test_cal_9_a_psa_series_stays_at_nine_local_across_the_dst_change_in_google(world: World) -> None:
    first = datetime(2027, 3, 15, 9, 0, tzinfo=HELSINKI)  # two weeks before 28 March 2027
    series = world.create(ALICE, "Weekly planning", first, rrule="FREQ=WEEKLY;COUNT=4")

    world.sync(ALICE)

    occurrences = world.events(ALICE, singleEvents="true")
    assert [(e["start"]["dateTime"], e["start"]["timeZone"]) for e in occurrences] == [
        ("2027-03-15T09:00:00+02:00", "Europe/Helsinki"),
        ("2027-03-22T09:00:00+02:00", "Europe/Helsinki"),
        ("2027-03-29T09:00:00+03:00", "Europe/Helsinki"),
        ("2027-04-05T09:00:00+03:00", "Europe/Helsinki"),
    ]
    assert [e["end"]["dateTime"] for e in occurrences] == [
        "2027-03-15T10:00:00+02:00",
        "2027-03-22T10:00:00+02:00",
        "2027-03-29T10:00:00+03:00",
        "2027-04-05T10:00:00+03:00",
    ]
    (master,) = _masters(world, ALICE)
    assert master["id"] == event_id_for(series)
    assert master["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=4"]  # never a DTSTART


def test_cal_9_a_google_series_stays_at_nine_local_across_the_dst_change_in_the_psa(world: World) -> None:
    made = world.calendar(ALICE).insert(
        {
            "summary": "Weekly planning",
            "start": {"dateTime": "2027-03-16T09:00:00", "timeZone": "Europe/Helsinki"},
            "end": {"dateTime": "2027-03-16T10:00:00", "timeZone": "Europe/Helsinki"},
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=4"],
        }
    )
    assert made.status_code == 200, made.text

    world.sync(ALICE)

    series = world.activity("Weekly planning")
    assert (series.start, series.end, series.time_zone) == (
        datetime(2027, 3, 16, 7, 0, tzinfo=UTC),
        datetime(2027, 3, 16, 8, 0, tzinfo=UTC),
        "Europe/Helsinki",
    )
    assert series.recurrence is not None
    assert series.recurrence.rrule == "FREQ=WEEKLY;COUNT=4"
    occurrences = _hub_occurrences(series, datetime(2027, 6, 1, tzinfo=UTC))
    assert occurrences == [
        datetime(2027, 3, 16, 7, 0, tzinfo=UTC),
        datetime(2027, 3, 23, 7, 0, tzinfo=UTC),
        datetime(2027, 3, 30, 6, 0, tzinfo=UTC),
        datetime(2027, 4, 6, 6, 0, tzinfo=UTC),
    ]
    assert [_local(m).strftime("%H:%M") for m in occurrences] == ["09:00"] * 4

    _edit(world, series.guid, name="Planning")  # written back: the rule stays as Google had it
    world.sync(ALICE)
    (master,) = _masters(world, ALICE)
    assert (master["summary"], master["recurrence"]) == ("Planning", ["RRULE:FREQ=WEEKLY;COUNT=4"])
    assert [e["start"]["dateTime"] for e in world.events(ALICE, singleEvents="true")] == [
        "2027-03-16T09:00:00+02:00",
        "2027-03-23T09:00:00+02:00",
        "2027-03-30T09:00:00+03:00",
        "2027-04-06T09:00:00+03:00",
    ]


# --- CAL-13 / CAL-9: all-day entries never shift by a day -----------------------------------


def test_cal_13_an_all_day_activity_keeps_its_date_both_ways(world: World) -> None:
    day = soon(5).date()
    guid = world.create(ALICE, "Company day", day, is_all_day=True, end=day + timedelta(days=1))
    world.sync(ALICE)
    (event,) = _masters(world, ALICE)
    assert (event["start"], event["end"]) == (
        {"date": day.isoformat()},
        {"date": (day + timedelta(days=1)).isoformat()},
    )

    assert world.calendar(ALICE).patch(event["id"], {"summary": "Company day!"}).status_code == 200
    world.sync(ALICE)
    back = _by_guid(world, guid)
    assert (back.name, back.start, back.end, back.is_all_day) == ("Company day!", day, day + timedelta(days=1), True)

    _edit(world, guid, name="Company day 2027")
    world.sync(ALICE)
    _settled(world)
    (event,) = _masters(world, ALICE)
    assert (event["summary"], event["start"], event["end"]) == (
        "Company day 2027",
        {"date": day.isoformat()},
        {"date": (day + timedelta(days=1)).isoformat()},
    )
    assert (_by_guid(world, guid).start, _by_guid(world, guid).end) == (day, day + timedelta(days=1))


def test_cal_13_an_all_day_entry_made_in_google_comes_in_on_the_same_dates(world: World) -> None:
    day = soon(4).date()
    made = world.calendar(ALICE).insert(
        {
            "summary": "Trade fair",
            "start": {"date": day.isoformat()},
            "end": {"date": (day + timedelta(days=2)).isoformat()},
        }
    )
    assert made.status_code == 200, made.text

    world.sync(ALICE)
    _settled(world)

    fair = world.activity("Trade fair")
    assert (fair.start, fair.end, fair.is_all_day) == (day, day + timedelta(days=2), True)
    (event,) = _masters(world, ALICE)
    assert (event["start"], event["end"]) == (
        {"date": day.isoformat()},
        {"date": (day + timedelta(days=2)).isoformat()},
    )


def test_cal_9_an_all_day_series_made_in_the_psa_keeps_its_dates_in_google(world: World) -> None:
    day = soon(3).date()
    series = world.create(
        ALICE, "Payroll day", day, is_all_day=True, end=day + timedelta(days=1), rrule="FREQ=WEEKLY;COUNT=3"
    )

    world.sync(ALICE)
    _settled(world)

    occurrences = world.events(ALICE, singleEvents="true")
    assert [(e["start"], e["end"]) for e in occurrences] == [
        ({"date": (day + timedelta(days=d)).isoformat()}, {"date": (day + timedelta(days=d + 1)).isoformat()})
        for d in (0, 7, 14)
    ]
    (master,) = _masters(world, ALICE)
    assert (master["id"], master["recurrence"]) == (event_id_for(series), ["RRULE:FREQ=WEEKLY;COUNT=3"])
    stored = _by_guid(world, series)
    assert (stored.start, stored.end) == (day, day + timedelta(days=1))


def test_cal_9_an_all_day_series_made_in_google_keeps_its_dates_and_exceptions_in_the_psa(world: World) -> None:
    day = soon(3).date()
    calendar = world.calendar(ALICE)
    made = calendar.insert(
        {
            "summary": "Release day",
            "start": {"date": day.isoformat()},
            "end": {"date": (day + timedelta(days=1)).isoformat()},
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=4"],
        }
    )
    assert made.status_code == 200, made.text
    master_id = made.json()["id"]
    world.sync(ALICE)
    assert (world.activity("Release day").start, world.activity("Release day").end) == (day, day + timedelta(days=1))
    week = timedelta(days=7)
    assert calendar.delete(instance_id(master_id, day + week)).status_code == 204
    moved = calendar.patch(
        instance_id(master_id, day + 2 * week),
        {
            "start": {"date": (day + 2 * week + timedelta(days=1)).isoformat()},
            "end": {"date": (day + 2 * week + timedelta(days=2)).isoformat()},
        },
    )
    assert moved.status_code == 200, moved.text

    world.sync(ALICE)
    _settled(world)

    series = next(a for a in world.activities() if a.recurrence is not None)
    assert (series.name, series.start, series.end, series.is_all_day) == (
        "Release day",
        day,
        day + timedelta(days=1),
        True,
    )
    assert series.recurrence is not None
    assert series.recurrence.exdates == (day + week,)
    (exception,) = _exceptions(world, series.guid)
    assert (exception.start, exception.end, exception.original_start, exception.is_all_day) == (
        day + 2 * week + timedelta(days=1),
        day + 2 * week + timedelta(days=2),
        day + 2 * week,
        True,
    )
    assert _psa_shown(world, series.guid, datetime.combine(day + 10 * week, time(), UTC)) == [
        day,
        day + 2 * week + timedelta(days=1),
        day + 3 * week,
    ]
    assert [_when(e["start"]) for e in world.events(ALICE, singleEvents="true")] == [
        day,
        day + 2 * week + timedelta(days=1),
        day + 3 * week,
    ]


# --- CAL-10: initial matching of series -------------------------------------------------------


def test_cal_10_an_identical_series_on_both_sides_is_linked_not_doubled(world: World) -> None:
    first = soon(3, hour=8)
    series = world.create(ALICE, "Weekly review", first, rrule="FREQ=WEEKLY;COUNT=5")
    made = world.calendar(ALICE).insert(event_body("weekly review ", first, recurrence=["RRULE:FREQ=WEEKLY;COUNT=5"]))
    assert made.status_code == 200, made.text
    google_id = made.json()["id"]

    world.sync(ALICE)
    _settled(world)

    assert [a.guid for a in world.activities()] == [series]
    assert [e["id"] for e in _masters(world, ALICE)] == [google_id]
    assert len(world.events(ALICE, singleEvents="true")) == 5
    # linked: a change on one side reaches the other
    assert world.calendar(ALICE).patch(google_id, {"description": "Agenda in the wiki"}).status_code == 200
    world.sync(ALICE)
    assert _by_guid(world, series).notes == "Agenda in the wiki"
    assert [a.guid for a in world.activities()] == [series]


def test_cal_10_a_single_entry_and_a_series_of_the_same_title_and_time_are_not_matched(world: World) -> None:
    first = soon(3, hour=8)
    single = world.create(ALICE, "Planning", first)
    psa_series = world.create(ALICE, "Retro", first + timedelta(hours=2), rrule="FREQ=WEEKLY;COUNT=3")
    calendar = world.calendar(ALICE)
    assert calendar.insert(event_body("Planning", first, recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"])).status_code == 200
    assert calendar.insert(event_body("Retro", first + timedelta(hours=2))).status_code == 200

    world.sync(ALICE)
    _settled(world)

    kinds = sorted((a.name, a.recurrence is not None) for a in world.activities())
    assert kinds == [("Planning", False), ("Planning", True), ("Retro", False), ("Retro", True)]
    assert _by_guid(world, single).recurrence is None
    assert _by_guid(world, psa_series).recurrence is not None
    masters = sorted((e["summary"], "recurrence" in e) for e in _masters(world, ALICE))
    assert masters == [("Planning", False), ("Planning", True), ("Retro", False), ("Retro", True)]
    week = timedelta(days=7)
    later = first + timedelta(hours=2)
    assert _shown(world, ALICE) == [
        ("Planning", first),
        ("Planning", first),
        ("Planning", first + week),
        ("Planning", first + 2 * week),
        ("Retro", later),
        ("Retro", later),
        ("Retro", later + week),
        ("Retro", later + 2 * week),
    ]


def test_cal_10_series_started_60_days_ago_with_occurrences_to_come_are_synced(world: World) -> None:
    long_ago = soon(-60, hour=8)
    calendar = world.calendar(ALICE)
    assert calendar.insert(event_body("Old weekly", long_ago, recurrence=["RRULE:FREQ=WEEKLY"])).status_code == 200
    assert (
        calendar.insert(event_body("Old and over", long_ago, recurrence=["RRULE:FREQ=WEEKLY;COUNT=2"])).status_code
        == 200
    )
    psa_series = world.create(ALICE, "Old PSA weekly", long_ago + timedelta(hours=2), rrule="FREQ=WEEKLY")

    world.sync(ALICE)
    _settled(world)

    # the Google series with occurrences to come came in; the one that ended 53 days ago did not
    assert sorted(a.name for a in world.activities()) == ["Old PSA weekly", "Old weekly"]
    came = world.activity("Old weekly")
    assert (came.start, came.recurrence is not None) == (long_ago, True)
    assert sorted(e["summary"] for e in _masters(world, ALICE)) == ["Old PSA weekly", "Old and over", "Old weekly"]
    sent = next(e for e in _masters(world, ALICE) if e["summary"] == "Old PSA weekly")
    assert (sent["id"], _when(sent["start"]), sent["recurrence"]) == (
        event_id_for(psa_series),
        long_ago + timedelta(hours=2),
        ["RRULE:FREQ=WEEKLY"],
    )


# --- CAL-6: private series ------------------------------------------------------------------


def test_cal_6_a_private_series_made_in_google_becomes_a_personal_series_and_stays_private(world: World) -> None:
    first = soon(2, hour=15)
    calendar = world.calendar(ALICE)
    made = calendar.insert(event_body("Physio", first, recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"], visibility="private"))
    assert made.status_code == 200, made.text
    master_id = made.json()["id"]
    world.sync(ALICE)
    series = world.activity("Physio")
    assert (series.type_guid, series.is_private) == (world.types["Personal"].guid, True)
    assert series.recurrence is not None
    assert series.recurrence.rrule == "FREQ=WEEKLY;COUNT=3"

    second = first + timedelta(days=7)
    moved_to = second + timedelta(hours=1)
    assert calendar.patch(instance_id(master_id, second), reschedule(moved_to)).status_code == 200
    world.sync(ALICE)
    _edit(world, series.guid, name="Physio (knee)")
    world.sync(ALICE)
    _settled(world)

    (exception,) = _exceptions(world, series.guid)
    assert (exception.start, exception.type_guid, exception.is_private) == (
        moved_to,
        world.types["Personal"].guid,
        True,
    )
    assert _by_guid(world, series.guid).type_guid == world.types["Personal"].guid
    occurrences = world.events(ALICE, singleEvents="true")
    assert [(e["summary"], e["visibility"], _when(e["start"])) for e in occurrences] == [
        ("Physio (knee)", "private", first),
        ("Physio (knee)", "private", moved_to),
        ("Physio (knee)", "private", first + timedelta(days=14)),
    ]


def test_cal_6_a_personal_series_made_in_the_psa_goes_to_google_private(world: World) -> None:
    first = soon(2, hour=6)
    series = world.create(ALICE, "Gym", first, kind="Personal", rrule="FREQ=DAILY;COUNT=3")

    world.sync(ALICE)
    _settled(world)

    (master,) = _masters(world, ALICE)
    assert (master["id"], master["visibility"]) == (event_id_for(series), "private")
    occurrences = world.events(ALICE, singleEvents="true")
    assert [(e["visibility"], _when(e["start"])) for e in occurrences] == [
        ("private", first),
        ("private", first + timedelta(days=1)),
        ("private", first + timedelta(days=2)),
    ]
    assert _by_guid(world, series).type_guid == world.types["Personal"].guid


def test_cal_6_a_personal_series_with_an_attendee_is_private_in_both_calendars(world: World) -> None:
    first = soon(2, hour=12)
    series = world.create(
        ALICE,
        "Mentoring",
        first,
        kind="Personal",
        rrule="FREQ=WEEKLY;COUNT=2",
        participants=(ParticipantDraft("User", world.users[BOB].guid),),
    )

    world.sync(ALICE, BOB)
    world.sync(ALICE, BOB)

    (mine,) = _masters(world, ALICE)
    (theirs,) = _masters(world, BOB)
    assert (mine["id"], mine["visibility"], [a["email"] for a in mine["attendees"]]) == (
        event_id_for(series),
        "private",
        [BOB],
    )
    assert (theirs["id"], theirs["visibility"]) == (event_id_for(series), "private")
    assert [a.guid for a in world.activities()] == [series]
    stored = _by_guid(world, series)
    assert stored.type_guid == world.types["Personal"].guid
    assert [(p.kind, p.ref_guid) for p in stored.participants] == [(ParticipantKind.USER, world.users[BOB].guid)]


def test_cal_6_a_private_series_with_an_attendee_made_in_google_becomes_personal_once(world: World) -> None:
    first = soon(2, hour=12)
    made = world.calendar(ALICE).insert(
        event_body(
            "Mentoring",
            first,
            recurrence=["RRULE:FREQ=WEEKLY;COUNT=2"],
            visibility="private",
            attendees=[{"email": BOB}],
        )
    )
    assert made.status_code == 200, made.text

    world.sync(ALICE, BOB)
    world.sync(ALICE, BOB)

    series = world.activity("Mentoring")
    assert (series.type_guid, series.is_private, series.owner_guid) == (
        world.types["Personal"].guid,
        True,
        world.users[ALICE].guid,
    )
    assert [(p.kind, p.ref_guid) for p in series.participants if p.kind is ParticipantKind.USER] == [
        (ParticipantKind.USER, world.users[BOB].guid)
    ]
    assert [(e["id"], e["visibility"]) for e in _masters(world, BOB)] == [(made.json()["id"], "private")]
    assert [e["id"] for e in _masters(world, ALICE)] == [made.json()["id"]]


def test_cal_9_series_made_in_google_with_occurrences_already_moved_come_in_whole_at_the_first_sync(
    world: World,
) -> None:
    calendar = world.calendar(ALICE)
    week = timedelta(days=7)
    expected = []
    for n in range(4):  # an initial import often meets several such series at once
        first = soon(2 + n, hour=7 + n)
        made = calendar.insert(event_body(f"Series {n}", first, recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"]))
        assert made.status_code == 200, made.text
        moved_to = first + week + timedelta(hours=1)
        answer = calendar.patch(instance_id(made.json()["id"], first + week), reschedule(moved_to))
        assert answer.status_code == 200, answer.text
        expected.append((f"Series {n}", moved_to, first + week))

    world.sync(ALICE)

    found = sorted(
        (_by_guid(world, e.recurrence_parent_guid).name, e.start, e.original_start)
        for e in world.activities()
        if e.recurrence_parent_guid is not None
    )
    assert found == expected
    assert world.reports[-1].record.counts.quarantined == 0
