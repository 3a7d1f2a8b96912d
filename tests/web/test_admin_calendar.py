"""Admin → Calendar (CAL-2, CAL-5, CAL-6) through the pages, on both databases: a key file
saved only when it opens, each refusal with its own message beside its field and the typed
email kept; the key and its password never on any page; the synced types; the CAL-6
warning; a user refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tandem import bootstrap
from tandem.connectors.google.errors import CALENDAR_SCOPE
from tandem.emulators.google.accounts import ServiceAccount, create_service_account
from tandem.hub.models import ActivityType, CalendarConnection
from tandem.hub.services import counters
from tests.support.factories import activity_type
from tests.support.radicale import RadicaleServer
from tests.web.support import add_people, csrf_token, signed_in

P12_PASSWORD = "p12-secret-words"


@cache
def _account() -> ServiceAccount:
    """One service account for the module (an RSA key takes a while to make)."""
    return create_service_account("tandem-sync", "tandem-web", "123456789", datetime.now(UTC))


def _keys(directory: Path) -> tuple[bytes, bytes]:
    """The account's (P12, JSON) key files."""
    p12, json_key = _account().write_key_files(
        directory, token_uri="http://127.0.0.1:9/token", base_url="http://127.0.0.1:9", password=P12_PASSWORD
    )
    return p12.read_bytes(), json_key.read_bytes()


def _upload(client: TestClient, content: bytes, name: str, email: str, password: str = "") -> tuple[int, str]:
    token = csrf_token(client, "/admin/calendar")
    answer = client.post(
        "/admin/calendar/key",
        data={"csrf_token": token, "service_account_email": email, "password": password},
        files={"key_file": (name, content, "application/octet-stream")},
    )
    return answer.status_code, answer.text


def _error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert found is not None, page
    return found.group(1)


def _typed_email(page: str) -> str:
    found = re.search(r'id="service_account_email"[^>]*value="([^"]*)"', page)
    assert found is not None
    return found.group(1)


def _stored(tandem: bootstrap.Tandem) -> bool:
    with tandem.db.read() as session:
        return session.get(CalendarConnection, 1) is not None


def test_cal_2_a_file_that_is_no_key_is_refused_beside_the_file_field_keeping_the_email(
    tandem: bootstrap.Tandem,
) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    status, page = _upload(admin, b"\x89PNG\r\n\x1a\n" + b"\x00" * 300, "photo.png", "sa@x.iam.gserviceaccount.com")
    assert status == 400
    assert "not a PKCS#12" in _error(page, "key_file")
    assert _typed_email(page) == "sa@x.iam.gserviceaccount.com"
    assert 'id="password-error"' not in page
    assert not _stored(tandem)


def test_cal_2_a_p12_with_a_wrong_password_is_refused_beside_the_password_field(
    tandem: bootstrap.Tandem, tmp_path: Path
) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    p12, _ = _keys(tmp_path)
    status, page = _upload(admin, p12, "key.p12", _account().email, "guess-1234")
    assert status == 400
    assert "password is wrong" in _error(page, "password")
    assert 'id="key_file-error"' not in page
    assert _typed_email(page) == _account().email
    assert "guess-1234" not in page  # the password is never typed back
    assert not _stored(tandem)


def test_cal_2_a_file_over_64_kib_has_its_own_message(tandem: bootstrap.Tandem) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    status, page = _upload(admin, b"{" + b" " * (65 * 1024) + b"}", "key.json", "sa@x.iam.gserviceaccount.com")
    assert status == 400
    assert "larger than 64 KiB" in _error(page, "key_file")
    assert _typed_email(page) == "sa@x.iam.gserviceaccount.com"
    assert not _stored(tandem)


