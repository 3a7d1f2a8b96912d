"""Admin → Users (BEY-4, CAL-7, CAL-8): every user's calendar sync as `tandem sync status`
reads it (the same stores and `tandem.runtime.status`), and the admin's three actions:
turn a user's sync off, run a user's sync now, add a user (as `tandem users add`, through
the same hub service and checks).

"Run now" starts the user's sync as signing in does (CAL-8: `HubContext.on_user_active`),
and also makes the user's schedule row due now with its back-off forgotten, so that the
runtime's timer takes it within a second even when the sign-in trigger was debounced.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response

from tandem.hub.models import User
from tandem.hub.services import entities, lookup, masters, passwords
from tandem.hub.services import users as own
from tandem.hub.services.errors import ItemNotFound, ValidationFailed
from tandem.runtime import status as sync_health
from tandem.web import access
from tandem.web.access import Visit
from tandem.web.context import WebContext, web
from tandem.web.forms import form, sentence
from tandem.web.pages import go, page

router = APIRouter(include_in_schema=False)

PAGE = "/admin/users"
ROLES = ("user", "admin")
ADD_FIELDS = ("email", "first_name", "last_name", "role")
"""What the add form keeps when shown again (never the password)."""
FORM_FIELD = {"email": "email", "firstName": "first_name", "lastName": "last_name", "role": "role"}
"""The hub's field names (as its API and `tandem users add` report them) → the form's."""
REQUIRED = {
    "email": "Enter the user's email address.",
    "first_name": "Enter the first name.",
    "last_name": "Enter the last name.",
}
NO_SUCH_USER = "There is no such user any more: reload the page."
DONE = {
    "off": "Calendar sync is off for {who}: nothing of theirs is read or written until it is on again.",
    "run": "{who}'s calendar sync starts now.",
    "added": "Added {who}.",
}


@dataclass(frozen=True, slots=True)
class UserStatus:
    """One row of the page: a user and their calendar sync (never a secret)."""

    guid: str
    name: str
    email: str
    role: str
    active: bool
    sync_on: bool
    last_success: datetime | None
    next_run: datetime | None
    failures: int
    paused: str | None
    last_error: str | None
    set_aside: int
    conflicts: int


def statuses(context: WebContext) -> list[UserStatus]:
    """Every user's sync, as `tandem sync status` reads it (BEY-4: `status.user_status`)."""
    store, schedule = context.sync_state(), context.schedule()
    rows = {row.user_guid: row for row in schedule.all()}
    with context.hub.db.read() as session:
        users = session.scalars(sa.select(User).order_by(User.last_name, User.first_name)).unique().all()
    found = []
    for user in users:
        health = sync_health.user_status(store, rows.get(user.guid), user.guid, user.email)
        found.append(
            UserStatus(
                guid=user.guid,
                name=user.full_name,
                email=user.email or "",
                role=user.role,
                active=user.is_active,
                sync_on=user.calendar_sync_enabled,
                last_success=health.last_success,
                next_run=health.next_run if user.calendar_sync_enabled else None,
                failures=health.schedule.failures if health.schedule else 0,
                paused=health.schedule.paused_reason if health.schedule else None,
                last_error=health.last_error,
                set_aside=len(health.set_aside),
                conflicts=health.conflicts,
            )
        )
    return found


def start_sync(context: WebContext, guid: str) -> None:
    """The user's sync starts now: due now in the schedule (back-off forgotten; a pause that
    waits for someone stays), and the sign-in trigger (CAL-8)."""
    schedule = context.schedule()
    row = schedule.get(guid)
    if row is not None:
        schedule.save(replace(row, next_due_at=datetime.now(UTC), backoff_until=None))
    for listener in context.hub.on_user_active:
        listener(guid)


@dataclass
class Shown:
    """The add form as shown again, and the notice of what was done."""

    errors: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=lambda: {"role": "user"})
    done: str | None = None


def _show(request: Request, seen: Visit, shown: Shown, status: int = 200, done_for: str = "") -> Response:
    users = statuses(web(request))
    notice = DONE.get(shown.done or "")
    if notice is not None:  # a notice names a user by guid: nothing typed into an address is shown
        name = next((u.name for u in users if u.guid == done_for), None)
        shown.done = notice.format(who=name) if name else None
    return page(request, seen, "admin_users.html", status, users=users, shown=shown, roles=ROLES)


@router.get(PAGE)
def users_page(request: Request, done: str = "", user: str = "", seen: Visit = Depends(access.admin)) -> Response:
    return _show(request, seen, Shown(done=done), done_for=user)


def _user(context: WebContext, guid: str) -> User | None:
    with context.hub.db.read() as session:
        return lookup.find(session, User, guid) if guid else None


@router.post(f"{PAGE}/sync-off")
def sync_off(request: Request, seen: Visit = Depends(access.admin), sent: dict[str, str] = Depends(form)) -> Response:
    """CAL-7 for the admin: a user's switch turned off (only off: on is the user's own choice)."""
    context = web(request)
    try:
        with context.hub.db.write() as session:
            guid = own.set_calendar_sync(session, sent.get("user", ""), False).guid
    except ItemNotFound:
        return _show(request, seen, Shown(errors={"user": NO_SUCH_USER}), 400)
    return go(request, seen, _done("off", guid))


@router.post(f"{PAGE}/run")
def run_now(request: Request, seen: Visit = Depends(access.admin), sent: dict[str, str] = Depends(form)) -> Response:
    context = web(request)
    user = _user(context, sent.get("user", ""))
    if user is None:
        return _show(request, seen, Shown(errors={"user": NO_SUCH_USER}), 400)
    if not user.calendar_sync_enabled or not user.is_active:
        refusal = f"{user.full_name}'s calendar sync is off, so it cannot run: they switch it on in My profile."
        return _show(request, seen, Shown(errors={"user": refusal}), 400)
    start_sync(context, user.guid)
    return go(request, seen, _done("run", user.guid))


@router.post(f"{PAGE}/add")
def add_user(request: Request, seen: Visit = Depends(access.admin), sent: dict[str, str] = Depends(form)) -> Response:
    """As `tandem users add`: the hub's checks (`masters.save`), a password when given."""
    typed = {name: sent.get(name, "").strip() for name in ADD_FIELDS}
    password = sent.get("password", "")
    errors = {name: message for name, message in REQUIRED.items() if not typed[name]}
    if typed["role"] not in ROLES:
        errors["role"] = "Choose user or admin."
    if password:
        try:
            passwords.check_new(password)
        except ValidationFailed as error:
            errors["password"] = sentence(error.problems[0].message)
    hashed = passwords.hash_password(password) if password and not errors else None  # slow: in no transaction
    added = errors or _save(web(request), typed, hashed)
    if isinstance(added, dict):
        return _show(request, seen, Shown(errors=added, typed=typed), 400)
    return go(request, seen, _done("added", added))


def _save(context: WebContext, typed: dict[str, str], hashed: str | None) -> str | dict[str, str]:
    """The new user's guid, or the hub's problems beside the form's fields."""
    try:
        with context.hub.db.write() as session:
            user = masters.save(session, entities.USERS, None, typed)
            user.password_hash = hashed
            guid: str = user.guid
    except ValidationFailed as error:
        return {FORM_FIELD.get(p.field, "email"): sentence(p.message) for p in reversed(error.problems)}
    return guid


def _done(what: str, guid: str) -> str:
    return f"{PAGE}?{urllib.parse.urlencode({'done': what, 'user': guid})}"
