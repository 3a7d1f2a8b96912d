"""What `TANDEM_DEMO_CALENDAR_KIND=google make run` gives a newcomer: `tandem serve` on a
fresh database with the demo organisation and the demo calendar on the Google emulator beside
it (the Google path; `make run`'s default, an embedded CalDAV server, is test_demo_caldav.py's),
syncing on its own.

One `tandem serve` for the module; each test looks at the demo after every demo user's
first sync: in the demo's Google (over the API, as the user) and in the hub's database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.config import Settings
from tandem.connectors.google import GoogleCalendar
from tandem.demo.organisation import ZONE, coming_monday
from tandem.domain.activity import Activity, ActivityCategory, ParticipantKind, Recurrence
from tandem.hub.adapters.activities import HubPsa
from tandem.hub.models import Activity as ActivityRow
from tandem.hub.models import ActivityType, Contact, User
from tandem.sync.ids import event_id_for
from tests.support.processes import demo_environment, free_port, serving

AINO, BEN, CARLA, DEV = (
    "aino.admin@example.com",
    "ben.berg@example.com",
    "carla.campos@example.com",
    "dev.dutta@example.com",
)
NINA = "nina@northwind.example"  # Northwind's contact: a participant of the kick-off, in the PSA only
PARTNER = "partner@consultancy.example"


@dataclass
class Demo:
    tandem: bootstrap.Tandem
    google: str
    """The demo calendar's base URL (the emulator: its API and its /emulator/ controls)."""
    monday: date
    """The demo's week: the Monday after the day it was loaded."""

    def at(self, day: int, hour: int, minute: int = 0) -> datetime:
        """Wall time in Helsinki, `day` days after the demo's Monday (as the demo makes them)."""
        return datetime.combine(self.monday + timedelta(days=day), clock(hour, minute), ZoneInfo(ZONE))

    def users(self) -> dict[str, User]:
        with self.tandem.db.read() as session:
            return {u.email: u for u in session.scalars(sa.select(User)) if u.email}

    def activities(self, name: str) -> list[Activity]:
        """The hub's live activities called `name`, as the sync sees them."""
        with self.tandem.db.read() as session:
            named = sa.select(ActivityRow.guid).where(ActivityRow.name == name, ActivityRow.is_deleted.is_(False))
            guids = list(session.scalars(named))
        return sorted(HubPsa(self.tandem.db).get_activities(guids).values(), key=lambda a: a.start.isoformat())

    def api(self, email: str, path: str, **params: str) -> Any:
        """GET on `email`'s primary calendar through the Calendar API, acting as that user."""
        settings = self.tandem.calendar_settings()
        assert settings is not None

        async def token() -> str:
            async with GoogleCalendar.from_settings(settings) as calendar:
                return await calendar.tokens.token(email)

        answer = httpx.get(
            f"{settings.endpoints.api_root}/calendars/primary{path}",
            params=params,
            headers={"Authorization": f"Bearer {asyncio.run(token())}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def events(self, email: str) -> list[dict[str, Any]]:
        """The user's live events as Google lists them (series as one event each)."""
        items: list[dict[str, Any]] = self.api(email, "/events", maxResults="2500")["items"]
        return items

    def event(self, email: str, summary: str) -> dict[str, Any]:
        found = [e for e in self.events(email) if e.get("summary") == summary]
        assert len(found) == 1, [e.get("summary") for e in self.events(email)]
        return found[0]

    def titles(self, email: str) -> list[str]:
        view = httpx.get(f"{self.google}/emulator/calendars/{email}", timeout=5)
        assert view.status_code == 200, view.text
        return [str(e.get("summary", "")) for e in view.json()["items"]]


def _first_sync_done(t: bootstrap.Tandem) -> bool:
    """Every demo user's sync has finished a run (the demo ERP's employees have theirs off)."""
    store = t.sync_store()
    with t.db.read() as session:
        guids = list(session.scalars(sa.select(User.guid).where(User.calendar_sync_enabled)))
    return bool(guids) and all(any(r.finished_at for r in store.last_runs(g, limit=5)) for g in guids)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    directory: Path = tmp_path_factory.mktemp("demo")
    port = free_port()
    env = demo_environment(directory, port, TANDEM_DEMO_CALENDAR_KIND="google", TANDEM_SYNC__POLL_INTERVAL_S="1")
    today = datetime.now(UTC).date()  # the day the demo loads with (unless the server starts past midnight UTC)
    with serving(env, directory) as base:
        assert httpx.get(base + "/heartbeat/database").text == "Database is alive."
        t = bootstrap.build(
            Settings(database_url=env["TANDEM_DATABASE_URL"], secret_key_file=Path(env["TANDEM_SECRET_KEY_FILE"]))
        )
        try:
            deadline = time.monotonic() + 90
            while not _first_sync_done(t):
                assert time.monotonic() < deadline, f"no first sync:\n{next(directory.glob('serve-*.log')).read_text()}"
                time.sleep(0.5)
            yield Demo(t, f"http://127.0.0.1:{port}", coming_monday(today))
        finally:
            t.close()


def test_make_run_serves_the_demo_organisation_and_syncs_its_calendars(demo: Demo) -> None:
    assert "Team weekly" in demo.titles(AINO)
    assert "Kick-off: ERP renewal" in demo.titles(BEN)
    assert "Prepare steering group slides" not in demo.titles(BEN)  # a project task (CAL-12)


def test_cal_9_the_demo_team_weekly_has_one_occurrence_moved_in_google_and_in_the_hub(demo: Demo) -> None:
    users = demo.users()
    series, moved = demo.activities("Team weekly")
    assert (series.recurrence_parent_guid, series.owner_guid) == (None, users[AINO].guid)
    assert (series.start, series.end) == (demo.at(0, 9), demo.at(0, 9, 30))
    assert series.recurrence == Recurrence("FREQ=WEEKLY;BYDAY=MO")  # no occurrence cancelled: one moved
    people = {(p.kind, p.ref_guid) for p in series.participants if p.kind is ParticipantKind.USER}
    assert people == {(ParticipantKind.USER, users[BEN].guid), (ParticipantKind.USER, users[CARLA].guid)}
    # in the hub: an exception of the series, naming the occurrence it replaces
    assert (moved.recurrence_parent_guid, moved.recurrence) == (series.guid, None)
    assert moved.original_start == demo.at(7, 9)  # the second Monday, 09:00 …
    assert (moved.start, moved.end) == (demo.at(8, 13), demo.at(8, 13, 30))  # … is on Tuesday at 13:00

    # in Google: one series, its instances expanded show the moved time where the second Monday was
    instances = demo.api(
        AINO,
        f"/events/{event_id_for(series.guid)}/instances",
        timeMin=demo.at(0, 0).isoformat(),
        timeMax=demo.at(21, 0).isoformat(),
    )["items"]
    shown = [
        (datetime.fromisoformat(i["start"]["dateTime"]), datetime.fromisoformat(i["originalStartTime"]["dateTime"]))
        for i in instances
    ]
    assert shown == [
        (demo.at(0, 9), demo.at(0, 9)),
        (demo.at(8, 13), demo.at(7, 9)),
        (demo.at(14, 9), demo.at(14, 9)),
    ]
    assert [i["summary"] for i in instances] == ["Team weekly"] * 3
    series_id = event_id_for(series.guid)
    listed = [
        (e["id"], e.get("recurrence"), e.get("recurringEventId"))
        for e in demo.events(AINO)
        if e.get("summary") == "Team weekly"
    ]
    # listed without singleEvents: the series and its one exception (its own id, the series')
    assert listed == [
        (series_id, ["RRULE:FREQ=WEEKLY;BYDAY=MO"], None),
        (f"{series_id}_{demo.at(7, 9).astimezone(UTC):%Y%m%dT%H%M%SZ}", None, series_id),
    ]
    # the colleagues see the same series, moved occurrence and all, in their own calendars
    copy = demo.api(
        BEN, f"/events/{event_id_for(series.guid)}/instances", timeMin=demo.at(7, 0).isoformat(), maxResults="1"
    )["items"]
    assert [datetime.fromisoformat(i["start"]["dateTime"]) for i in copy] == [demo.at(8, 13)]


def test_cal_14_the_demo_kick_off_invites_the_colleague_and_never_the_customer_contact(demo: Demo) -> None:
    users = demo.users()
    (meeting,) = demo.activities("Kick-off: ERP renewal")
    with demo.tandem.db.read() as session:
        nina = session.scalars(sa.select(Contact.guid).where(Contact.email == NINA)).one()
    # in the hub the contact is a participant …
    assert {(p.kind, p.ref_guid) for p in meeting.participants if p.kind is not ParticipantKind.OTHER} == {
        (ParticipantKind.USER, users[CARLA].guid),
        (ParticipantKind.CONTACT, nina),
    }
    # … in Google only the colleague and the external partner are attendees (CAL-14 b)
    event = demo.event(BEN, "Kick-off: ERP renewal")
    assert event["id"] == event_id_for(meeting.guid)
    assert sorted(a["email"] for a in event["attendees"]) == sorted([CARLA, PARTNER])
    assert "Kick-off: ERP renewal" in demo.titles(CARLA)  # the colleague's copy
    mails = httpx.get(f"{demo.google}/emulator/notifications", timeout=5).json()["notifications"]
    kick_off = sorted(m["recipient"] for m in mails if m["summary"] == "Kick-off: ERP renewal")
    assert kick_off == sorted([CARLA, PARTNER])  # the contact is never mailed (CAL-16)


def test_bey_10_the_demo_out_of_office_comes_into_the_hub_as_an_absence(demo: Demo) -> None:
    users = demo.users()
    entry = demo.event(DEV, "Out of office")  # one: the sync did not write it back as a second entry
    assert entry["eventType"] == "outOfOffice"
    with demo.tandem.db.read() as session:
        absence = session.scalars(sa.select(ActivityType.guid).where(ActivityType.category == "Absences")).one()
    (away,) = demo.activities("Out of office")
    assert (away.type_guid, away.category) == (absence, ActivityCategory.ABSENCES)
    assert away.owner_guid == users[DEV].guid
    assert (away.start, away.end) == (demo.at(2, 8), demo.at(2, 16))  # the coming Wednesday, 08:00–16:00
