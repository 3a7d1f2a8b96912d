"""The pages: sign-in and sign-out, the home page, My profile (CAL-7) and the admin's home.

Every route here is a page (`app.py` gives page answers their security headers, and the
authorisation test enumerates these routes); each names who may see it through its
dependency (`access.visit`, `access.signed_in`, `access.admin`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from tandem.hub.models import User
from tandem.hub.services import caldav_sign_ins, lookup, passwords, sign_ins
from tandem.hub.services import users as own
from tandem.hub.services.errors import ValidationFailed
from tandem.web import access, profile
from tandem.web.access import Visit, local_path
from tandem.web.context import WebContext, web
from tandem.web.forms import CSRF_FIELD, form, sentence
from tandem.web.sessions import WebSession

router = APIRouter(include_in_schema=False)

WRONG = "The email or password is not right."  # the same for an unknown email: no hint of who has an account
INACTIVE = "This account is not active. Ask an admin to activate it."


def page(request: Request, seen: Visit, template: str, status: int = 200, **values: Any) -> Response:
    answer = web(request).templates.TemplateResponse(
        request,
        template,
        {"person": seen.person, "csrf_field": CSRF_FIELD, "csrf_token": seen.session.csrf, **values},
        status_code=status,
    )
    return seen.keep(request, answer)


def go(request: Request, seen: Visit, to: str) -> Response:
    """See other (303): after a form, the browser GETs `to`."""
    return seen.keep(request, RedirectResponse(to, status_code=303))


@router.get("/")
def home(request: Request, seen: Visit = Depends(access.visit)) -> Response:
    return go(request, seen, "/me" if seen.person is not None else "/sign-in")


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "/", seen: Visit = Depends(access.visit)) -> Response:
    return page(request, seen, "sign_in.html", next=local_path(next), email="", errors={}, message=None)


@router.post("/sign-in")
async def sign_in(
    request: Request, seen: Visit = Depends(access.visit), sent: dict[str, str] = Depends(form)
) -> Response:
    context = web(request)
    email = sent.get("email", "").strip()
    password = sent.get("password", "")
    next_path = local_path(sent.get("next"))

    def again(status: int, errors: dict[str, str], message: str | None = None) -> Response:
        return page(request, seen, "sign_in.html", status, next=next_path, email=email, errors=errors, message=message)

    errors = {}
    if not email:
        errors["email"] = "Enter your email address."
    if not password:
        errors["password"] = "Enter your password."  # noqa: S105 - a message, not a password
    if errors:
        return again(400, errors)
    address = request.client.host if request.client else ""
    if wait := context.guard.locked_for_s(email, address):
        return again(429, {}, _locked(wait))
    async with context.password_checks():
        if wait := context.guard.locked_for_s(email, address):
            return again(429, {}, _locked(wait))
        result = await anyio.to_thread.run_sync(_check, context, email, password)
    if result is passwords.Refusal.INACTIVE:
        return again(403, {}, INACTIVE)
    if isinstance(result, passwords.Refusal):
        context.guard.failed(email, address)
        if wait := context.guard.locked_for_s(email, address):
            return again(429, {}, _locked(wait))
        return again(400, {"password": WRONG})
    context.guard.succeeded(email, address)
    signed, sid = result
    seen.switch(seen.session.signed_in(signed.guid, signed.password_stamp, sid, access.now_s()))
    return go(request, seen, next_path)


def _check(context: WebContext, email: str, password: str) -> tuple[passwords.SignedIn, str] | passwords.Refusal:
    """In a worker thread: the slow password check; a success starts a session (its id
    returned) and the user's sync (CAL-8)."""
    with context.hub.db.read() as session:
        found = passwords.stored(session, email)
    result = passwords.check(found, password)  # the slow part, in no transaction
    if isinstance(result, passwords.Refusal):
        return result
    with context.hub.db.write() as session:
        sid = sign_ins.start(session, passwords.signed_in(session, result), context.signer.lifetime_s)
    for listener in context.hub.on_user_active:
        listener(result.guid)
    return result, sid


