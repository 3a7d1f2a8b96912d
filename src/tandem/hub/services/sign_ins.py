"""Signed-in web sessions, kept in the database so that signing out really ends one.

The session's id is random and travels only in the user's (signed) cookie; the database
keeps its SHA-256, like the API's tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.hub.models import SignInSession, User
from tandem.hub.models.common import utcnow


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(session: Session, user: User, lifetime_s: int) -> str:
    """A new session for `user`; returns its id. Sessions past `lifetime_s` are forgotten."""
    session.execute(sa.delete(SignInSession).where(SignInSession.created_at < utcnow() - timedelta(seconds=lifetime_s)))
    session_id = secrets.token_urlsafe(32)
    session.add(SignInSession(id_hash=_digest(session_id), user_id=user.id))
    return session_id


def is_live(session: Session, session_id: str, user: User) -> bool:
    found = session.get(SignInSession, _digest(session_id)) if session_id else None
    return found is not None and found.user_id == user.id


def end(session: Session, session_id: str) -> None:
    session.execute(sa.delete(SignInSession).where(SignInSession.id_hash == _digest(session_id)))
