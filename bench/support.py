"""What the bench scripts share: the Google emulator in a child process, a hub organised for
it or for a CalDAV server, fresh databases, `tandem serve` as a real process, percentiles.

The scripts run as `.venv/bin/python bench/<script>.py`, so this directory is on the import
path and they import this module as `support`. `tandem serve` and fresh databases are the
tests' own helpers (`tests/support/processes.py`, `tests/support/databases.py`), reached
from here so that every script starts the server and makes databases the way the tests do.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.databases import fresh_postgres_database, fresh_sqlite_database
from tests.support.processes import environment, run, run_json, serving

from tandem import bootstrap
from tandem.config import Settings, SyncSettings
from tandem.connectors.google import GoogleCalendar
from tandem.domain.activity import Origin
from tandem.hub.models import Activity as ActivityRow
from tandem.hub.services import activities, calendar_setup, counters, entities, lookup, masters
from tandem.hub.services.activities import ActivityDraft, Actor
from tandem.hub.services.drafts import draft_of

__all__ = [
    "ACTOR",
    "Organisation",
    "emulator",
    "emulator_counts",
    "environment",
    "fresh_database",
    "pct",
    "run",
    "run_json",
    "serving",
]

ACTOR = Actor(Origin.API, "bench")


# ---------------------------------------------------------------------- the emulator


def _serve_emulator(users: list[str], key_dir: str, pipe: Connection) -> None:
    """The child: the emulator with the users and a service account allowed to act for them,
    rate limits out of the way, until told to stop."""
    from tandem.emulators.google import CALENDAR_SCOPE, EmulatorServer

    with EmulatorServer(domain="example.com", users=users) as server:
        account = server.state.register_service_account(key_dir=Path(key_dir))
        server.state.grant_delegation(account.client_id, [CALENDAR_SCOPE])
        server.state.configure_quota(user_per_minute=10**9, project_per_minute=10**9)
        server.state.configure_abuse_limits(events_created_per_day=10**9)
        pipe.send(server.base_url)
        pipe.recv()


@contextmanager
def emulator(users: list[str]) -> Iterator[tuple[str, Path]]:
    """The Google emulator on a loopback port in a child process (so this process's CPU is
    the client's alone); yields its base URL and the directory of the service account's
    `key.json`. Google's rate limits are raised out of the way: the figures are Tandem's."""
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as key_dir:
        ours, theirs = context.Pipe()
        child = context.Process(target=_serve_emulator, args=(users, key_dir, theirs), daemon=True)
        child.start()
        try:
            yield ours.recv(), Path(key_dir)
        finally:
            ours.send("stop")
            child.join(timeout=30)
            if child.is_alive():
                child.kill()


async def emulator_counts(control: httpx.AsyncClient, reset: bool = False) -> dict[str, int]:
    """Requests the emulator received (since the last reset), summed over users per endpoint."""
    answer = await (control.delete if reset else control.get)("/emulator/counters")
    totals: dict[str, int] = {}
    for per_user in answer.json()["counts"].values():
        for endpoint, number in per_user.items():
            totals[endpoint] = totals.get(endpoint, 0) + number
    return totals


# ---------------------------------------------------------------------- the hub


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[str]:
    """An empty hub database: a new SQLite file in `directory`, or a throwaway PostgreSQL
    database on 127.0.0.1:5432 (created, then dropped after, as the tests do)."""
    if kind == "postgresql":
        with fresh_postgres_database(prefix="tandem_bench") as url:
            yield url
    elif kind == "sqlite":
        with fresh_sqlite_database(directory) as url:
            yield url
    else:
        raise ValueError(f"unknown database kind {kind!r}")


class Organisation:
    """The hub with its users and activities, its calendar connection one of `use_google`
    (the emulator) or `use_caldav` (a CalDAV server such as Radicale)."""

    def __init__(self, database_url: str, directory: Path) -> None:
        settings = Settings(database_url=database_url, secret_key_file=directory / "tandem.key", sync=SyncSettings())
        self.t = bootstrap.build(settings)
        self.t.upgrade()
        with self.t.db.write() as session:
            counters.settings(session)
            values = {"name": "Meeting", "category": "CalendarEntry", "is_default": True, "calendar_sync": True}
            self.type_guid = masters.save(session, entities.ACTIVITY_TYPES, None, values).guid
        self.users: dict[str, str] = {}
        self.guids: dict[str, list[str]] = {}

    def use_google(self, base_url: str, key_dir: Path) -> Organisation:
        """The emulator at `base_url` as the calendars, its service account's key in `key_dir`."""
        self.base_url = base_url
        key = (key_dir / "key.json").read_bytes()
        with self.t.db.write() as session:
            calendar_setup.configure(
                session,
                self.t.secrets(),
                key=key,
                password=None,
                service_account_email=json.loads(key)["client_email"],
                token_uri=f"{base_url}/token",
                api_root=f"{base_url}/calendar/v3",
                batch_uri=f"{base_url}/batch/calendar/v3",
            )
            calendar_setup.set_enabled(session, True)
        return self

    def use_caldav(self, url_template: str, username: str, password: str) -> Organisation:
        """A CalDAV server as the calendars: each user's at `url_template` ({email} in it)."""
        with self.t.db.write() as session:
            calendar_setup.configure_caldav(
                session, self.t.secrets(), url=url_template, discover=False, username=username, password=password
            )
            calendar_setup.set_enabled(session, True)
        return self

    def add_users(self, emails: list[str]) -> None:
        with self.t.db.write() as session:
            for email in emails:
                first, _, _ = email.partition("@")
                values = {"first_name": first, "last_name": "Bench", "email": email, "time_zone": "Europe/Helsinki"}
                self.users[email] = masters.save(
                    session, entities.USERS, None, values | {"calendar_sync_enabled": True}
                ).guid

    def add_activities(self, email: str, count: int, chunk: int = 500) -> None:
        """`count` activities over the next weeks, through the hub services (the change log
        included), `chunk` per transaction."""
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        owner = self.users[email]
        made = self.guids.setdefault(email, [])
        for first in range(0, count, chunk):
            with self.t.db.write() as session:
                for n in range(first, min(count, first + chunk)):
                    at = start + timedelta(hours=n % 2000)
                    draft = ActivityDraft(
                        f"{email} meeting {n}", self.type_guid, owner, at, at + timedelta(hours=1), location="Room 4"
                    )
                    made.append(activities.create(session, draft, ACTOR).guid)

    def rename(self, guid: str, name: str) -> None:
        with self.t.db.write() as session:
            row = lookup.get(session, ActivityRow, guid)
            activities.update(session, row, draft_of(row, name=name), ACTOR)

    def create(self, email: str, name: str, at: datetime) -> str:
        draft = ActivityDraft(name, self.type_guid, self.users[email], at, at + timedelta(hours=1))
        with self.t.db.write() as session:
            guid = activities.create(session, draft, ACTOR).guid
        self.guids[email].append(guid)
        return guid

    def calendar(self) -> GoogleCalendar:
        calendar = self.t.calendar()
        assert isinstance(calendar, GoogleCalendar)
        return calendar


# ---------------------------------------------------------------------- figures


def pct(values: list[float], p: float) -> float:
    """The p-th percentile, nearest rank: a value that was measured (`inf` stays `inf`, so a
    timed-out sample counts as the miss it is); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]
