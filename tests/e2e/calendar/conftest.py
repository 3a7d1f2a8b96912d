"""An organisation with Google Workspace: the hub (SQLite or PostgreSQL), the Google
emulator over real HTTP, and Tandem configured with the service account's key."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.domain.activity import Activity
from tandem.emulators.google import CALENDAR_SCOPE, EmulatorServer, ServiceAccount
from tandem.hub.adapters.activities import HubPsa
from tandem.hub.models import ActivityType, User
from tandem.hub.services import calendar_setup, counters, entities, masters
from tandem.hub.services.drafts import ParticipantDraft
from tandem.runtime.user_sync import RunReport
from tests.integration.google_emulator.helpers import Calendar
from tests.support import factories
from tests.support.google import Workspace

GOOGLE_USERS = ("alice@example.com", "bob@example.com", "carol@example.com")
ALICE, BOB, CAROL = GOOGLE_USERS
DAVE = "dave@example.com"  # a PSA user without a Google account
OUTSIDER = "guest@partner.example"
CONTACT_EMAIL = "cy.client@customer.example"
ROOM_EMAIL = "room1@example.com"


@pytest.fixture(scope="module")
def google(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    keys = tmp_path_factory.mktemp("google-keys")
    with EmulatorServer(domain="example.com", users=list(GOOGLE_USERS)) as server:
        account: ServiceAccount = server.state.register_service_account(key_dir=keys)
        workspace = Workspace(server, account, keys)
        yield workspace
        workspace.close()


def soon(days: float = 2, hour: int = 9) -> datetime:
    """A time in the near future, on the hour (never 'past', CAL-11)."""
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=days)
    return base.replace(hour=hour)


class CustomerMeeting(NamedTuple):
    """What World.customer_meeting made: the meeting's guid and its customer's, contact's and room's."""

    guid: str
    customer_guid: str
    contact_guid: str
    room_guid: str


@dataclass
class World:
    tandem: bootstrap.Tandem
    google: Workspace
    users: dict[str, User]
    types: dict[str, ActivityType]
    reports: list[RunReport] = field(default_factory=list)

    @property
    def server(self) -> EmulatorServer:
        return self.google.server

    def sync(self, *emails: str, **options: Any) -> RunReport:
        """One sync run per user, as the runtime would do it; returns the last report."""

        async def run() -> RunReport:
            calendar = self.tandem.calendar()
            assert calendar is not None
            async with calendar:
                report = None
                for email in emails:
                    report = await self.tandem.user_sync(calendar).run(self.users[email].guid, **options)
                    self.reports.append(report)
                assert report is not None
                return report

        return asyncio.run(run())

    def calendar(self, email: str) -> Calendar:
        return self.google.calendar_of(email)

    def events(self, email: str, **params: Any) -> list[dict[str, Any]]:
        return self.google.events_of(email, **params)

    def titles(self, email: str) -> list[str]:
        return sorted(e.get("summary", "") for e in self.events(email))

    def activities(self) -> list[Activity]:
        psa = HubPsa(self.tandem.db)
        with self.tandem.db.read() as session:
            from tandem.hub.models import Activity as Row

            guids = list(session.scalars(sa.select(Row.guid).where(Row.is_deleted.is_(False))))
        return sorted(psa.get_activities(guids).values(), key=lambda a: (a.name, a.guid))

    def activity(self, name: str) -> Activity:
        found = [a for a in self.activities() if a.name == name]
        assert len(found) == 1, [a.name for a in self.activities()]
        return found[0]

    def create(
        self, email: str, name: str, start: datetime | date, hours: float = 1, kind: str = "Meeting", **kw: Any
    ) -> str:
        """An activity made in the PSA (through the services); `end` defaults to `hours` later."""
        end = kw.pop("end", None) or start + timedelta(hours=hours)
        return factories.activity(self.tandem, self.users[email], self.types[kind], start, end, name=name, **kw)

    def standup(self, hour: int = 9, **kw: Any) -> tuple[str, datetime]:
        """Alice's daily "Standup", three occurrences from soon(2, hour), made in the PSA and
        synced once: (the series' guid, its first start)."""
        first = soon(2, hour=hour)
        series = self.create(ALICE, "Standup", first, rrule="FREQ=DAILY;COUNT=3", **kw)
        self.sync(ALICE)
        return series, first

    def contact_and_room(self, customer_guid: str, contact_email: str | None = CONTACT_EMAIL) -> tuple[str, str]:
        """A contact of the customer (Cy Client, with this email or none) and a room (Room 1,
        ROOM_EMAIL), made through the hub's services: (contact guid, room guid)."""
        contact: dict[str, Any] = {"first_name": "Cy", "last_name": "Client", "customer_guid": customer_guid}
        if contact_email is not None:
            contact["email"] = contact_email
        with self.tandem.db.write() as session:
            contact_guid = masters.save(session, entities.CONTACTS, None, contact).guid
            room_guid = masters.save(session, entities.RESOURCES, None, {"name": "Room 1", "email": ROOM_EMAIL}).guid
        return contact_guid, room_guid

    def customer_meeting(self, name: str, *people: ParticipantDraft) -> CustomerMeeting:
        """Alice's meeting, soon(2), for a new customer Acme: the people, then Acme's contact and a
        room (contact_and_room) as participants."""
        acme = factories.customer(self.tandem, "Acme")
        contact, room = self.contact_and_room(acme.guid)
        guid = self.create(
            ALICE,
            name,
            soon(2),
            customer_guid=acme.guid,
            participants=(*people, ParticipantDraft("Contact", contact), ParticipantDraft("Resource", room)),
        )
        return CustomerMeeting(guid, acme.guid, contact, room)

    def change_user(self, who: str, /, **values: Any) -> None:
        """Change a user through the hub's services (as the API or the admin would)."""
        from tandem.hub.services import lookup

        with self.tandem.db.write() as session:
            row = lookup.get(session, User, self.users[who].guid)
            masters.save(session, entities.USERS, row, values)

    def requests(self, email: str) -> int:
        """API requests the emulator received acting as this user."""
        return sum(self.server.state.request_counts().get(email, {}).values())

    def mails(self) -> list[tuple[str, str, str]]:
        """(recipient, kind, summary) of every email Google would have sent."""
        return [(n.recipient, n.kind, n.summary or "") for n in self.server.state.notifications()]


@pytest.fixture
def world(tandem: bootstrap.Tandem, google: Workspace) -> World:
    state = google.server.state
    state.reset()
    state.grant_delegation(google.account.client_id, [CALENDAR_SCOPE])
    google.configure(tandem)
    types = {
        "Meeting": factories.activity_type(tandem, "Meeting", "CalendarEntry", is_default=True, calendar_sync=True),
        "Personal": factories.activity_type(tandem, "Personal", "Personal", calendar_sync=True),
        "Sales": factories.activity_type(tandem, "Sales call", "SalesEvent", calendar_sync=False),
        "Task": factories.activity_type(tandem, "Task", "Task", calendar_sync=True),
    }
    users = {
        email: factories.user(
            tandem,
            email=email,
            first_name=email.split("@")[0].title(),
            last_name="Example",
            calendar_sync_enabled=True,
            time_zone="Europe/Helsinki",
        )
        for email in (*GOOGLE_USERS, DAVE)
    }
    with tandem.db.write() as session:
        calendar_setup.set_enabled(session, True)
        counters.settings(session)
    return World(tandem, google, users, types)


def event_body(summary: str, start: datetime, hours: float = 1, **extra: Any) -> dict[str, Any]:
    return {
        "summary": summary,
        "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Helsinki"},
        "end": {"dateTime": (start + timedelta(hours=hours)).isoformat(), "timeZone": "Europe/Helsinki"},
        **extra,
    }


def instance_id(series_event_id: str, original: datetime | date) -> str:
    """Google's id of one occurrence of a series, by the occurrence's original start."""
    if isinstance(original, datetime):
        return f"{series_event_id}_{original.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{series_event_id}_{original:%Y%m%d}"


def reschedule(to: datetime, hours: float = 1) -> dict[str, Any]:
    """A patch that moves an event to start at `to`, lasting `hours`."""
    return {"start": {"dateTime": to.isoformat()}, "end": {"dateTime": (to + timedelta(hours=hours)).isoformat()}}
