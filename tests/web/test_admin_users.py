"""Admin → Users (BEY-4, CAL-7, CAL-8): every user's sync as `tandem sync status` reads it,
turning a user's sync off, running it now, and adding a user (as `tandem users add`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tandem import bootstrap
from tandem.domain.syncstate import QuarantinedItem, QuarantineSide, RunCounts, RunRecord
from tandem.hub.models import User
from tandem.hub.services import organisation, passwords
from tandem.store.schedule import SqlSchedule, UserSchedule
from tests.web.support import add_people, browser, csrf_token, password_hash, sign_in, signed_in, switch_sync_on

NOW = datetime.now(UTC).replace(microsecond=0)


def _row(page: str, name: str) -> str:
    """The table row of the user called `name` on the Users page."""
    rows = re.findall(r'<tr id="user-[^"]+">(.*?)</tr>', page, re.S)
    (row,) = [r for r in rows if f'<th scope="row">{name}</th>' in r]
    return row


def _user(tandem: bootstrap.Tandem, email: str) -> User | None:
    with tandem.db.read() as session:
        return session.scalars(sa.select(User).where(User.email_key == email)).unique().one_or_none()


def test_bey_4_the_admin_sees_each_users_last_sync_next_run_and_errors(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    guid = switch_sync_on(tandem, people.user)
    store = tandem.sync_store()
    calendar = people.user.lower()
    store.record_run(RunRecord(guid, calendar, NOW - timedelta(hours=2), NOW - timedelta(hours=2), RunCounts(linked=3)))
    store.record_run(RunRecord(guid, calendar, NOW - timedelta(minutes=5), NOW - timedelta(minutes=5), error="boom"))
    store.quarantine(QuarantinedItem(guid, calendar, "a-1", None, QuarantineSide.PSA, "no calendar type", NOW))
    store.quarantine(QuarantinedItem(guid, calendar, "a-2", "ev-2", QuarantineSide.CALENDAR, "refused", NOW))
    SqlSchedule(tandem.db).save(
        UserSchedule(guid, NOW + timedelta(seconds=30), failures=2, paused_reason="quotaExceeded: wait for Google")
    )
    page = signed_in(tandem, people.admin).get("/admin/users")
    assert page.status_code == 200
    uma = _row(page.text, "Uma Test")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", uma, re.S)
    assert cells[2] == "On"
    assert cells[3] == (NOW - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S UTC")  # the last run that went through
    assert cells[4] == "Paused"
    assert "Paused: quotaExceeded: wait for Google" in cells[5]
    assert "2 failed runs in a row" in cells[5]
    assert cells[6] == "2"  # items set aside
    assert "Run now" in uma
    assert "Turn sync off" in uma
    ada = _row(page.text, "Ada Test")
    assert re.findall(r"<td[^>]*>(.*?)</td>", ada, re.S)[2:5] == ["Off", "-", "-"]
    assert "Run now" not in ada


def test_bey_4_a_failed_run_is_shown_as_the_last_failure(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    guid = switch_sync_on(tandem, people.user)
    tandem.sync_store().record_run(
        RunRecord(guid, people.user, NOW, NOW, error="the calendar connection cannot be used: no key")
    )
    uma = _row(signed_in(tandem, people.admin).get("/admin/users").text, "Uma Test")
    assert "Last failure: the calendar connection cannot be used: no key" in uma
    assert re.findall(r"<td[^>]*>(.*?)</td>", uma, re.S)[3] == "-"  # never went through


def test_cal_7_the_admin_turns_a_users_sync_off(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    guid = switch_sync_on(tandem, people.user)
    admin = signed_in(tandem, people.admin)
    token = csrf_token(admin, "/admin/users")
    answer = admin.post("/admin/users/sync-off", data={"csrf_token": token, "user": guid})
    assert answer.status_code == 303
    user = _user(tandem, people.user)
    assert user is not None
    assert user.calendar_sync_enabled is False
    page = admin.get(answer.headers["location"])
    assert "Calendar sync is off for Uma Test" in page.text
    assert re.findall(r"<td[^>]*>(.*?)</td>", _row(page.text, "Uma Test"), re.S)[2] == "Off"


def test_cal_8_run_now_starts_the_users_sync_as_signing_in_does(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    guid = switch_sync_on(tandem, people.user)
    later = NOW + timedelta(minutes=10)
    SqlSchedule(tandem.db).save(UserSchedule(guid, later, failures=3, backoff_until=later))
    started: list[str] = []
    admin = signed_in(tandem, people.admin)
    tandem.hub.on_user_active.append(started.append)
    token = csrf_token(admin, "/admin/users")
    answer = admin.post("/admin/users/run", data={"csrf_token": token, "user": guid})
    assert answer.status_code == 303
    assert started == [guid]
    assert SqlSchedule(tandem.db).due(datetime.now(UTC)) == [guid]  # due now, the back-off forgotten
    assert "Uma Test&#39;s calendar sync starts now." in admin.get(answer.headers["location"]).text


def test_run_now_is_refused_for_a_user_whose_sync_is_off(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    started: list[str] = []
    admin = signed_in(tandem, people.admin)
    tandem.hub.on_user_active.append(started.append)
    token = csrf_token(admin, "/admin/users")
    answer = admin.post("/admin/users/run", data={"csrf_token": token, "user": people.user_guid})
    assert answer.status_code == 400
    assert "Uma Test&#39;s calendar sync is off, so it cannot run" in answer.text
    assert started == []
    unknown = admin.post("/admin/users/sync-off", data={"csrf_token": token, "user": "no-such-guid"})
    assert unknown.status_code == 400
    assert "There is no such user any more" in unknown.text


def test_the_admin_adds_a_user_with_a_password(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    admin = signed_in(tandem, people.admin)
    form = {
        "csrf_token": csrf_token(admin, "/admin/users"),
        "email": "nora.new@example.com",
        "first_name": "Nora",
        "last_name": "New",
        "role": "admin",
        "password": "a long enough password",
    }
    answer = admin.post("/admin/users/add", data=form)
    assert answer.status_code == 303, answer.text
    added = _user(tandem, "nora.new@example.com")
    assert added is not None
    assert (added.full_name, added.role, added.calendar_sync_enabled) == ("Nora New", "admin", False)
    assert passwords.is_password(added, "a long enough password")
    page = admin.get(answer.headers["location"])
    assert "Added Nora New." in page.text
    assert "a long enough password" not in page.text
    assert sign_in(browser(tandem), "nora.new@example.com", "a long enough password").status_code == 303


def test_a_user_the_admin_adds_gets_the_organisations_time_zone(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    with tandem.db.write() as session:
        organisation.set_time_zone(session, "Europe/Helsinki")
    admin = signed_in(tandem, people.admin)
    form = {"csrf_token": csrf_token(admin, "/admin/users"), "email": "h@example.com", "role": "user"}
    answer = admin.post("/admin/users/add", data=form | {"first_name": "Hilla", "last_name": "Helsinki"})
    assert answer.status_code == 303, answer.text
    added = _user(tandem, "h@example.com")
    assert added is not None
    assert added.time_zone == "Europe/Helsinki"


def test_adding_a_user_with_bad_input_keeps_what_was_typed_and_says_why_beside_each_field(
    tandem: bootstrap.Tandem,
) -> None:
    people = add_people(tandem)
    admin = signed_in(tandem, people.admin)
    token = csrf_token(admin, "/admin/users")
    form = {"csrf_token": token, "email": "", "first_name": "Nils", "last_name": "", "role": "user", "password": "tiny"}
    answer = admin.post("/admin/users/add", data=form)
    assert answer.status_code == 400
    assert 'id="password-error">A password needs at least 8 characters' in answer.text  # every problem at once
    assert '<p class="error" id="email-error">Enter the user&#39;s email address.</p>' in answer.text
    assert '<p class="error" id="last_name-error">Enter the last name.</p>' in answer.text
    assert re.search(r'id="first_name"[^>]*value="Nils"', answer.text)
    assert re.search(r'id="email"[^>]*aria-invalid="true" aria-describedby="email-error"', answer.text)

    short = {**form, "email": "nils@example.com", "last_name": "Short", "role": "admin", "password": "short"}
    answer = admin.post("/admin/users/add", data=short)
    assert answer.status_code == 400
    assert re.search(r'id="password-error">A password needs at least 8 characters', answer.text)
    assert re.search(r'id="email"[^>]*value="nils@example.com"', answer.text)
    assert '<option value="admin" selected>' in answer.text
    assert 'value="short"' not in answer.text  # a password is never shown again

    taken = {**form, "email": people.user.upper(), "last_name": "Twice", "password": ""}
    answer = admin.post("/admin/users/add", data=taken)
    assert answer.status_code == 400
    assert re.search(r'<p class="error" id="email-error">[^<]+</p>', answer.text)
    assert re.search(r'id="last_name"[^>]*value="Twice"', answer.text)

    bad_role = {**form, "email": "rolf@example.com", "last_name": "Role", "role": "owner"}
    answer = admin.post("/admin/users/add", data=bad_role)
    assert answer.status_code == 400
    assert 'id="role-error">Choose user or admin.</p>' in answer.text
    with tandem.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 3  # nothing was added


def test_the_users_forms_refuse_a_post_without_the_csrf_token(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    guid = switch_sync_on(tandem, people.user)
    admin = signed_in(tandem, people.admin)
    started: list[str] = []
    tandem.hub.on_user_active.append(started.append)
    for path, form in (
        ("/admin/users/sync-off", {"user": guid}),
        ("/admin/users/run", {"user": guid}),
        ("/admin/users/add", {"email": "x@example.com", "first_name": "X", "last_name": "Y", "role": "user"}),
    ):
        answer = admin.post(path, data=form)
        assert answer.status_code == 403, path
        assert "This form has expired" in answer.text
    user = _user(tandem, people.user)
    assert user is not None
    assert user.calendar_sync_enabled is True
    assert _user(tandem, "x@example.com") is None
    assert started == []


def test_no_password_hash_is_ever_on_the_users_page(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    page = signed_in(tandem, people.admin).get("/admin/users").text
    assert password_hash() not in page
    assert "$argon2" not in page
