"""My profile → My calendar sign-in (BEY-1): where the calendars are on a CalDAV server, each
user may save a sign-in of their own (an app password), for their own calendar only. The
sync with it is proven on Radicale in tests/e2e/caldav/test_sign_ins.py."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.hub.models import CaldavSignIn, User
from tandem.hub.services import caldav_sign_ins, calendar_setup
from tests.web.support import add_people, csrf_token, signed_in

APP_PASSWORD = "umas-app-pa55word"


@pytest.fixture
def on_caldav(tandem: bootstrap.Tandem) -> None:
    with tandem.db.write() as session:
        calendar_setup.configure_caldav(
            session,
            tandem.secrets(),
            url="https://dav.example.com/{email}/calendar/",
            discover=False,
            username="{email}",
            password="the-connection's",
        )


def _own(tandem: bootstrap.Tandem, email: str) -> caldav_sign_ins.SignIn | None:
    with tandem.db.read() as session:
        return caldav_sign_ins.load(session, tandem.secrets()).get(email)


def _section(page: str) -> str:
    start = page.index('<section aria-labelledby="caldav-heading">')
    return html.unescape(page[start : page.index("</section>", start)])


def _state(page: str) -> str:
    """What the section says of the user's sign-in, as read on the screen."""
    found = re.search(r'<p id="caldav-sign-in-state">(.*?)</p>', page, re.S)
    assert found is not None, page
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def test_bey_1_a_user_saves_their_own_caldav_sign_in_and_it_is_never_shown_back(
    tandem: bootstrap.Tandem, on_caldav: None
) -> None:
    people = add_people(tandem)
    uma = signed_in(tandem, people.user)
    assert _state(uma.get("/me").text).startswith("Your calendar is reached with the organisation's sign-in.")

    saved = uma.post(
        "/me/caldav-sign-in",
        data={"csrf_token": csrf_token(uma, "/me"), "username": "uma.app", "password": APP_PASSWORD},
    )
    assert (saved.status_code, saved.headers["location"]) == (303, "/me?done=caldav")
    page = uma.get("/me?done=caldav").text
    assert _state(page).startswith("Your calendar is reached with your own sign-in, as uma.app (its password")
    assert APP_PASSWORD not in page
    assert 'id="done">Your calendar sign-in is saved.' in page
    assert _own(tandem, people.user) == caldav_sign_ins.SignIn("uma.app", APP_PASSWORD)

    again = uma.post(  # another user name, no password: the stored one is kept
        "/me/caldav-sign-in", data={"csrf_token": csrf_token(uma, "/me"), "username": "uma.other", "password": ""}
    )
    assert again.status_code == 303
    assert _own(tandem, people.user) == caldav_sign_ins.SignIn("uma.other", APP_PASSWORD)
    with tandem.db.read() as session:
        sealed = session.scalars(sa.select(CaldavSignIn.password_sealed)).one()
    assert APP_PASSWORD.encode() not in sealed

    forgotten = uma.post("/me/caldav-sign-in", data={"csrf_token": csrf_token(uma, "/me"), "forget": "on"})
    assert forgotten.headers["location"] == "/me?done=caldav-forgotten"
    assert _own(tandem, people.user) is None
    assert _state(uma.get("/me").text).startswith("Your calendar is reached with the organisation's sign-in.")


def test_bey_1_a_sign_in_without_a_password_is_refused_beside_the_field_and_saves_nothing(
    tandem: bootstrap.Tandem, on_caldav: None
) -> None:
    people = add_people(tandem)
    uma = signed_in(tandem, people.user)
    refused = uma.post(
        "/me/caldav-sign-in", data={"csrf_token": csrf_token(uma, "/me"), "username": "uma.typed", "password": ""}
    )
    assert refused.status_code == 400
    shown = _section(refused.text)
    assert 'id="caldav-password-error">Give the password (an app password where the server has them).' in shown
    assert 'value="uma.typed"' in shown  # what was typed is given back
    assert _own(tandem, people.user) is None


def test_bey_1_a_sign_in_saved_on_my_profile_is_the_signed_in_users_own(
    tandem: bootstrap.Tandem, on_caldav: None
) -> None:
    """The route acts on whoever the session says, never on a user named in the form."""
    people = add_people(tandem)
    admin = signed_in(tandem, people.admin)
    with tandem.db.read() as session:
        uma_guid = session.scalars(sa.select(User.guid).where(User.email_key == people.user)).one()
    sent = {"csrf_token": csrf_token(admin, "/me"), "username": "x", "password": "y", "user": uma_guid}
    assert admin.post("/me/caldav-sign-in", data=sent).status_code == 303
    assert _own(tandem, people.user) is None
    assert _own(tandem, people.admin) == caldav_sign_ins.SignIn("x", "y")


def test_bey_1_my_profile_offers_no_calendar_sign_in_where_the_calendars_are_on_google(
    tandem: bootstrap.Tandem,
) -> None:
    people = add_people(tandem)
    page = signed_in(tandem, people.user).get("/me").text
    assert 'id="caldav-heading"' not in page
    assert 'id="calendar-sync-state"' in page  # the rest of the profile is there
