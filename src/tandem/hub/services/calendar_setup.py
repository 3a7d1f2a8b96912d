"""The organisation's calendar connection (CAL-2): saved sealed, read back for the adapter.

The key file and its password never reach the database in the clear (`SecretBox`), and
`describe` shows an admin what is set up without them. `configure` opens the key first
(`check`: the Google adapter's `load_key`, passed in by the caller, since the hub knows no
adapter): a key that does not open is refused and the connection in use stays as it was.

A connection saved with calendars in another place (Google to CalDAV, another CalDAV server
or URL, another Google API root) forgets the sync's links and cursors in the same
transaction: a link to an event the new calendars do not hold would read as "deleted in the
calendar" and delete the activity. The next runs are initial and pair what both hold (CAL-10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.domain.errors import ConfigurationError
from tandem.hub.models import ActivityType, CalendarConnection
from tandem.hub.services import counters
from tandem.hub.services.errors import FieldProblem, ValidationFailed
from tandem.store.syncstate import forget_calendar_state


class Sealer(Protocol):
    def seal(self, secret: bytes) -> bytes: ...

    def open(self, sealed: bytes) -> bytes: ...


class KeyCheck(Protocol):
    """Opens a key file, or raises `ConfigurationError` saying why it does not."""

    def __call__(self, data: bytes, *, password: str | None, service_account_email: str | None) -> object: ...


@dataclass(frozen=True)
class CalendarCredentials:
    service_account_email: str | None
    key_kind: str
    key: bytes = field(repr=False)
    password: str | None = field(repr=False)
    token_uri: str | None
    api_root: str | None
    batch_uri: str | None


def key_kind_of(data: bytes) -> str:
    """`json` for a JSON key (maybe behind a UTF-8 BOM), else `p12` (the adapter checks that it
    really is one)."""
    return "json" if data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"{" else "p12"


def configure(
    session: Session,
    box: Sealer,
    *,
    key: bytes,
    password: str | None,
    service_account_email: str | None,
    token_uri: str | None = None,
    api_root: str | None = None,
    batch_uri: str | None = None,
    check: KeyCheck | None = None,
    client_id: str | None = None,
) -> CalendarConnection:
    """Save the connection, replacing the one in use; with `check`, only a key that opens
    (the refusal names why, and nothing is written). `client_id`: the service account's
    numeric client id, typed beside a P12 key (a JSON key carries its own, so it is not kept)."""
    kind = key_kind_of(key)
    if kind == "p12" and not service_account_email:
        raise ValidationFailed(FieldProblem("service_account_email", "a P12 key needs the service account's email"))
    if client_id and not (client_id.isascii() and client_id.isdigit() and len(client_id) <= 30):
        raise ValidationFailed(
            FieldProblem("client_id", "a client id is a number (about 21 digits) shown beside the service account")
        )
    if check is not None:
        try:
            check(key, password=password, service_account_email=service_account_email)
        except ConfigurationError as error:
            raise ValidationFailed(FieldProblem("key", str(error))) from None
    found = session.get(CalendarConnection, 1)
    before = None if found is None else _place(found)
    row = found or CalendarConnection(id=1)
    row.provider = "google"
    row.caldav_url = row.caldav_username = None
    row.caldav_discover = row.caldav_scheduling = False
    row.service_account_email = service_account_email
    row.key_kind = kind
    row.key_sealed = box.seal(key)
    row.password_sealed = box.seal(password.encode()) if password else None
    row.token_uri, row.api_root, row.batch_uri = token_uri, api_root, batch_uri
    row.client_id = client_id if kind == "p12" and client_id else None
    return _saved(session, row, before)


@dataclass(frozen=True)
class CaldavConnection:
    """A CalDAV server as the organisation's calendars (BEY-1)."""

    url: str
    discover: bool
    """`url` is a server to find each user's calendar on; else a template with {email}."""
    username: str | None
    password: str | None = field(repr=False)
    scheduling: bool


def configure_caldav(
    session: Session,
    box: Sealer,
    *,
    url: str,
    discover: bool,
    username: str | None,
    password: str | None,
    scheduling: bool = False,
    keep_password: bool = False,
) -> CalendarConnection:
    """Save a CalDAV server as the connection, replacing the one in use (a Google key too).
    `keep_password`: no password given keeps the stored one of a CalDAV connection (a form
    never shows it back)."""
    problems = []
    if not url.startswith(("http://", "https://")) or len(url) > 500:
        problems.append(
            FieldProblem("url", "a calendar URL starts with https:// (or http://) and fits in 500 characters")
        )
    elif not discover and "{email}" not in url:
        problems.append(FieldProblem("url", "a calendar URL template names where each user's calendar is with {email}"))
    if username is not None and len(username) > 320:
        problems.append(FieldProblem("username", "at most 320 characters"))
    if problems:
        raise ValidationFailed(problems)
    found = session.get(CalendarConnection, 1)
    before = None if found is None else _place(found)
    row = found or CalendarConnection(id=1)
    kept = row.password_sealed if keep_password and password is None and row.provider == "caldav" else None
    row.provider = "caldav"
    row.caldav_url, row.caldav_discover, row.caldav_scheduling = url, discover, scheduling
    row.caldav_username = username
    row.password_sealed = box.seal(password.encode()) if password else kept
    row.service_account_email = row.key_kind = row.key_sealed = None
    row.token_uri = row.api_root = row.batch_uri = row.client_id = None
    return _saved(session, row, before)