def _locked(wait_s: int) -> str:
    minutes = max(1, -(-wait_s // 60))
    return (
        f"Too many failed sign-ins. Signing in is locked for {minutes} minute{'s' if minutes > 1 else ''}; "
        "try again then."
    )


@router.post("/sign-out")
def sign_out(request: Request, seen: Visit = Depends(access.signed_in), _: dict[str, str] = Depends(form)) -> Response:
    with web(request).hub.db.write() as session:
        sign_ins.end(session, seen.session.sid)  # a copy of the cookie is worth nothing now
    seen.switch(WebSession.anonymous(access.now_s()))
    return go(request, seen, "/sign-in")


DONE = {
    "caldav": "Your calendar sign-in is saved.",
    "caldav-forgotten": "Your calendar is reached with the organisation's sign-in again.",
}


@router.get("/me")
def me(request: Request, seen: Visit = Depends(access.signed_in)) -> Response:
    return _me(request, seen, {}, done=DONE.get(request.query_params.get("done", "")))


def _me(
    request: Request,
    seen: Visit,
    errors: dict[str, str],
    status: int = 200,
    *,
    done: str | None = None,
    typed_username: str | None = None,
) -> Response:
    assert seen.person is not None
    mine = profile.my_sync(web(request), seen.person.guid)
    return page(request, seen, "me.html", status, errors=errors, sync=mine, done=done, typed_username=typed_username)


@router.post("/me/calendar-sync")
def switch_calendar_sync(
    request: Request, seen: Visit = Depends(access.signed_in), sent: dict[str, str] = Depends(form)
) -> Response:
    """CAL-7: the user's own switch, for themselves only (the session says who)."""
    assert seen.person is not None
    wanted = sent.get("sync", "")
    if wanted not in ("on", "off"):
        return _me(request, seen, {"sync": "Choose on or off."}, 400)
    context = web(request)
    with context.hub.db.write() as session:
        own.set_calendar_sync(session, seen.person.guid, wanted == "on")
    if wanted == "on":
        # due now, its back-off from the time it was off forgotten, and started (CAL-7, CAL-8):
        # the sign-in's own start moments before may have met the switch still off
        from tandem.web.users import start_sync  # users.py builds its pages on this module

        start_sync(context, seen.person.guid)
    return go(request, seen, "/me")


@router.post("/me/caldav-sign-in")
def save_caldav_sign_in(
    request: Request, seen: Visit = Depends(access.signed_in), sent: dict[str, str] = Depends(form)
) -> Response:
    """BEY-1: the user's own sign-in to the CalDAV server (an app password of theirs), for
    themselves only; `forget` goes back to the connection's. An empty password keeps the
    stored one."""
    assert seen.person is not None
    context = web(request)
    assert context.secrets is not None
    username = sent.get("username", "").strip()
    try:
        with context.hub.db.write() as session:
            user = lookup.get(session, User, seen.person.guid, "user")
            forgetting = bool(sent.get("forget"))
            if forgetting:
                caldav_sign_ins.forget(session, user)
            else:
                caldav_sign_ins.save(session, context.secrets(), user, username, sent.get("password") or None)
    except ValidationFailed as error:
        errors = {f"caldav_{p.field}": sentence(p.message) for p in error.problems}
        return _me(request, seen, errors, 400, typed_username=username)
    return go(request, seen, "/me?done=caldav-forgotten" if forgetting else "/me?done=caldav")


@router.get("/admin")
def admin_home(request: Request, seen: Visit = Depends(access.admin)) -> Response:
    with web(request).hub.db.read() as session:
        users = [
            UserRow(u.full_name, u.email or "", u.role, u.is_active, u.calendar_sync_enabled)
            for u in session.scalars(sa.select(User).order_by(User.last_name, User.first_name)).unique()
        ]
    return page(request, seen, "admin.html", users=users)


@dataclass(frozen=True, slots=True)
class UserRow:
    name: str
    email: str
    role: str
    active: bool
    calendar_sync: bool
