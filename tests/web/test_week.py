"""My week: the week view, and creating, changing and deleting an activity with its form
(CAL-6, CAL-8, CAL-15), through the hub's activity service as the REST API writes."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.hub.adapters.activities import HubPsa
from tandem.hub.models import Activity, ActivityType, ChangeLog, Contact, Resource, User
from tandem.hub.services import calendar_setup, entities, masters
from tandem.hub.services.drafts import ParticipantDraft
from tests.support import factories
from tests.web.support import People, add_people, csrf_token, signed_in

MONDAY = date(2027, 1, 4)
WEEK = f"/week?start={MONDAY.isoformat()}"


@dataclass
class Office:
    people: People
    uma: User
    ada: User
    meeting: ActivityType
    personal: ActivityType
    contact: Contact
    room: Resource


def _office(tandem: bootstrap.Tandem) -> Office:
    people = add_people(tandem)
    meeting = factories.activity_type(tandem, "Meeting", "CalendarEntry", is_default=True)
    personal = factories.activity_type(tandem, "Personal", "Personal")
    acme = factories.customer(tandem, "Acme")
    with tandem.db.write() as session:
        contact = masters.save(
            session, entities.CONTACTS, None, {"first_name": "Cai", "last_name": "Contact", "customer_guid": acme.guid}
        )
        room = masters.save(session, entities.RESOURCES, None, {"name": "Room Aalto", "code": "R1"})
    with tandem.db.read() as session:
        users = {u.email: u for u in session.scalars(sa.select(User)).unique()}
    return Office(people, users[people.user], users[people.admin], meeting, personal, contact, room)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """`day` days after the Monday of the week looked at, in UTC (the test users' zone)."""
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), UTC)


def _form(token: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": token, **fields}


def _live(tandem: bootstrap.Tandem, name: str) -> list[Activity]:
    with tandem.db.read() as session:
        query = sa.select(Activity).where(Activity.name == name, Activity.is_deleted.is_(False))
        return list(session.scalars(query).unique())


def _names_in_order(page: str) -> list[str]:
    """The entries' titles as the page lists them, top to bottom."""
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r'class="what"[^>]*>(.*?)</', page)]


def test_my_week_lists_own_and_taken_part_activities_by_day_and_time_all_day_apart(tandem: bootstrap.Tandem) -> None:
    o = _office(tandem)
    factories.activity(tandem, o.uma, o.meeting, _at(1, 13), _at(1, 14), name="Tuesday afternoon")
    factories.activity(tandem, o.uma, o.meeting, _at(1, 8), _at(1, 9), name="Tuesday morning")
    factories.activity(
        tandem, o.uma, o.meeting, date(2027, 1, 5), date(2027, 1, 6), name="Tuesday all day", is_all_day=True
    )
    factories.activity(
        tandem,
        o.ada,
        o.meeting,
        _at(3, 10),
        _at(3, 11),
        name="Ada asked me",
        participants=(ParticipantDraft("User", o.uma.guid),),
    )
    factories.activity(tandem, o.ada, o.meeting, _at(3, 12), _at(3, 13), name="Ada alone")
    factories.activity(
        tandem, o.uma, o.meeting, _at(-7, 7), _at(-7, 8), name="Standup", rrule="FREQ=WEEKLY;BYDAY=MO,FR"
    )
    factories.activity(tandem, o.uma, o.meeting, _at(7, 9), _at(7, 10), name="Next week")
    client = signed_in(tandem, o.people.user)
    page = client.get(WEEK)
    assert page.status_code == 200
    assert _names_in_order(page.text) == [
        "Standup",  # Monday: the series' occurrence
        "Tuesday all day",  # all-day ones first, apart
        "Tuesday morning",
        "Tuesday afternoon",
        "Ada asked me",  # Thursday: taken part in, not owned
        "Standup",  # Friday
    ]
    assert "07:00–08:00" in page.text
    following = client.get(f"/week?start={date(2027, 1, 11).isoformat()}")
    assert "Next week" in _names_in_order(following.text)
    assert 'href="/week?start=2027-01-11" rel="next"' in page.text
    assert 'href="/week?start=2026-12-28" rel="prev"' in page.text