def test_cal_2_a_multi_megabyte_upload_is_refused_unread_with_the_same_message(tandem: bootstrap.Tandem) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    token = csrf_token(admin, "/admin/calendar")
    answer = admin.post(
        "/admin/calendar/key",
        data={"csrf_token": token, "service_account_email": "sa@x.iam.gserviceaccount.com"},
        files={"key_file": ("big.p12", b"\x30" * (5 * 1024 * 1024), "application/x-pkcs12")},
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/admin/calendar?refused=too-large")
    page = admin.get(answer.headers["location"])
    assert "larger than 64 KiB" in _error(page.text, "key_file")
    assert not _stored(tandem)


def test_cal_2_a_good_json_key_is_stored_and_shown_only_as_stored_with_its_client_id(
    tandem: bootstrap.Tandem, tmp_path: Path
) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    p12, json_key = _keys(tmp_path)
    before = admin.get("/admin/calendar").text
    assert "No key is stored." in before
    status, page = _upload(admin, json_key, "key.json", _account().email)
    assert status == 303, page
    page = admin.get("/admin/calendar?done=key").text
    assert "A key is stored (JSON key)" in page
    assert f'<code id="client-id">{_account().client_id}</code>' in page
    assert f'<code id="scopes">{CALENDAR_SCOPE}</code>' in page
    assert _account().email in page
    secret_lines = [line for line in _account().private_key_pem.splitlines() if "-----" not in line]
    assert secret_lines
    assert not any(line in page for line in secret_lines)
    assert "PRIVATE KEY" not in page
    # a P12 with its password replaces it; the password appears on no page afterwards
    status, _ = _upload(admin, p12, "key.p12", _account().email, P12_PASSWORD)
    assert status == 303
    for path in ("/admin/calendar", "/admin", "/me"):
        shown = admin.get(path).text
        assert P12_PASSWORD not in shown
        assert not any(line in shown for line in secret_lines)
    assert "A key is stored (P12 file)" in admin.get("/admin/calendar").text


def test_cal_5_the_ticked_types_go_to_the_calendar(tandem: bootstrap.Tandem) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    for name, category in (("Meeting", "CalendarEntry"), ("Holiday", "Absences"), ("Private", "Personal")):
        activity_type(tandem, name, category)
    token = csrf_token(admin, "/admin/calendar")
    answer = admin.post(
        "/admin/calendar/types", data={"csrf_token": token, "synced:Meeting": "on", "synced:Private": "on"}
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/admin/calendar?done=types")
    with tandem.db.read() as session:
        synced = set(session.scalars(sa.select(ActivityType.name).where(ActivityType.calendar_sync.is_(True))))
    assert synced == {"Meeting", "Private"}
    page = admin.get("/admin/calendar?done=types").text
    assert "Saved the activity types that go to the calendar." in page
    assert re.search(r'name="synced:Meeting" checked', page)
    assert re.search(r'name="synced:Holiday" >', page)


def test_cal_6_the_page_warns_when_no_personal_type_exists(tandem: bootstrap.Tandem) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    activity_type(tandem, "Meeting", "CalendarEntry", is_default=True)
    warning = "no activity type of category Personal"
    assert warning in admin.get("/admin/calendar").text
    activity_type(tandem, "Private", "Personal")
    assert warning not in admin.get("/admin/calendar").text


def test_cal_2_the_enable_and_disable_buttons_switch_the_organisation(tandem: bootstrap.Tandem) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    token = csrf_token(admin, "/admin/calendar")
    assert "Off for the organisation" in admin.get("/admin/calendar").text
    answer = admin.post("/admin/calendar/enabled", data={"csrf_token": token, "enabled": "on"})
    assert (answer.status_code, answer.headers["location"]) == (303, "/admin/calendar?done=on")
    assert "On for the organisation" in admin.get("/admin/calendar").text
    admin.post("/admin/calendar/enabled", data={"csrf_token": token, "enabled": "off"})
    with tandem.db.read() as session:
        assert counters.settings(session).calendar_addon_enabled is False


def test_cal_2_test_without_a_stored_key_says_to_upload_one(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    admin = signed_in(tandem, people.admin)
    token = csrf_token(admin, "/admin/calendar")
    answer = admin.post("/admin/calendar/test", data={"csrf_token": token, "user": people.user})
    assert answer.status_code == 400
    assert "No key is stored yet" in _error(answer.text, "user")


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/admin/calendar/enabled", {"enabled": "on"}),
        ("/admin/calendar/types", {"synced:Meeting": "on"}),
        ("/admin/calendar/test", {"user": "uma.user@example.com"}),
    ],
)
def test_a_user_gets_403_and_nothing_changes(tandem: bootstrap.Tandem, path: str, form: dict[str, str]) -> None:
    people = add_people(tandem)
    activity_type(tandem, "Meeting", "CalendarEntry")
    user = signed_in(tandem, people.user)
    assert user.get("/admin/calendar").status_code == 403
    token = csrf_token(user, "/me")
    answer = user.post(path, data={"csrf_token": token, **form})
    assert answer.status_code == 403
    assert "This page is for admins." in answer.text
    with tandem.db.read() as session:
        assert counters.settings(session).calendar_addon_enabled is False
        assert not any(session.scalars(sa.select(ActivityType.calendar_sync)))


def test_a_user_cannot_upload_a_key(tandem: bootstrap.Tandem, tmp_path: Path) -> None:
    people = add_people(tandem)
    user = signed_in(tandem, people.user)
    _, json_key = _keys(tmp_path)
    token = csrf_token(user, "/me")
    answer = user.post(
        "/admin/calendar/key",
        data={"csrf_token": token, "service_account_email": _account().email},
        files={"key_file": ("key.json", json_key, "application/json")},
    )
    assert answer.status_code == 403
    assert not _stored(tandem)


def test_cal_2_a_p12_without_its_password_is_asked_for_it_beside_the_password_field(
    tandem: bootstrap.Tandem, tmp_path: Path
) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    p12, _ = _keys(tmp_path)
    status, page = _upload(admin, p12, "key.p12", _account().email)
    assert status == 400
    assert "The P12 file needs its password" in _error(page, "password")
    assert not _stored(tandem)


def test_cal_2_a_failing_test_names_the_failed_check_and_skips_the_rest(
    tandem: bootstrap.Tandem, tmp_path: Path
) -> None:
    """The stored key points at a token endpoint nobody answers: the key check passes, the
    token check fails with its words, the calendar check is skipped."""
    people = add_people(tandem)
    admin = signed_in(tandem, people.admin)
    _, json_key = _keys(tmp_path)
    assert _upload(admin, json_key, "key.json", _account().email)[0] == 303
    token = csrf_token(admin, "/admin/calendar")
    answer = admin.post("/admin/calendar/test", data={"csrf_token": token, "user": people.user})
    assert answer.status_code == 200
    rows = re.findall(r'<tr class="check-(\w+)"><th scope="row">(\w+)</th><td>(\w+)</td><td>([^<]*)</td>', answer.text)
    assert [(name, result) for _, name, result, _ in rows] == [
        ("key", "Passed"),
        ("token", "Failed"),
        ("calendar", "Skipped"),
    ]
    assert rows[1][3].strip()  # what went wrong, in words
    assert f'<option value="{people.user}" selected>' in answer.text


def test_the_page_runs_no_inline_script_and_its_copy_script_is_a_static_file(tandem: bootstrap.Tandem) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    page = admin.get("/admin/calendar")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert scripts == [' src="/static/copy.js" defer']  # no inline script anywhere
    copy = admin.get("/static/copy.js")
    assert copy.status_code == 200
    assert "clipboard" in copy.text
    assert "hidden>Copy</button>" in page.text  # without JavaScript no dead button: the values are plain text


def test_cal_2_the_client_id_typed_beside_a_p12_key_is_shown_and_a_bad_one_refused_beside_it(
    tandem: bootstrap.Tandem, tmp_path: Path
) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    p12, _ = _keys(tmp_path)
    token = csrf_token(admin, "/admin/calendar")
    form = {"csrf_token": token, "service_account_email": _account().email, "password": P12_PASSWORD}
    files = {"key_file": ("key.p12", p12, "application/x-pkcs12")}
    refused = admin.post("/admin/calendar/key", data={**form, "client_id": "my-client"}, files=files)
    assert refused.status_code == 400
    assert "a number" in _error(refused.text, "client_id")
    assert 'value="my-client"' in refused.text
    assert not _stored(tandem)
    saved = admin.post("/admin/calendar/key", data={**form, "client_id": "109876543210987654321"}, files=files)
    assert saved.status_code == 303
    assert '<code id="client-id">109876543210987654321</code>' in admin.get("/admin/calendar").text


def test_bey_1_a_caldav_connection_is_shown_without_its_password_and_the_test_asks_that_server(
    tandem: bootstrap.Tandem, tmp_path: Path
) -> None:
    """Saved with `tandem calendar configure-caldav`: the page says where the calendars are and
    as whom Tandem signs in (never the password), and its Test asks the CalDAV server, not
    Google (which had said "No key is stored yet")."""
    import html

    from tandem.hub.services import calendar_setup

    people = add_people(tandem)
    with _radicale(tmp_path, people.user) as (radicale, template):
        with tandem.db.write() as session:
            calendar_setup.configure_caldav(
                session, tandem.secrets(), url=template, discover=False, username="{email}", password=RADICALE_SECRET
            )
        admin = signed_in(tandem, people.admin)
        page = admin.get("/admin/calendar").text
        token = csrf_token(admin, "/admin/calendar")
        answer = admin.post("/admin/calendar/test", data={"csrf_token": token, "user": people.user})
    caldav = re.search(r'<dd id="caldav-url"><code>(.*?)</code></dd>', page)
    assert caldav is not None, page
    assert html.unescape(caldav.group(1)) == template
    assert "the password is stored, never shown" in page
    assert RADICALE_SECRET not in page
    assert 'id="key-state">No key is stored.' in page  # the Google part says what is true of Google
    google = re.search(r'<details id="use-google">(.*?)</details>', page, re.S)
    assert google is not None  # folded away while CalDAV is in use, one click from switching
    assert 'action="/admin/calendar/key"' in google.group(1)
    assert "the server answers at the user's calendar URL" in html.unescape(page)  # the Test says what it checks
    assert answer.status_code == 200, answer.text
    assert f"calendar found at {radicale.url}/{people.user}/calendar/" in html.unescape(answer.text)
    assert RADICALE_SECRET not in answer.text


RADICALE_SECRET = "Radicale-pa55-of-uma"


@contextmanager
def _radicale(tmp_path: Path, user: str) -> Iterator[tuple[RadicaleServer, str]]:
    """A Radicale where `user` (password RADICALE_SECRET) has a calendar: (it, the URL template)."""
    folder = tmp_path / "radicale"
    folder.mkdir()
    with RadicaleServer(folder, users={user: RADICALE_SECRET}) as radicale:
        made = httpx.request("MKCALENDAR", f"{radicale.url}/{user}/calendar/", auth=(user, RADICALE_SECRET))
        assert made.status_code == 201
        yield radicale, f"{radicale.url}/{{email}}/calendar/"


def _caldav_form(client: TestClient, **values: str) -> tuple[int, str]:
    token = csrf_token(client, "/admin/calendar")
    answer = client.post("/admin/calendar/caldav", data={"csrf_token": token, **values})
    return answer.status_code, answer.text


def test_bey_1_an_admin_chooses_a_caldav_server_on_the_page_and_its_test_finds_the_calendar(
    tandem: bootstrap.Tandem, tmp_path: Path
) -> None:
    """The CalDAV form replaces the Google connection in use; the password is sealed, never
    shown, and kept when the form is saved again without one."""
    import html

    from tandem.hub.services import calendar_setup

    people = add_people(tandem)
    admin = signed_in(tandem, people.admin)
    _, json_key = _keys(tmp_path)
    assert _upload(admin, json_key, "key.json", _account().email)[0] == 303
    with _radicale(tmp_path, people.user) as (radicale, template):
        before = admin.get("/admin/calendar").text
        status, _ = _caldav_form(admin, url=template, username="{email}", password=RADICALE_SECRET)
        assert status == 303
        page = admin.get("/admin/calendar?done=caldav").text
        assert _caldav_form(admin, url=template, username="{email}", scheduling="on")[0] == 303  # no password
        token = csrf_token(admin, "/admin/calendar")
        answer = admin.post("/admin/calendar/test", data={"csrf_token": token, "user": people.user})
    assert re.search(r'<details id="use-caldav"\s*>', before) is not None  # offered, folded, beside Google
    assert "Saved the CalDAV server" in page
    shown = re.search(r'<dd id="caldav-url"><code>(.*?)</code></dd>', page)
    assert shown is not None
    assert html.unescape(shown.group(1)) == template
    assert 'id="key-state">No key is stored.' in page  # the Google key went with the switch
    assert RADICALE_SECRET not in page
    assert RADICALE_SECRET not in answer.text
    assert answer.status_code == 200, answer.text
    assert f"calendar found at {radicale.url}/{people.user}/calendar/" in html.unescape(answer.text)
    with tandem.db.read() as session:
        saved = calendar_setup.load_caldav(session, tandem.secrets())
        sealed = session.get(CalendarConnection, 1)
    assert saved is not None
    assert (saved.url, saved.username, saved.password, saved.scheduling) == (template, "{email}", RADICALE_SECRET, True)
    assert sealed is not None
    assert sealed.password_sealed is not None
    assert RADICALE_SECRET.encode() not in sealed.password_sealed


def test_bey_1_a_refused_caldav_form_says_why_beside_the_url_and_keeps_what_was_typed(
    tandem: bootstrap.Tandem, tmp_path: Path
) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    _, json_key = _keys(tmp_path)
    assert _upload(admin, json_key, "key.json", _account().email)[0] == 303
    status, page = _caldav_form(admin, url="https://dav.example.com/calendars/", username="tandem-bot")
    assert status == 400
    assert "{email}" in _error(page, "caldav_url")
    assert 'value="https://dav.example.com/calendars/"' in page
    assert 'value="tandem-bot"' in page
    assert re.search(r'<details id="use-caldav" open>', page) is not None  # the refused form stays open
    with tandem.db.read() as session:
        row = session.get(CalendarConnection, 1)
    assert row is not None
    assert (row.provider, row.caldav_url) == ("google", None)
