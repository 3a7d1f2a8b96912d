"""Admin → Calendar (CAL-2, CAL-5, CAL-6, BEY-1): the organisation's calendars, on Google
Workspace or on a CalDAV server, as `tandem calendar configure|configure-caldav|enable|
disable|types|test` set them up, through the same hub service (`calendar_setup`) and the same
checks (`diagnose.test_connection`, `calendar_checks.caldav_checks`). Saving either form
chooses that backend.

Secrets are write-only: the page says whether a key or a password is stored, never shows
it, and a form shown again keeps what was typed except the password.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import anyio
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response

from tandem.connectors.google import load_key
from tandem.connectors.google.diagnose import Check, test_connection
from tandem.connectors.google.errors import CALENDAR_SCOPE
from tandem.domain.errors import ConfigurationError, TandemError
from tandem.hub.models import ActivityType, User
from tandem.hub.services import calendar_setup
from tandem.hub.services.errors import ValidationFailed
from tandem.runtime.calendar_checks import caldav_checks
from tandem.store.secrets import SecretsUnreadable
from tandem.web import access
from tandem.web.access import Visit
from tandem.web.context import WebContext, web
from tandem.web.forms import Upload, form, sentence, upload
from tandem.web.pages import go, page

router = APIRouter(include_in_schema=False)

PAGE = "/admin/calendar"
KEY_FORM = "/admin/calendar/key"
CALDAV_FORM = "/admin/calendar/caldav"
TOO_LARGE = f"{PAGE}?refused=too-large"
"""Where the door sends an upload larger than the server takes at all (it is never read)."""
KEY_LIMIT_BYTES = 64 * 1024
"""A Google key file is 2-3 KiB; anything past 64 KiB is not one."""
TOO_LARGE_MESSAGE = (
    "The file is larger than 64 KiB, so it is not a Google key file (those are a few KiB). "
    "Choose the JSON or P12 file Google gave you."
)
SYNCED = "synced:"
"""The types form: one checkbox `synced:<type name>` per activity type."""
DONE = {
    "key": "Saved. The key and its password are encrypted at rest; press Test to check them.",
    "caldav": "Saved the CalDAV server: every user's calendar is there now. The password is encrypted at rest; "
    "press Test to check it.",
    "on": "Calendar synchronization is on for the organisation.",
    "off": "Calendar synchronization is off for the organisation: nobody's calendar is read or written.",
    "types": "Saved the activity types that go to the calendar.",
}


@dataclass(frozen=True, slots=True)
class TypeRow:
    name: str
    category: str
    synced: bool


@dataclass(frozen=True, slots=True)
class CalendarView:
    """What the page shows: never a key or a password."""

    enabled: bool
    configured: bool
    """A Google key is stored (the connection is Google's)."""
    service_account_email: str | None
    key_kind: str | None
    client_id: str | None
    key_problem: str | None
    types: list[TypeRow]
    warnings: list[str]
    users: list[str]
    caldav_url: str | None = None
    """Set when the connection is a CalDAV server (`tandem calendar configure-caldav`)."""
    caldav_username: str | None = None
    caldav_discover: bool = False
    caldav_scheduling: bool = False
    caldav_password: bool = False
    """A password is stored for the CalDAV server (never shown)."""
    scopes: tuple[str, ...] = (CALENDAR_SCOPE,)


@dataclass
class Shown:
    """The page's forms as shown again: messages beside fields, what was typed, the test's result."""

    errors: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    checks: list[Check] | None = None
    tested_user: str = ""
    done: str | None = None


def _view(context: WebContext) -> CalendarView:
    with context.hub.db.read() as session:
        described = calendar_setup.describe(session)
        types = session.scalars(sa.select(ActivityType).order_by(ActivityType.name)).all()
        rows = [TypeRow(t.name, t.category, t.calendar_sync) for t in types if t.is_active]
        emails = session.scalars(
            sa.select(User.email).where(User.email.is_not(None), User.is_active.is_(True)).order_by(User.email)
        ).all()
    google = described["configured"] and described["provider"] == "google"
    client_id, problem = _client_id(context) if google else (None, None)
    client_id = described["client_id"] or client_id  # typed beside a P12 key, else the key's own
    caldav = described["provider"] == "caldav"
    return CalendarView(
        enabled=described["enabled"],
        configured=google,
        caldav_url=described["caldav_url"] if caldav else None,
        caldav_username=described["caldav_username"] if caldav else None,
        caldav_discover=bool(described["caldav_discover"]) if caldav else False,
        caldav_scheduling=bool(described["caldav_scheduling"]) if caldav else False,
        caldav_password=bool(described["password_stored"]) if caldav else False,
        service_account_email=described["service_account_email"],
        key_kind=described["key_kind"],
        client_id=client_id,
        key_problem=problem,
        types=rows,
        warnings=described["warnings"],
        users=[e for e in emails if e],
    )


def _client_id(context: WebContext) -> tuple[str | None, str | None]:
    """The stored key's client id (for the Admin console's delegation), or why it cannot be read."""
    assert context.calendar_settings is not None
    try:
        settings = context.calendar_settings()
        if settings is None:
            return None, None
        key = load_key(
            settings.key_file, password=settings.key_password, service_account_email=settings.service_account_email
        )
    except SecretsUnreadable as error:
        return None, f"The stored key cannot be unsealed ({error}): upload it again."
    except ConfigurationError as error:
        return None, f"The stored key does not open ({error}): upload one that does."
    return key.client_id, None


def _show(request: Request, seen: Visit, shown: Shown, status: int = 200) -> Response:
    view = _view(web(request))
    return page(request, seen, "admin_calendar.html", status, view=view, shown=shown)


@router.get(PAGE)
def calendar_page(request: Request, done: str = "", refused: str = "", seen: Visit = Depends(access.admin)) -> Response:
    shown = Shown(done=DONE.get(done))
    if refused == "too-large":
        shown.errors["key_file"] = TOO_LARGE_MESSAGE
    return _show(request, seen, shown, 413 if shown.errors else 200)


@router.post(KEY_FORM)
async def save_key(request: Request, seen: Visit = Depends(access.admin), sent: Upload = Depends(upload)) -> Response:
    """CAL-2: the key and the account, saved by `calendar_setup.configure` (as the CLI's
    `configure`): only a key that opens is saved; the connection in use is kept otherwise."""
    context = web(request)
    names = ("service_account_email", "client_id", "api_root", "token_uri")
    typed = {name: sent.fields.get(name, "").strip() for name in names}
    password = sent.fields.get("password", "")
    _, key = sent.files.get("key_file", ("", b""))
    errors = _key_problems(key)
    if not errors:
        errors = await anyio.to_thread.run_sync(_configure, context, key, password or None, typed)
    if errors:
        shown = Shown(errors=errors, typed=typed)
        return await anyio.to_thread.run_sync(lambda: _show(request, seen, shown, 400))
    return go(request, seen, f"{PAGE}?done=key")


def _key_problems(key: bytes) -> dict[str, str]:
    """What is wrong before the key is opened (the adapter says the rest, as for the CLI)."""
    if not key:
        return {"key_file": "Choose the key file: the JSON key or the P12 file of the service account."}
    if len(key) > KEY_LIMIT_BYTES:
        return {"key_file": TOO_LARGE_MESSAGE}
    return {}


def _configure(context: WebContext, key: bytes, password: str | None, typed: dict[str, str]) -> dict[str, str]:
    assert context.secrets is not None
    try:
        with context.hub.db.write() as session:
            calendar_setup.configure(
                session,
                context.secrets(),
                key=key,
                password=password,
                service_account_email=typed["service_account_email"] or None,
                token_uri=typed["token_uri"] or None,
                api_root=typed["api_root"] or None,
                check=load_key,
                client_id=typed["client_id"] or None,
            )
    except ValidationFailed as error:
        return {_field_of(p.field, p.message): sentence(p.message) for p in error.problems}
    return {}


def _field_of(problem_field: str, message: str) -> str:
    if problem_field in ("service_account_email", "client_id"):
        return problem_field
    return "password" if "password" in message else "key_file"


CALDAV_FIELDS = ("url", "username")
CALDAV_BOXES = ("discover", "scheduling")


@router.post(CALDAV_FORM)
def save_caldav(
    request: Request, seen: Visit = Depends(access.admin), sent: dict[str, str] = Depends(form)
) -> Response:
    """BEY-1: a CalDAV server as every user's calendar (as `tandem calendar configure-caldav`),
    replacing the connection in use; an empty password keeps the stored one."""
    context = web(request)
    assert context.secrets is not None
    typed = {name: sent.get(name, "").strip() for name in CALDAV_FIELDS}
    typed |= {name: "on" for name in CALDAV_BOXES if sent.get(name)}
    try:
        with context.hub.db.write() as session:
            calendar_setup.configure_caldav(
                session,
                context.secrets(),
                url=typed["url"],
                discover="discover" in typed,
                username=typed["username"] or None,
                password=sent.get("password") or None,
                scheduling="scheduling" in typed,
                keep_password=True,
            )
    except ValidationFailed as error:
        errors = {f"caldav_{p.field}": sentence(p.message) for p in error.problems}
        return _show(request, seen, Shown(errors=errors, typed={f"caldav_{k}": v for k, v in typed.items()}), 400)
    return go(request, seen, f"{PAGE}?done=caldav")


@router.post("/admin/calendar/enabled")
def switch(request: Request, seen: Visit = Depends(access.admin), sent: dict[str, str] = Depends(form)) -> Response:
    wanted = sent.get("enabled", "")
    if wanted not in ("on", "off"):
        return _show(request, seen, Shown(errors={"enabled": "Choose on or off."}), 400)
    with web(request).hub.db.write() as session:
        calendar_setup.set_enabled(session, wanted == "on")
    return go(request, seen, f"{PAGE}?done={wanted}")


@router.post("/admin/calendar/types")
def save_types(request: Request, seen: Visit = Depends(access.admin), sent: dict[str, str] = Depends(form)) -> Response:
    """CAL-5: exactly the ticked types go to the calendar (as `tandem calendar types --sync`)."""
    names = [name.removeprefix(SYNCED) for name in sent if name.startswith(SYNCED)]
    try:
        with web(request).hub.db.write() as session:
            calendar_setup.set_synced_types(session, names)
    except ValidationFailed as error:
        return _show(request, seen, Shown(errors={"types": sentence(str(error.problems[0].message))}), 400)
    return go(request, seen, f"{PAGE}?done=types")


@router.post("/admin/calendar/test")
async def run_test(
    request: Request, seen: Visit = Depends(access.admin), sent: dict[str, str] = Depends(form)
) -> Response:
    """The checks of `tandem calendar test` for the chosen user, in a worker thread."""
    context = web(request)
    user = sent.get("user", "").strip()
    result = await anyio.to_thread.run_sync(_test, context, user)
    if isinstance(result, str):
        shown = Shown(errors={"user": result}, tested_user=user)
    else:
        shown = Shown(checks=result, tested_user=user)
    status = 400 if isinstance(result, str) else 200
    return await anyio.to_thread.run_sync(lambda: _show(request, seen, shown, status))


def _test(context: WebContext, user: str) -> list[Check] | str:
    assert context.calendar_settings is not None
    with context.hub.db.read() as session:
        known = session.scalar(sa.select(User.id).where(User.email_key == user.lower())) is not None
    if not user or not known:
        return "Choose a user with an email address."
    try:
        caldav = context.caldav_settings() if context.caldav_settings is not None else None
        settings = None if caldav is not None else context.calendar_settings()
    except (TandemError, SecretsUnreadable) as error:
        return f"The stored connection cannot be used: {error}. Save it again."
    if caldav is not None:
        return asyncio.run(caldav_checks(caldav, user))
    if settings is None:
        return "No key is stored yet: upload the service account's key first."
    checks: list[Check] = asyncio.run(test_connection(settings, user))
    return checks
