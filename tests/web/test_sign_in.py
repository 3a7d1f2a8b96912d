"""Signing in and out: passwords, the same answer for a wrong email and a wrong password,
lock-out, inactive users, CSRF, and the password hash never leaving the server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tandem import bootstrap
from tandem.hub.models import User
from tandem.hub.services import passwords
from tandem.web.lockout import Rules, SignInGuard
from tandem.web.pages import INACTIVE, WRONG
from tests.support.hub import authorised
from tests.web.support import CSRF, PASSWORD, add_people, browser, csrf_token, password_hash, sign_in, signed_in


def _user(tandem: bootstrap.Tandem, email: str) -> User:
    with tandem.db.read() as session:
        found: User = session.scalars(sa.select(User).where(User.email_key == email)).one()
        return found


def test_signing_in_with_the_right_password_opens_my_profile(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    client = browser(tandem)
    answer = sign_in(client, "  UMA.user@example.com ", next_path="/me")  # as typed: spaces and capitals
    assert (answer.status_code, answer.headers["location"]) == (303, "/me")
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on the loopback; over https the cookie is Secure
    profile = client.get("/me")
    assert profile.status_code == 200
    assert "Uma Test" in profile.text
    assert "uma.user@example.com" in profile.text
    assert _user(tandem, people.user).last_login is not None


def test_the_session_cookie_is_secure_over_https(tandem: bootstrap.Tandem) -> None:
    add_people(tandem)
    client = TestClient(tandem.app(), base_url="https://127.0.0.1", follow_redirects=False)
    answer = sign_in(client, "uma.user@example.com")
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"]


def test_cal_8_signing_in_starts_the_users_sync(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    started: list[str] = []
    tandem.hub.on_user_active.append(started.append)
    signed_in(tandem, people.user)
    assert started == [people.user_guid]


def test_a_wrong_password_and_an_unknown_email_get_the_same_message(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    client = browser(tandem)
    wrong_password = sign_in(client, people.user, "not the password")
    unknown_email = sign_in(client, "nobody@example.com", PASSWORD)
    for answer, email in ((wrong_password, people.user), (unknown_email, "nobody@example.com")):
        assert answer.status_code == 400
        assert WRONG in answer.text
        assert f'value="{email}"' in answer.text  # what was typed stays, but never the password
        assert "not the password" not in answer.text
        assert PASSWORD not in answer.text
        assert 'aria-describedby="password-error"' in answer.text  # the message sits beside the field
    assert client.get("/me").status_code == 303


def test_an_empty_form_names_each_missing_field(tandem: bootstrap.Tandem) -> None:
    client = browser(tandem)
    token = csrf_token(client)
    answer = client.post("/sign-in", data={"csrf_token": token, "email": "typed@example.com", "password": ""})
    assert answer.status_code == 400
    assert "Enter your password." in answer.text
    assert 'value="typed@example.com"' in answer.text
    assert "Enter your email address." not in answer.text


def test_five_failures_lock_the_email_for_fifteen_minutes(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    app = tandem.app()
    now = [1000.0]
    app.state.web.guard = SignInGuard(Rules(), clock=lambda: now[0])
    client = TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)
    for attempt in range(1, 6):
        answer = sign_in(client, people.user, f"guess {attempt}")
        if attempt < 5:
            assert answer.status_code == 400
            assert WRONG in answer.text
    assert answer.status_code == 429  # the fifth failure locks
    assert "Too many failed sign-ins" in answer.text
    assert "locked for 15 minutes" in answer.text
    right = sign_in(client, people.user, PASSWORD)  # even the right password, while locked
    assert right.status_code == 429
    assert client.get("/me").status_code == 303
    other = sign_in(client, people.admin, PASSWORD)  # another email from the same address still may
    assert other.status_code == 303
    now[0] += 15 * 60 + 1
    again = sign_in(browser_like(app), people.user, PASSWORD)
    assert again.status_code == 303


def browser_like(app: object) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)  # type: ignore[arg-type]


def test_many_failures_from_one_address_lock_that_address(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    app = tandem.app()
    app.state.web.guard = SignInGuard(Rules(failures=100, address_failures=3))
    client = browser_like(app)
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        sign_in(client, email, "guess")
    answer = sign_in(client, people.user, PASSWORD)
    assert answer.status_code == 429
    assert "Too many failed sign-ins" in answer.text


def test_an_inactive_user_cannot_sign_in(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    client = browser(tandem)
    answer = sign_in(client, people.inactive, PASSWORD)
    assert answer.status_code == 403
    assert INACTIVE in answer.text
    assert client.get("/me").status_code == 303
    wrong = sign_in(client, people.inactive, "not the password")  # a wrong password learns nothing of it
    assert WRONG in wrong.text
    assert INACTIVE not in wrong.text


def test_a_user_made_inactive_is_signed_out_at_their_next_request(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    client = signed_in(tandem, people.user)
    assert client.get("/me").status_code == 200
    with tandem.db.write() as session:
        session.execute(sa.update(User).where(User.email_key == people.user).values(is_active=False))
    assert client.get("/me").headers["location"] == "/sign-in?next=%2Fme"


def test_a_new_password_ends_the_sessions_made_with_the_old_one(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    client = signed_in(tandem, people.user)
    with tandem.db.write() as session:
        user = session.scalars(sa.select(User).where(User.email_key == people.user)).one()
        passwords.set_password(user, "a new password")
    assert client.get("/me").status_code == 303


def test_signing_out_ends_the_session(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    client = signed_in(tandem, people.user)
    elsewhere = signed_in(tandem, people.user)  # the same user in another browser
    copied = browser(tandem)
    copied.cookies.set("tandem_session", client.cookies["tandem_session"])  # a copy of the cookie
    assert copied.get("/me").status_code == 200
    token = csrf_token(client, "/me")
    answer = client.post("/sign-out", data={"csrf_token": token})
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
    assert client.get("/me").status_code == 303
    page = client.get("/sign-in")
    assert "Sign out" not in page.text
    assert copied.get("/me").status_code == 303  # the session ended on the server, not only in this browser
    assert elsewhere.get("/me").status_code == 200  # the other browser's session goes on


def test_a_form_without_the_sessions_csrf_token_is_refused(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    client = signed_in(tandem, people.user)
    other = signed_in(tandem, people.admin)
    other_token = csrf_token(other, "/me")
    for form in ({"sync": "on"}, {"sync": "on", "csrf_token": ""}, {"sync": "on", "csrf_token": other_token}):
        answer = client.post("/me/calendar-sync", data=form)
        assert answer.status_code == 403
        assert "This form has expired or did not come from this site" in answer.text
    assert _user(tandem, people.user).calendar_sync_enabled is False
    signing_out = client.post("/sign-out", data={})
    assert signing_out.status_code == 403
    assert client.get("/me").status_code == 200  # still signed in
    fresh = browser(tandem)  # no session at all: a forged cross-site sign-in
    forged = fresh.post("/sign-in", data={"email": people.user, "password": PASSWORD, "csrf_token": "guess"})
    assert forged.status_code == 403


def test_a_forged_or_altered_session_cookie_is_not_a_session(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    client = signed_in(tandem, people.user)
    cookie = client.cookies["tandem_session"]
    payload, signature = cookie.split(".")
    forged = browser(tandem)
    forged.cookies.set("tandem_session", f"{payload}.{signature[:-2]}AA")
    assert forged.get("/me").status_code == 303


def test_the_password_hash_is_in_no_page_and_no_api_answer(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    stored = password_hash()
    secret_part = stored.rsplit("$", 1)[1]
    salt = stored.split("$")[4]
    client = signed_in(tandem, people.admin)
    bodies = [client.get(path).text for path in ("/me", "/admin", "/sign-in")]
    bodies.append(client.cookies["tandem_session"])
    with authorised(tandem) as api:
        listed = api.get("/v1/users")
        assert listed.status_code == 200
        bodies.append(listed.text)
        guid = people.user_guid
        one = api.get(f"/v1/users/{guid}")
        assert one.status_code == 200
        bodies.append(one.text)
    for body in bodies:
        assert "argon2" not in body
        assert secret_part not in body
        assert salt not in body
        assert "password_hash" not in body
        assert "passwordHash" not in body


def test_security_headers_on_every_page_answer_and_not_on_the_api(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    anonymous = browser(tandem)
    user = signed_in(tandem, people.user)
    answers = [
        anonymous.get("/"),
        anonymous.get("/sign-in"),
        anonymous.get("/me"),  # a redirect
        user.get("/me"),
        user.get("/admin"),  # the 403 page
        user.post("/me/calendar-sync", data={"sync": "on"}),  # refused: no CSRF token
        anonymous.get("/static/tandem.css"),
    ]
    for answer in answers:
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert answer.headers["x-content-type-options"] == "nosniff"
    for page in answers[1], answers[3]:
        assert "<script" not in page.text  # no inline script to allow
        assert '<meta name="viewport"' in page.text
        assert 'href="#main"' in page.text  # the skip link
    assert "content-security-policy" not in anonymous.get("/heartbeat/server").headers


def test_the_form_keeps_its_csrf_token_across_pages_of_one_session(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    client = signed_in(tandem, people.user)
    first = CSRF.search(client.get("/me").text)
    second = CSRF.search(client.get("/sign-in").text)
    assert first is not None
    assert second is not None
    assert first.group(1) == second.group(1)


def test_bey_11_the_password_check_runs_off_the_event_loop_and_outside_any_transaction(
    tandem: bootstrap.Tandem, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = add_people(tandem)
    on_a_loop: list[bool] = []
    check = passwords.check

    def watched(*args: Any) -> Any:
        try:
            asyncio.get_running_loop()
            on_a_loop.append(True)  # the slow hash would stall every other request
        except RuntimeError:
            on_a_loop.append(False)
        with tandem.db.write() as session:  # another writer is not kept waiting by the check
            session.execute(sa.update(User).where(User.guid == people.user_guid).values(notes="written meanwhile"))
        return check(*args)

    monkeypatch.setattr(passwords, "check", watched)
    client = browser(tandem)
    assert sign_in(client, people.user, "wrong password").status_code == 400
    assert sign_in(client, people.user).status_code == 303
    assert on_a_loop == [False, False]


def test_a_user_deleted_through_the_api_takes_their_sessions_along(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    client = signed_in(tandem, people.user)
    with authorised(tandem) as api:
        deleted = api.delete(f"/v1/users/{people.user_guid}")
        assert deleted.status_code in (200, 204), deleted.text
    assert client.get("/me").status_code == 303
