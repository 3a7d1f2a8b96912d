"""Who may see which page: every page route × {anonymous, user, admin}, as one table.

A page route added without a row here fails `test_every_page_route_is_in_the_table`'s
check below: the table is compared with the routes the app really has.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import pytest

from tandem import bootstrap
from tandem.web.app import page_routes
from tests.web.support import CSRF, PASSWORD, add_people, browser, sign_in, signed_in

SIGN_IN = "sign in"
"""303 to the sign-in page, carrying where to come back to (GET pages)."""


@dataclass(frozen=True)
class Go:
    """303 to exactly this address."""

    to: str


Expected = int | str | Go

FORM_SYNC_ON = {"sync": "on"}

# (method, path): (form sent with a valid CSRF token, anonymous, user, admin)
TABLE: dict[tuple[str, str], tuple[dict[str, str] | None, Expected, Expected, Expected]] = {
    ("GET", "/"): (None, Go("/sign-in"), Go("/me"), Go("/me")),
    ("GET", "/sign-in"): (None, 200, 200, 200),
    ("POST", "/sign-in"): ({"email": "", "password": ""}, 400, 400, 400),  # the form again, with its messages
    ("POST", "/sign-out"): ({}, Go("/sign-in"), Go("/sign-in"), Go("/sign-in")),
    ("GET", "/me"): (None, SIGN_IN, 200, 200),
    ("POST", "/me/calendar-sync"): (FORM_SYNC_ON, Go("/sign-in"), Go("/me"), Go("/me")),
    ("POST", "/me/caldav-sign-in"): ({"username": ""}, Go("/sign-in"), 400, 400),  # the page, with its messages
    ("GET", "/admin"): (None, SIGN_IN, 403, 200),
    ("GET", "/admin/calendar"): (None, SIGN_IN, 403, 200),
    ("POST", "/admin/calendar/key"): ({}, Go("/sign-in"), 403, 400),  # multipart; no file: the form again
    ("POST", "/admin/calendar/caldav"): ({"url": "ftp://nowhere"}, Go("/sign-in"), 403, 400),
    ("POST", "/admin/calendar/enabled"): ({"enabled": "maybe"}, Go("/sign-in"), 403, 400),
    ("POST", "/admin/calendar/types"): ({"synced:Nothing such": "on"}, Go("/sign-in"), 403, 400),
    ("POST", "/admin/calendar/test"): ({"user": "nobody@example.com"}, Go("/sign-in"), 403, 400),
    ("GET", "/admin/erp"): (None, SIGN_IN, 403, 200),
    ("POST", "/admin/erp/preflight"): ({}, Go("/sign-in"), 403, 409),  # no ERP configured: said beside the button
    ("POST", "/admin/erp/run"): ({"mode": "maybe"}, Go("/sign-in"), 403, 400),
    ("POST", "/admin/erp/enabled"): ({"enabled": "maybe"}, Go("/sign-in"), 403, 400),
    ("POST", "/admin/erp/rules"): ({"form": "rules"}, Go("/sign-in"), 403, 400),  # no master chosen: beside it
    ("POST", "/admin/erp/rules/toml"): ({}, Go("/sign-in"), 403, Go("/admin/erp?done=toml")),
    ("GET", "/admin/users"): (None, SIGN_IN, 403, 200),
    ("POST", "/admin/users/sync-off"): ({"user": "no-such-guid"}, Go("/sign-in"), 403, 400),
    ("POST", "/admin/users/run"): ({"user": "no-such-guid"}, Go("/sign-in"), 403, 400),
    ("POST", "/admin/users/add"): ({"email": "", "role": "user"}, Go("/sign-in"), 403, 400),  # the form again
    ("GET", "/admin/sync"): (None, SIGN_IN, 403, 200),
    ("POST", "/admin/sync/retry"): ({"user": "no-such-guid"}, Go("/sign-in"), 403, 400),
    ("GET", "/week"): (None, SIGN_IN, 200, 200),
    ("GET", "/week/new"): (None, SIGN_IN, 200, 200),
    ("POST", "/week/new"): ({"name": ""}, Go("/sign-in"), 400, 400),  # the form again, with its messages
    ("GET", "/week/{guid}"): (None, SIGN_IN, 404, 404),  # no such activity (nor anyone else's)
    ("POST", "/week/{guid}"): ({"name": "x"}, Go("/sign-in"), 404, 404),
    ("POST", "/week/{guid}/delete"): ({}, Go("/sign-in"), 404, 404),
}
ASKED = {"{guid}": "no-such-activity"}
"""What a route's path parameters are asked with."""
MULTIPART = {("POST", "/admin/calendar/key")}
"""Sent as multipart/form-data (a file upload), with an empty file."""
ROLES = ("anonymous", "user", "admin")


