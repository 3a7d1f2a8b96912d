"""An organisation whose calendars are on a CalDAV server (BEY-1): the hub (SQLite or
PostgreSQL), a real Radicale on a free loopback port, and Tandem configured with it through
`calendar_setup.configure_caldav`, as an admin would (a URL template with {email}, one
password for every user).

One Radicale per module (a process start costs ~0.5 s); each test gets calendars of its own
(MKCALENDAR under a new name for Alice, Bob and Carol). Dave is a PSA user without an account
on the server. The calendar side is seen as a calendar app sees it, through the `caldav`
client library: whole resources, their iCalendar text, their own UIDs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import caldav
import httpx
import icalendar
import pytest

from tandem import bootstrap
from tandem.hub.services import calendar_setup
from tandem.sync.ids import event_id_for
from tests.e2e.calendar.conftest import ALICE, BOB, CAROL, DAVE
from tests.support.calendar_world import HubSide, organisation
from tests.support.radicale import RadicaleServer

CALDAV_USERS = (ALICE, BOB, CAROL)
PASSWORD = "radicale-pa55"


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    users = dict.fromkeys(CALDAV_USERS, PASSWORD)
    with RadicaleServer(tmp_path_factory.mktemp("radicale"), users=users) as server:
        yield server


def stamp(moment: datetime | date) -> str:
    """An iCalendar DATE-TIME in UTC (or a DATE)."""
    if isinstance(moment, datetime):
        return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{moment:%Y%m%d}"


def vevent(uid: str, summary: str, start: datetime, hours: float = 1, extra: str = "") -> str:
    """An event as a calendar app writes it: its own UID, times in UTC, `extra` lines as given."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//A calendar app//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:{stamp(datetime.now(UTC))}\r\nDTSTART:{stamp(start)}\r\n"
        f"DTEND:{stamp(start + timedelta(hours=hours))}\r\nSUMMARY:{summary}\r\n{extra}"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@dataclass
class CaldavWorld(HubSide):
    radicale: RadicaleServer = field(kw_only=True)
    folder: str = field(kw_only=True)
    """The name of this test's calendars, the same in every user's calendar home."""

    def url(self, email: str) -> str:
        return f"{self.radicale.url}/{email}/{self.folder}/"

    def app(self, email: str) -> caldav.Calendar:
        """The user's calendar, as their calendar app opens it."""
        client = caldav.DAVClient(url=self.url(email), username=email, password=PASSWORD)
        return client.calendar(url=self.url(email))

    def resources(self, email: str) -> dict[str, icalendar.Calendar]:
        """Every resource of the user's calendar, by its name (without `.ics`)."""
        found = {}
        for event in self.app(email).events():
            name = str(event.url).rstrip("/").rsplit("/", 1)[-1].removesuffix(".ics")
            found[name] = event.icalendar_instance
        return found

    def entries(self, email: str) -> dict[str, icalendar.Event]:
        """The events of the user's calendar by resource name: each resource's main VEVENT
        (a series' master, not its moved occurrences)."""
        return {name: _main(resource) for name, resource in self.resources(email).items()}

    def entry(self, email: str, title: str) -> icalendar.Event:
        (found,) = [e for e in self.entries(email).values() if str(e.get("summary")) == title]
        return found

    def titles(self, email: str) -> list[str]:
        return sorted(str(e.get("summary", "")) for e in self.entries(email).values())

    def of(self, email: str, guid: str) -> icalendar.Event:
        """The event Tandem wrote for an activity, read at its own name."""
        answer = httpx.get(f"{self.url(email)}{event_id_for(guid)}.ics", auth=(email, PASSWORD))
        assert answer.status_code == 200, answer.text
        return _main(icalendar.Calendar.from_ical(answer.text))

    def add(self, email: str, text: str) -> None:
        """An event made in the user's calendar app."""
        self.app(email).add_event(text)

    def edit(self, email: str, uid: str, **properties: object) -> None:
        """The user changes properties of an event in their app (which saves the whole resource)."""
        event = self.app(email).event_by_uid(uid)
        component = event.icalendar_component
        for name, value in properties.items():
            component.pop(name.upper(), None)
            component.add(name.upper(), value)
        event.save()

    def remove(self, email: str, uid: str) -> None:
        self.app(email).event_by_uid(uid).delete()


def _main(resource: icalendar.Calendar) -> icalendar.Event:
    (main,) = [c for c in resource.walk("VEVENT") if "RECURRENCE-ID" not in c]
    return main


@pytest.fixture
def world(tandem: bootstrap.Tandem, radicale: RadicaleServer) -> CaldavWorld:
    folder = uuid.uuid4().hex
    for email in CALDAV_USERS:
        made = httpx.request("MKCALENDAR", f"{radicale.url}/{email}/{folder}/", auth=(email, PASSWORD))
        assert made.status_code == 201, made.text
    with tandem.db.write() as session:
        calendar_setup.configure_caldav(
            session,
            tandem.secrets(),
            url=f"{radicale.url}/{{email}}/{folder}/",
            discover=False,
            username="{email}",
            password=PASSWORD,
        )
    users, types = organisation(tandem, (*CALDAV_USERS, DAVE))
    return CaldavWorld(tandem, users, types, radicale=radicale, folder=folder)