def test_cal_8_cal_14_create_change_delete_with_four_kinds_of_participants_and_a_series_wakes_the_sync(
    tandem: bootstrap.Tandem,
) -> None:
    o = _office(tandem)
    woken: list[str] = []
    tandem.hub.on_activity_change.append(lambda: woken.append("sync"))
    client = signed_in(tandem, o.people.user)
    token = csrf_token(client, "/week/new?date=2027-01-05")
    sent = _form(
        token,
        name="Planning",
        type=o.meeting.guid,
        owner=o.uma.guid,
        date="2027-01-05",
        start_time="09:30",
        end_time="10:15",
        location="Room Aalto",
        notes="Bring the numbers",
        **{f"user:{o.ada.guid}": "on", f"contact:{o.contact.guid}": "on", f"resource:{o.room.guid}": "on"},
        external="Pat Partner <pat@partner.example>",
        repeat="weekly",
        interval="1",
        **{"day:TU": "on", "day:TH": "on"},
        ends="count",
        count="4",
    )
    created = client.post("/week/new", data=sent)
    assert (created.status_code, created.headers["location"]) == (303, "/week?start=2027-01-04&done=created")
    assert woken == ["sync"]  # the sync follower is woken, as after an API write
    [saved] = _live(tandem, "Planning")
    assert (saved.start_at.replace(tzinfo=UTC), saved.end_at.replace(tzinfo=UTC)) == (_at(1, 9, 30), _at(1, 10, 15))
    assert saved.rrule == "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4"
    assert sorted((p.kind, p.name) for p in saved.participants) == [
        ("Contact", "Cai Contact"),
        ("Other", "Pat Partner"),
        ("Resource", "Room Aalto"),
        ("User", "Ada Test"),
    ]
    with tandem.db.read() as session:
        origins = session.scalars(sa.select(ChangeLog.origin).where(ChangeLog.activity_guid == saved.guid)).all()
    assert origins == ["web"]
    week = client.get(created.headers["location"])
    assert 'id="done"' in week.text
    assert _names_in_order(week.text) == ["Planning", "Planning"]  # Tuesday and Thursday

    form = client.get(f"/week/{saved.guid}")
    assert form.status_code == 200
    assert 'value="Bring the numbers"' not in form.text  # notes are a textarea
    assert ">Bring the numbers</textarea>" in form.text
    assert 'name="day:TH" checked' in form.text
    changed = client.post(
        f"/week/{saved.guid}",
        data={**sent, "name": "Planning, moved", "start_time": "11:00", "end_time": "12:00", "repeat": "none"},
    )
    assert changed.status_code == 303, changed.text
    [moved] = _live(tandem, "Planning, moved")
    assert (moved.guid, moved.rrule, moved.start_at.replace(tzinfo=UTC)) == (saved.guid, None, _at(1, 11))

    deleted = client.post(f"/week/{saved.guid}/delete", data={"csrf_token": token})
    assert (deleted.status_code, deleted.headers["location"]) == (303, "/week?start=2027-01-04&done=deleted")
    assert _live(tandem, "Planning, moved") == []
    assert woken == ["sync", "sync", "sync"]


def test_bad_input_is_shown_beside_its_field_keeping_what_was_typed(tandem: bootstrap.Tandem) -> None:
    o = _office(tandem)
    client = signed_in(tandem, o.people.user)
    token = csrf_token(client, "/week/new")
    answer = client.post(
        "/week/new",
        data=_form(
            token,
            name="  ",
            type=o.meeting.guid,
            owner=o.uma.guid,
            date="2027-01-05",
            start_time="10:00",
            end_time="09:00",
            location="Typed place",
            repeat="weekly",
            interval="often",
            external="not an address",
        ),
    )
    assert answer.status_code == 400
    assert re.search(r'<p class="error" id="name-error">name is required and cannot be blank</p>', answer.text)
    assert re.search(r'id="end_time-error">endDateTime is before startDateTime<', answer.text)
    assert re.search(r'id="interval-error">Enter a whole number', answer.text)
    assert 'id="location" name="location" type="text" value="Typed place"' in answer.text
    assert 'aria-describedby="name-error"' in answer.text
    with tandem.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0

    answer = client.post(
        "/week/new",
        data=_form(
            token, name="Lunch", type=o.meeting.guid, date="2027-01-05", start_time="12:00", external="not an address"
        ),
    )
    assert answer.status_code == 400
    assert "&#39;not an address&#39; is not an email address" in answer.text  # the API's own message
    assert ">not an address</textarea>" in answer.text


