"""What the web tests share: people with passwords, and signing in as a browser does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tandem import bootstrap
from tandem.domain.calendar import ResponseStatus
from tandem.domain.syncstate import Conflict, ConflictWinner, SyncedAttendee, SyncedFields
from tandem.hub.models import User
from tandem.hub.services import entities, masters, passwords

PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    """One argon2 hash for every test user (hashing takes a quarter of a second)."""
    return passwords.hash_password(PASSWORD)


@dataclass(frozen=True)
class People:
    admin: str
    user: str
    inactive: str
    """Emails."""
    user_guid: str


def add_people(tandem: bootstrap.Tandem) -> People:
    made = {}
    with tandem.db.write() as session:
        for first, email, role, active in (
            ("Ada", "ada.admin@example.com", "admin", True),
            ("Uma", "uma.user@example.com", "user", True),
            ("Ina", "ina.inactive@example.com", "user", False),
        ):
            values = {"first_name": first, "last_name": "Test", "email": email, "role": role, "is_active": active}
            row = masters.save(session, entities.USERS, None, values)
            row.password_hash = password_hash()
            made[role if active else "inactive"] = row.guid
    return People("ada.admin@example.com", "uma.user@example.com", "ina.inactive@example.com", made["user"])


def browser(tandem: bootstrap.Tandem) -> TestClient:
    """A client that keeps cookies and does not follow redirects, to see each answer."""
    return TestClient(tandem.app(), base_url="http://127.0.0.1", follow_redirects=False)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: TestClient, path: str = "/sign-in") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, next_path: str = "/") -> httpx.Response:
    token = csrf_token(client)
    return client.post("/sign-in", data={"csrf_token": token, "email": email, "password": password, "next": next_path})


def signed_in(tandem: bootstrap.Tandem, email: str) -> TestClient:
    client = browser(tandem)
    answer = sign_in(client, email)
    assert answer.status_code == 303, answer.text
    return client


START = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
"""Tomorrow at 9:00 UTC: the planted conflict's meeting (BEY-2)."""
PSA_SIDE = SyncedFields(
    "Budget review",
    "Numbers for Q1",
    "Room 4",
    START,
    START + timedelta(hours=1),
    "Europe/Helsinki",
    attendees=(SyncedAttendee("bo@example.com", ResponseStatus.ACCEPTED),),
)
CALENDAR_SIDE = SyncedFields(
    "Budget review",
    "Numbers for Q1",
    "Teams call",
    START + timedelta(minutes=30),
    START + timedelta(minutes=90),
    "Europe/Helsinki",
    attendees=(SyncedAttendee("bo@example.com", ResponseStatus.ACCEPTED),),
)


def plant_conflict(tandem: bootstrap.Tandem, user_guid: str, *, private: bool = False) -> Conflict:
    """A conflict as the sync records it: both sides changed location and time since the base."""
    psa = SyncedFields(**{**_values(PSA_SIDE), "private": private})
    calendar = SyncedFields(**{**_values(CALENDAR_SIDE), "private": private})
    conflict = Conflict(
        f"c-{user_guid[:8]}-{private}",
        user_guid,
        "act-1",
        "ev-1",
        ("location", "timing"),
        None,
        psa,
        calendar,
        ConflictWinner.CALENDAR,
        datetime.now(UTC) - timedelta(minutes=3),
    )
    tandem.sync_store().record_conflict(conflict)
    return conflict


def _values(fields: SyncedFields) -> dict[str, object]:
    return {name: getattr(fields, name) for name in SyncedFields.__dataclass_fields__}


def switch_sync_on(tandem: bootstrap.Tandem, email: str) -> str:
    """The user's calendar sync switched on (CAL-7), as they would in My profile; their guid."""
    with tandem.db.write() as session:
        user = session.scalars(sa.select(User).where(User.email_key == email)).unique().one()
        user.calendar_sync_enabled = True
        guid: str = user.guid
        return guid
