"""A user's own sign-in to the CalDAV server (BEY-1): iCloud, Fastmail or a Nextcloud without an
admin account give each person an app password, so each user's calendar is reached with their
own user name and password instead of the connection's. Saved by the user on My profile or by
an admin (`tandem calendar caldav-sign-in`); the password is sealed like every secret and never
shown back.

Where the connection discovers each calendar from the signed-in principal, another user name
may find another calendar: that user's links and cursor are forgotten in the same transaction,
so the next run pairs what both sides hold (CAL-10) instead of reading the old calendar's
events as deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.hub.models import CaldavSignIn, CalendarConnection, User
from tandem.hub.services.calendar_setup import Sealer
from tandem.hub.services.errors import FieldProblem, ValidationFailed
from tandem.store.syncstate import forget_calendar_state


@dataclass(frozen=True, slots=True)
class SignIn:
    username: str
    password: str = field(repr=False)


def save(session: Session, box: Sealer, user: User, username: str, password: str | None) -> None:
    """The user's own sign-in; no password keeps the stored one (a form never shows it back)."""
    username = username.strip()
    found = session.get(CaldavSignIn, user.id)
    problems = []
    if not username or len(username) > 320:
        problems.append(FieldProblem("username", "give the user name you sign in to the calendar server with"))
    if not password and found is None:
        problems.append(FieldProblem("password", "give the password (an app password where the server has them)"))
    if problems:
        raise ValidationFailed(problems)
    before = _signs_in_as(session, user, found)
    row = found or CaldavSignIn(user_id=user.id)
    row.username = username
    if password:
        row.password_sealed = box.seal(password.encode())
    session.add(row)
    session.flush()
    _forget_if_elsewhere(session, user, before)


def forget(session: Session, user: User) -> bool:
    """Back to the connection's sign-in; False when the user had none of their own."""
    found = session.get(CaldavSignIn, user.id)
    if found is None:
        return False
    before = _signs_in_as(session, user, found)
    session.delete(found)
    session.flush()
    _forget_if_elsewhere(session, user, before)
    return True


def username_of(session: Session, user: User) -> str | None:
    """The user name of the user's own sign-in; None: they use the connection's."""
    found = session.get(CaldavSignIn, user.id)
    return None if found is None else found.username


def load(session: Session, box: Sealer) -> dict[str, SignIn]:
    """Every user's own sign-in, by lower-cased email, unsealed for the adapter."""
    rows = session.execute(
        sa.select(User.email, CaldavSignIn.username, CaldavSignIn.password_sealed)
        .join(CaldavSignIn, CaldavSignIn.user_id == User.id)
        .where(User.email.is_not(None))
    )
    return {email.lower(): SignIn(username, box.open(sealed).decode()) for email, username, sealed in rows}


def stamp(session: Session) -> str:
    """Changes when a sign-in is saved or forgotten (the runtime rebuilds its calendar then)."""
    count, latest = session.execute(sa.select(sa.func.count(), sa.func.max(CaldavSignIn.updated_at))).one()
    return f"{count}:{latest.isoformat() if latest else ''}"


def _signs_in_as(session: Session, user: User, own: CaldavSignIn | None) -> str | None:
    if own is not None:
        return own.username
    connection = session.get(CalendarConnection, 1)
    if connection is None or connection.caldav_username is None:
        return None
    return connection.caldav_username.replace("{email}", user.email or "")


def _forget_if_elsewhere(session: Session, user: User, before: str | None) -> None:
    connection = session.get(CalendarConnection, 1)
    discovers = connection is not None and connection.provider == "caldav" and connection.caldav_discover
    if discovers and _signs_in_as(session, user, session.get(CaldavSignIn, user.id)) != before:
        forget_calendar_state(session, user.guid)