def test_a_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing(tandem: bootstrap.Tandem) -> None:
    o = _office(tandem)
    guid = factories.activity(tandem, o.uma, o.meeting, _at(1, 8), _at(1, 9), name="Kept")
    client = signed_in(tandem, o.people.user)
    fields = {"name": "Made", "type": o.meeting.guid, "date": "2027-01-05", "start_time": "09:00"}
    for path, data in (
        ("/week/new", fields),
        (f"/week/{guid}", {**fields, "name": "Changed"}),
        (f"/week/{guid}/delete", {}),
    ):
        refused = client.post(path, data={**data, "csrf_token": "not-the-token"})
        assert refused.status_code == 403, path
        assert "This form has expired" in refused.text
    assert [a.name for a in _live(tandem, "Kept")] == ["Kept"]
    assert _live(tandem, "Made") == []


def test_cal_15_the_owner_is_fixed_text_with_why_while_calendar_sync_is_on(tandem: bootstrap.Tandem) -> None:
    o = _office(tandem)
    guid = factories.activity(tandem, o.uma, o.meeting, _at(1, 8), _at(1, 9), name="Mine")
    client = signed_in(tandem, o.people.user)
    before = client.get(f"/week/{guid}")
    assert '<select id="owner" name="owner"' in before.text  # add-on off: the owner can still change
    with tandem.db.write() as session:
        calendar_setup.set_enabled(session, True)
    shown = client.get(f"/week/{guid}")
    assert '<select id="owner"' not in shown.text
    assert re.search(r'<p id="owner-fixed"\s*><strong>Uma Test</strong></p>', shown.text)
    assert "The owner cannot change once the activity is saved" in shown.text
    assert '<select id="owner"' in client.get("/week/new").text  # before the first save it can be set
    token = csrf_token(client, f"/week/{guid}")
    fields = {"name": "Mine", "type": o.meeting.guid, "date": "2027-01-05", "start_time": "08:00", "end_time": "09:00"}
    refused = client.post(f"/week/{guid}", data=_form(token, **fields, owner=o.ada.guid))
    assert refused.status_code == 400
    assert re.search(r'id="owner-error">The owner of a saved activity cannot be changed', refused.text)
    [kept] = _live(tandem, "Mine")
    assert kept.owner_user_id == o.uma.id


def test_cal_6_my_week_shows_another_users_personal_activity_only_as_busy(tandem: bootstrap.Tandem) -> None:
    o = _office(tandem)
    secret = factories.activity(
        tandem,
        o.ada,
        o.personal,
        _at(2, 8),
        _at(2, 9),
        name="Therapist",
        location="Clinic street 1",
        notes="session 4",
        participants=(ParticipantDraft("User", o.uma.guid),),
    )
    factories.activity(tandem, o.uma, o.personal, _at(2, 12), _at(2, 13), name="My own dentist")
    uma = signed_in(tandem, o.people.user)
    for path in (WEEK, f"/week/{secret}"):
        page = uma.get(path)
        assert page.status_code == 200, path
        for detail in ("Therapist", "Clinic street 1", "session 4", "Ada Test"):
            assert detail not in page.text, (path, detail)
    busy = re.findall(r'<li class="entry busy">(.*?)</li>', uma.get(WEEK).text, re.S)
    assert [" ".join(re.sub(r"<[^>]+>", " ", b).split()) for b in busy] == ["08:00–09:00 Busy"]
    shown = uma.get(f"/week/{secret}").text
    assert re.search(r"<h1>Busy</h1>", shown)
    assert re.search(r'<dd id="when">Wed 06 Jan 2027 08:00–09:00 \(UTC\)</dd>', shown)
    assert "<dt>Type</dt>" not in shown
    week = uma.get(WEEK)
    assert _names_in_order(week.text) == ["Busy", "My own dentist"]  # the user's own Personal one in full
    assert f'href="/week/{secret}"' not in week.text
    refused = uma.post(f"/week/{secret}", data=_form(csrf_token(uma, WEEK), name="Mine now"))
    assert refused.status_code == 403
    ada = signed_in(tandem, o.people.admin)
    assert "Therapist" in ada.get(WEEK).text  # the owner sees it all


