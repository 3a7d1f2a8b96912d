"""My profile (CAL-7): a user switches their own calendar sync; the admin's list shows it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from tandem import bootstrap
from tandem.domain.syncstate import QuarantinedItem, QuarantineSide, RunRecord
from tandem.hub.models import User
from tandem.hub.services.drafts import ParticipantDraft
from tests.support import factories
from tests.web.support import add_people, csrf_token, signed_in


def _sync_of(tandem: bootstrap.Tandem, email: str) -> bool:
    with tandem.db.read() as session:
        return bool(session.scalar(sa.select(User.calendar_sync_enabled).where(User.email_key == email)))


def test_cal_7_a_user_switches_their_own_sync_on_and_off(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    started: list[str] = []
    tandem.hub.on_user_active.append(started.append)
    client = signed_in(tandem, people.user)
    started.clear()
    page = client.get("/me")
    assert '<dd id="calendar-sync-state">Off</dd>' in page.text
    assert "Switch calendar sync on" in page.text
    token = csrf_token(client, "/me")
    switched = client.post("/me/calendar-sync", data={"csrf_token": token, "sync": "on"})
    assert (switched.status_code, switched.headers["location"]) == (303, "/me")
    assert _sync_of(tandem, people.user) is True
    assert started == [people.user_guid]  # on again: their sync starts now, not at the next cycle
    page = client.get("/me")
    assert '<dd id="calendar-sync-state">On</dd>' in page.text
    assert "Switch calendar sync off" in page.text
    client.post("/me/calendar-sync", data={"csrf_token": token, "sync": "off"})
    assert _sync_of(tandem, people.user) is False
    assert _sync_of(tandem, people.admin) is False  # only their own


def test_cal_7_a_bad_switch_value_is_refused_beside_the_button(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    client = signed_in(tandem, people.user)
    token = csrf_token(client, "/me")
    answer = client.post("/me/calendar-sync", data={"csrf_token": token, "sync": "maybe"})
    assert answer.status_code == 400
    assert "Choose on or off." in answer.text
    assert 'id="sync-error"' in answer.text
    assert _sync_of(tandem, people.user) is False


def test_the_admin_page_lists_every_user_with_their_sync(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    user = signed_in(tandem, people.user)
    user.post("/me/calendar-sync", data={"csrf_token": csrf_token(user, "/me"), "sync": "on"})
    admin = signed_in(tandem, people.admin)
    page = admin.get("/admin")
    assert page.status_code == 200
    rows = page.text.split("<tr>")[2:]
    by_name = {row.split("</th>")[0].rsplit(">", 1)[1]: row for row in rows}
    assert set(by_name) == {"Ada Test", "Uma Test", "Ina Test"}
    assert "<td>On</td>" in by_name["Uma Test"]
    assert "<td>Off</td>" in by_name["Ada Test"]
    assert "<td>No</td>" in by_name["Ina Test"]  # inactive


def test_my_profile_shows_my_last_sync_and_my_items_that_failed_and_why(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    client = signed_in(tandem, people.user)
    before = client.get("/me")
    assert '<dd id="last-sync">Not yet</dd>' in before.text
    assert 'id="nothing-failed"' in before.text
    kind = factories.activity_type(tandem, "Meeting", "CalendarEntry")
    with tandem.db.read() as session:
        uma = session.scalars(sa.select(User).where(User.email_key == people.user)).one()
    guid = factories.activity(
        tandem, uma, kind, datetime(2027, 1, 5, 9, tzinfo=UTC), datetime(2027, 1, 5, 10, tzinfo=UTC)
    )
    store = tandem.sync_store()
    ran = datetime(2026, 12, 4, 10, 15, tzinfo=UTC)
    went = datetime(2026, 12, 4, 9, 45, tzinfo=UTC)
    store.record_run(RunRecord(uma.guid, people.user, went, went))
    store.record_run(RunRecord(uma.guid, people.user, ran, ran, error="calendar: the account was suspended"))
    store.quarantine(
        QuarantinedItem(
            uma.guid, people.user, guid, None, QuarantineSide.CALENDAR, "Google refused the write: 400", ran, attempts=3
        )
    )
    page = client.get("/me")
    assert '<dd id="last-sync">Fri 04 Dec 2026 10:15 (UTC)</dd>' in page.text
    assert '<dd id="last-success">Fri 04 Dec 2026 09:45 (UTC)</dd>' in page.text  # the latest one failed
    assert '<dd id="last-failure" class="error">calendar: the account was suspended</dd>' in page.text
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>", page.text)
    assert rows == [("Meeting", "Google refused the write: 400", "3")]
    assert "Google refused" not in signed_in(tandem, people.admin).get("/me").text  # only the user's own


def test_cal_6_my_profile_names_another_users_personal_activity_that_failed_only_as_busy(
    tandem: bootstrap.Tandem,
) -> None:
    people = add_people(tandem)
    personal = factories.activity_type(tandem, "Personal", "Personal")
    with tandem.db.read() as session:
        users = {u.email: u for u in session.scalars(sa.select(User)).unique()}
    guid = factories.activity(
        tandem,
        users[people.admin],
        personal,
        datetime(2027, 1, 5, 9, tzinfo=UTC),
        datetime(2027, 1, 5, 10, tzinfo=UTC),
        name="Therapist",
        participants=(ParticipantDraft("User", people.user_guid),),
    )
    now = datetime(2026, 12, 4, 10, tzinfo=UTC)
    item = QuarantinedItem(people.user_guid, people.user, guid, None, QuarantineSide.CALENDAR, "refused", now)
    tandem.sync_store().quarantine(item)
    page = signed_in(tandem, people.user).get("/me")
    assert re.findall(r"<tr><td>(.*?)</td><td>refused</td>", page.text) == ["Busy"]
    assert "Therapist" not in page.text
