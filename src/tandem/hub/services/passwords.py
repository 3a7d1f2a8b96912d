"""Hub users' passwords (the web's sign-in): argon2id hashes, never the password.

The hash stays in the database and this module: no API view, page or log line shows it.
Checking a password is slow on purpose (argon2id, tens of milliseconds and 64 MiB); the
callers on an event loop run it in a worker thread.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from tandem.hub.models import User
from tandem.hub.models.common import utcnow
from tandem.hub.services.errors import FieldProblem, ValidationFailed

MIN_LENGTH = 8
MAX_LENGTH = 1024
"""Longer than any passphrase; refused before hashing so a huge one costs nothing."""

HASHER = PasswordHasher()
"""argon2id with RFC 9106's low-memory parameters; each hash names the parameters it was made
with, and a check uses those."""


@cache
def _unused() -> str:
    """Checked against when the email is unknown, so both answers take the same time."""
    return HASHER.hash("a password no user has")


def check_new(password: str, field: str = "password") -> None:
    """Refuse a password that may not be set (ValidationFailed naming `field`)."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(FieldProblem(field, f"a password needs at least {MIN_LENGTH} characters"))
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(FieldProblem(field, f"a password may have at most {MAX_LENGTH} characters"))


def hash_password(password: str) -> str:
    check_new(password)
    return HASHER.hash(password)


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)


def _matches(password: str, stored: str | None) -> bool:
    try:
        return HASHER.verify(stored or _unused(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def is_password(user: User, password: str) -> bool:
    """Whether `password` is `user`'s (slow)."""
    return user.password_hash is not None and _matches(password, user.password_hash)


class Refusal(Enum):
    WRONG = "wrong"
    """Unknown email, no password set, or a wrong password: one answer for all three."""
    INACTIVE = "inactive"
    """The password is right but the user is inactive (only someone who knows it learns that)."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    guid: str
    password_stamp: str


def stamp(password_hash: str | None) -> str:
    """A short value that changes whenever the password does (sessions carry it, so a new
    password ends the sessions made with the old one). A digest of the whole hash: it
    shows neither the salt nor any part of the hash, so no guess can be checked with it."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Stored:
    """What a sign-in checks, read in a short transaction of its own: the slow check then
    runs outside any transaction (on SQLite a writing one would hold the database's write
    lock for every other writer meanwhile)."""

    guid: str
    password_hash: str | None
    active: bool


def stored(session: Session, email: str) -> Stored | None:
    user = session.scalars(sa.select(User).where(User.email_key == email.strip().lower())).one_or_none()
    return None if user is None else Stored(user.guid, user.password_hash, user.is_active)


def check(found: Stored | None, password: str) -> SignedIn | Refusal:
    """Whether `password` opens `found` (slow; no database): an unknown email takes as long."""
    if len(password) > MAX_LENGTH:
        return Refusal.WRONG
    if not _matches(password, found.password_hash if found is not None else None) or found is None:
        return Refusal.WRONG
    if not found.active:
        return Refusal.INACTIVE
    return SignedIn(found.guid, stamp(found.password_hash))


def signed_in(session: Session, who: SignedIn) -> User:
    """Remember the login time of a user whose password `check` accepted."""
    user = session.scalars(sa.select(User).where(User.guid == who.guid)).one()
    user.last_login = utcnow()
    return user