def test_an_activity_of_someone_else_is_not_found_for_a_user_not_in_it(tandem: bootstrap.Tandem) -> None:
    o = _office(tandem)
    guid = factories.activity(tandem, o.ada, o.meeting, _at(1, 8), _at(1, 9), name="Board")
    uma = signed_in(tandem, o.people.user)
    assert uma.get(f"/week/{guid}").status_code == 404
    token = csrf_token(uma, WEEK)
    assert uma.post(f"/week/{guid}/delete", data={"csrf_token": token}).status_code == 404
    assert [a.name for a in _live(tandem, "Board")] == ["Board"]


def test_a_series_whose_rule_the_form_cannot_show_keeps_its_rule_when_saved(tandem: bootstrap.Tandem) -> None:
    o = _office(tandem)
    rule = "FREQ=MONTHLY;BYDAY=2TU"  # the second Tuesday: not one of the form's choices
    guid = factories.activity(tandem, o.uma, o.meeting, _at(-14, 8), _at(-14, 9), name="Review", rrule=rule)
    client = signed_in(tandem, o.people.user)
    form = client.get(f"/week/{guid}")
    assert re.search(r'<option value="keep" selected>As it repeats now \(FREQ=MONTHLY;BYDAY=2TU\)</option>', form.text)
    token = csrf_token(client, f"/week/{guid}")
    fields = {"name": "Monthly review", "type": o.meeting.guid, "date": "2026-12-21", "start_time": "08:00"}
    saved = client.post(f"/week/{guid}", data=_form(token, **fields, end_time="09:00", repeat="keep"))
    assert saved.status_code == 303, saved.text
    [kept] = _live(tandem, "Monthly review")
    assert kept.rrule == rule
    assert _names_in_order(client.get(WEEK).text) == []  # the second Tuesday of January 2027 is the 12th
    assert _names_in_order(client.get("/week?start=2027-01-11").text) == ["Monthly review"]


def test_my_week_lists_what_began_before_the_week_and_goes_on_into_it_on_the_monday(tandem: bootstrap.Tandem) -> None:
    o = _office(tandem)
    factories.activity(tandem, o.uma, o.meeting, _at(-1, 22), _at(0, 2), name="Night shift")
    factories.activity(tandem, o.uma, o.meeting, date(2027, 1, 1), date(2027, 1, 6), name="Trip", is_all_day=True)
    factories.activity(tandem, o.uma, o.meeting, _at(-1, 8), _at(-1, 9), name="Last Sunday")
    page = signed_in(tandem, o.people.user).get(WEEK)
    monday = page.text.split('id="day-2027-01-04"')[1].split('id="day-2027-01-05"')[0]
    assert _names_in_order(monday) == ["Trip", "Night shift"]
    assert "Last Sunday" not in page.text


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "2027-02-30", "monday"])
def test_a_week_that_cannot_be_shown_is_this_week_never_an_error(tandem: bootstrap.Tandem, start: str) -> None:
    o = _office(tandem)
    client = signed_in(tandem, o.people.user)
    this_week = client.get("/week").text.split("<main", 1)[1]
    page = client.get(f"/week?start={start}")
    assert page.status_code == 200
    assert page.text.split("<main", 1)[1] == this_week
    assert client.get(f"/week/new?date={start}").status_code == 200


def test_a_participants_answer_stays_when_the_owner_edits_the_activity(tandem: bootstrap.Tandem) -> None:
    o = _office(tandem)
    guid = factories.activity(
        tandem,
        o.uma,
        o.meeting,
        _at(1, 8),
        _at(1, 9),
        name="Sprint review",
        participants=(
            ParticipantDraft("User", o.ada.guid, status="Accepted"),
            ParticipantDraft("Other", email="pat@partner.example", name="Pat Partner", status="Declined"),
        ),
    )
    client = signed_in(tandem, o.people.user)
    form = client.get(f"/week/{guid}")
    assert f'name="user:{o.ada.guid}" checked' in form.text
    assert ">Pat Partner &lt;pat@partner.example&gt;\n</textarea>" in form.text
    token = csrf_token(client, f"/week/{guid}")
    fields = {"type": o.meeting.guid, "date": "2027-01-05", "start_time": "08:00", "end_time": "09:30"}
    saved = client.post(
        f"/week/{guid}",
        data=_form(
            token,
            **fields,
            name="Sprint review and demo",
            external="Pat Partner <pat@partner.example>\n",
            **{f"user:{o.ada.guid}": "on"},
        ),
    )
    assert saved.status_code == 303, saved.text
    [edited] = _live(tandem, "Sprint review and demo")
    assert sorted((p.kind, p.status) for p in edited.participants) == [("Other", "Declined"), ("User", "Accepted")]


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', page)
    assert found is not None, page
    return found.group(1)