def _app_page_routes(tandem: bootstrap.Tandem) -> set[tuple[str, str]]:
    return {(method, route.path) for route in page_routes(tandem.app()) for method in route.methods}


def test_every_page_route_is_in_the_table(tandem: bootstrap.Tandem) -> None:
    assert _app_page_routes(tandem) == set(TABLE)


ENDS_THE_SESSION = {("POST", "/sign-out")}
"""Asked with a session of its own: the others' sessions must outlive it."""


def test_authorisation_matrix_every_page_for_anonymous_user_and_admin(tandem: bootstrap.Tandem) -> None:
    assert _app_page_routes(tandem) == set(TABLE)  # a page missing here is a page nobody checked
    people = add_people(tandem)
    emails = {"anonymous": None, "user": people.user, "admin": people.admin}
    clients = {role: browser(tandem) if email is None else signed_in(tandem, email) for role, email in emails.items()}
    for (method, route), (form, *expected) in TABLE.items():
        path = route
        for parameter, value in ASKED.items():
            path = path.replace(parameter, value)
        for role, wanted in zip(ROLES, expected, strict=True):
            email = emails[role]
            own = (method, route) in ENDS_THE_SESSION and email is not None
            client = signed_in(tandem, email) if own and email is not None else clients[role]
            if method == "GET":
                answer = client.get(path)
            else:
                token = CSRF.search(client.get("/sign-in").text)
                assert token is not None
                data = {"csrf_token": token.group(1), **(form or {})}
                files = {"key_file": ("empty.json", b"", "application/json")} if (method, route) in MULTIPART else None
                answer = client.post(path, data=data, files=files)
            if isinstance(wanted, Go):
                assert (answer.status_code, answer.headers.get("location")) == (303, wanted.to), (method, path, role)
            elif wanted == SIGN_IN:
                assert answer.status_code == 303, (method, path, role)
                back = "/sign-in?" + urllib.parse.urlencode({"next": path})
                assert answer.headers["location"] == back, (method, path)
            else:
                assert answer.status_code == wanted, (method, path, role, answer.text[:300])
            if answer.status_code in (403, 404):
                assert ("This page is for admins." if answer.status_code == 403 else "Not found") in answer.text
                assert answer.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/me", "/admin", "/admin/users", "/admin/sync", "/week"])
def test_a_page_asked_for_before_signing_in_is_shown_after_it(tandem: bootstrap.Tandem, path: str) -> None:
    people = add_people(tandem)
    client = browser(tandem)
    first = client.get(path)
    assert first.status_code == 303
    page = client.get(first.headers["location"])
    token = CSRF.search(page.text)
    assert token is not None
    assert f'name="next" value="{path}"' in page.text
    form = {"csrf_token": token.group(1), "email": people.admin, "password": PASSWORD, "next": path}
    answer = client.post("/sign-in", data=form)
    assert (answer.status_code, answer.headers["location"]) == (303, path)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("next_path", ["//evil.example/", "https://evil.example/", "/\\evil.example", "me"])
def test_sign_in_never_sends_anyone_to_another_site(tandem: bootstrap.Tandem, next_path: str) -> None:
    people = add_people(tandem)
    client = browser(tandem)
    answer = sign_in(client, people.user, next_path=next_path)
    assert (answer.status_code, answer.headers["location"]) == (303, "/")
