"""Who is asking, and what they may see: the authorisation helper of every page.

A page route takes one of three dependencies:

- `visit`: anyone (the sign-in page); the visit has a session, signed in or not;
- `signed_in`: a signed-in user; anyone else is sent to `/sign-in?next=<this page>`;
- `admin`: a signed-in admin; a signed-in user gets the 403 page.

Each checks the session cookie and reloads the user: an inactive user, one whose password
changed since, or a session that was signed out is signed out at their next request. A POST form's CSRF token is
checked by `form` (`forms.py`).
"""

from __future__ import annotations

import time
import urllib.parse
from dataclasses import dataclass

from fastapi import Depends, Request, Response

from tandem.hub.models import User
from tandem.hub.services import lookup, passwords, sign_ins
from tandem.web.context import web
from tandem.web.sessions import COOKIE, WebSession


@dataclass(frozen=True, slots=True)
class Person:
    """The signed-in user as pages show them."""

    guid: str
    name: str
    email: str
    role: str
    calendar_sync: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass
class Visit:
    session: WebSession
    person: Person | None
    https: bool
    changed: bool = False
    """The session is new or different: its cookie goes out with the answer."""

    def switch(self, session: WebSession) -> None:
        self.session = session
        self.changed = True

    def keep(self, request: Request, response: Response) -> Response:
        """`response` with the session cookie when it must be (re)set."""
        if self.changed:
            response.set_cookie(
                COOKIE,
                web(request).signer.dumps(self.session),
                httponly=True,
                samesite="lax",
                secure=self.https,
                path="/",
            )
        return response


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """A signed-in user asked for what their role does not allow (or a form without a valid CSRF token)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def now_s() -> int:
    return int(time.time())


def visit(request: Request) -> Visit:
    """The session of this request (a new anonymous one when it has none) and its user.
    A sync dependency: the user is read from the database in a worker thread. Kept on
    `request.state.visit` for the error pages."""
    seen = _visit(request)
    request.state.visit = seen
    return seen


def _visit(request: Request) -> Visit:
    context = web(request)
    https = request.url.scheme == "https"
    session = context.signer.loads(request.cookies.get(COOKIE), now_s())
    if session is None:
        return Visit(WebSession.anonymous(now_s()), None, https, changed=True)
    if session.user is None:
        return Visit(session, None, https)
    with context.hub.db.read() as db:
        user = lookup.find(db, User, session.user)
        live = user is not None and _still_valid(user, session) and sign_ins.is_live(db, session.sid, user)
        person = _person(user) if user is not None and live else None
    if person is None:
        return Visit(WebSession.anonymous(now_s()), None, https, changed=True)
    return Visit(session, person, https)


def _still_valid(user: User, session: WebSession) -> bool:
    return user.is_active and passwords.stamp(user.password_hash) == session.stamp


def _person(user: User) -> Person:
    return Person(user.guid, user.full_name, user.email or "", user.role, user.calendar_sync_enabled)


def signed_in(request: Request, seen: Visit = Depends(visit)) -> Visit:
    if seen.person is None:
        raise SignInRequired(_here(request))
    return seen


def admin(seen: Visit = Depends(signed_in)) -> Visit:
    assert seen.person is not None
    if not seen.person.is_admin:
        raise Forbidden("This page is for admins.")
    return seen


def _here(request: Request) -> str:
    """The path and query of this request (where to come back to after signing in); a
    POST's own address is not a page, so it comes back to the home page."""
    if request.method != "GET":
        return "/"
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def sign_in_address(next_path: str) -> str:
    return "/sign-in" if next_path == "/" else "/sign-in?" + urllib.parse.urlencode({"next": next_path})


def local_path(candidate: str | None) -> str:
    """`candidate` when it is a path on this site, else "/": a `next` given to the sign-in
    page never sends anyone to another site (`//evil`, `/\\evil`, `https://evil`, control
    characters are all refused)."""
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 or c == "\\" for c in candidate) or len(candidate) > 2000:
        return "/"
    parts = urllib.parse.urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return "/"
    return candidate