def test_cal_1_a_save_over_the_syncs_own_marks_goes_ahead_and_over_someone_elses_change_is_refused(
    tandem: bootstrap.Tandem,
) -> None:
    """The sync writes its mark on an activity it synced (a new version, nothing the form
    shows): an edit opened before it is saved, not "changed meanwhile". A change the form
    does show (a rename made elsewhere) still refuses the older form."""
    o = _office(tandem)
    guid = factories.activity(tandem, o.uma, o.meeting, _at(1, 8), _at(1, 9), name="Planning")
    client = signed_in(tandem, o.people.user)
    opened = client.get(f"/week/{guid}").text
    token = csrf_token(client, f"/week/{guid}")
    psa = HubPsa(tandem.db)
    synced = psa.get_activities([guid])[guid]
    psa.update_activity(replace(synced, extra={**synced.extra, "tandemWrite": "w1"}), synced.version)
    fields = {"type": o.meeting.guid, "date": "2027-01-05", "start_time": "08:00", "end_time": "09:00"}
    form = _form(token, **fields, version=_hidden(opened, "version"), shown=_hidden(opened, "shown"))
    saved = client.post(f"/week/{guid}", data={**form, "name": "Planning, moved"})
    assert saved.status_code == 303, saved.text
    assert [a.guid for a in _live(tandem, "Planning, moved")] == [guid]

    opened = client.get(f"/week/{guid}").text
    current = psa.get_activities([guid])[guid]
    psa.update_activity(replace(current, name="Renamed in the calendar"), current.version)
    form = _form(token, **fields, version=_hidden(opened, "version"), shown=_hidden(opened, "shown"))
    refused = client.post(f"/week/{guid}", data={**form, "name": "Planning, mine"})
    assert refused.status_code == 409
    assert _live(tandem, "Planning, mine") == []
    assert [a.guid for a in _live(tandem, "Renamed in the calendar")] == [guid]


def _day(page: str, day: date) -> str:
    after = page.split(f'id="day-{day.isoformat()}"')[1]
    return after.split('id="day-')[0]


def test_my_week_lists_a_timed_activity_of_several_days_on_each_day_it_covers(tandem: bootstrap.Tandem) -> None:
    o = _office(tandem)
    factories.activity(tandem, o.uma, o.meeting, _at(2, 20), _at(4, 10), name="Conference trip")
    factories.activity(tandem, o.uma, o.meeting, _at(0, 22), _at(1, 0), name="Late call")
    factories.activity(tandem, o.uma, o.meeting, date(2027, 1, 1), date(2027, 1, 6), name="Trip", is_all_day=True)
    page = signed_in(tandem, o.people.user).get(WEEK).text
    wednesday, thursday, friday = (_day(page, MONDAY + timedelta(days=n)) for n in (2, 3, 4))
    assert _names_in_order(wednesday) == ["Conference trip"]
    assert "20:00–Fri 08 Jan 10:00" in wednesday
    assert _names_in_order(thursday) == ["Conference trip"]
    assert "continues all day" in thursday
    assert _names_in_order(friday) == ["Conference trip"]
    assert "continues, until 10:00" in friday
    assert _names_in_order(_day(page, MONDAY)) == ["Trip", "Late call"]  # ends at midnight: not on Tuesday
    tuesday = _day(page, MONDAY + timedelta(days=1))
    assert _names_in_order(tuesday) == ["Trip"]  # the all-day trip's last day (it ends on the 6th, exclusive)
    assert "All day, day 5 of 5" in tuesday