Place = tuple[str | bool | None, ...]


def _place(row: CalendarConnection) -> Place:
    """Where the connection's calendars are (not who signs in to them)."""
    if row.provider == "caldav":
        return (row.provider, row.caldav_url, row.caldav_discover)
    return (row.provider, row.api_root)


def _saved(
    session: Session, row: CalendarConnection, before: tuple[str | bool | None, ...] | None
) -> CalendarConnection:
    session.add(row)
    session.flush()
    if before is not None and _place(row) != before:
        forget_calendar_state(session)
    return row


def provider(session: Session) -> str | None:
    """`google`, `caldav`, or None before anything is configured."""
    row = session.get(CalendarConnection, 1)
    return None if row is None else row.provider


def load_caldav(session: Session, box: Sealer) -> CaldavConnection | None:
    row = session.get(CalendarConnection, 1)
    if row is None or row.provider != "caldav" or not row.caldav_url:
        return None
    return CaldavConnection(
        url=row.caldav_url,
        discover=row.caldav_discover,
        username=row.caldav_username,
        password=box.open(row.password_sealed).decode() if row.password_sealed else None,
        scheduling=row.caldav_scheduling,
    )


def load(session: Session, box: Sealer) -> CalendarCredentials | None:
    """The Google connection; None when none is saved (or the connection is CalDAV's)."""
    row = session.get(CalendarConnection, 1)
    if row is None or row.provider != "google" or row.key_sealed is None or row.key_kind is None:
        return None
    return CalendarCredentials(
        service_account_email=row.service_account_email,
        key_kind=row.key_kind,
        key=box.open(row.key_sealed),
        password=box.open(row.password_sealed).decode() if row.password_sealed else None,
        token_uri=row.token_uri,
        api_root=row.api_root,
        batch_uri=row.batch_uri,
    )


def stamp(session: Session) -> str | None:
    """Changes whenever the connection is configured again (the runtime rebuilds then)."""
    row = session.get(CalendarConnection, 1)
    return None if row is None else row.updated_at.isoformat()


def set_enabled(session: Session, enabled: bool) -> None:
    counters.settings(session).calendar_addon_enabled = enabled


def set_synced_types(session: Session, names: list[str]) -> list[str]:
    """CAL-5: exactly these activity types (by name, case-insensitively) go to the calendar."""
    types = session.scalars(sa.select(ActivityType)).all()
    by_name = {t.name.strip().lower(): t for t in types}
    unknown = [n for n in names if n.strip().lower() not in by_name]
    if unknown:
        known = ", ".join(sorted(t.name for t in types))
        raise ValidationFailed(
            FieldProblem("types", f"no activity type named {', '.join(unknown)} (there are: {known})")
        )
    chosen = {by_name[n.strip().lower()].id for n in names}
    for t in types:
        t.calendar_sync = t.id in chosen
    return sorted(t.name for t in types if t.calendar_sync)


def describe(session: Session) -> dict[str, Any]:
    """What is set up, for `tandem calendar status` and the admin: never a secret."""
    row = session.get(CalendarConnection, 1)
    types = session.scalars(sa.select(ActivityType).order_by(ActivityType.name)).all()
    personal = [t.name for t in types if t.category == "Personal" and t.is_active]
    default = next((t.name for t in types if t.is_default), None)
    warnings = []
    if not personal:
        warnings.append(
            "CAL-6: the organisation has no activity type of category Personal, so private calendar entries "
            f"get the default type ({default or 'none set'}) and become visible to everyone in the PSA"
        )
    if default is None:
        warnings.append("no default activity type: entries made in the calendar cannot come into the PSA")
    return {
        "enabled": counters.settings(session).calendar_addon_enabled,
        "configured": row is not None,
        "provider": row.provider if row else None,
        "caldav_url": row.caldav_url if row else None,
        "caldav_discover": row.caldav_discover if row else None,
        "caldav_username": row.caldav_username if row else None,
        "caldav_scheduling": row.caldav_scheduling if row else None,
        "service_account_email": row.service_account_email if row else None,
        "key_kind": row.key_kind if row else None,
        "password_stored": bool(row is not None and row.password_sealed),
        "token_uri": row.token_uri if row else None,
        "api_root": row.api_root if row else None,
        "client_id": row.client_id if row else None,
        "synced_types": [t.name for t in types if t.calendar_sync],
        "personal_types": personal,
        "default_type": default,
        "warnings": warnings,
    }
