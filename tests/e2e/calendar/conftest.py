"""An organisation with Google Workspace: the hub (SQLite or PostgreSQL), the Google
emulator over real HTTP, and Tandem configured with the service account's key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

import pytest

from tandem import bootstrap
from tandem.emulators.google import CALENDAR_SCOPE, EmulatorServer, ServiceAccount
from tandem.hub.services import entities, masters
from tandem.hub.services.drafts import ParticipantDraft
from tests.integration.google_emulator.helpers import Calendar
from tests.support import factories
from tests.support.calendar_world import HubSide, organisation
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
class World(HubSide):
    google: Workspace = field(kw_only=True)

    @property
    def server(self) -> EmulatorServer:
        return self.google.server

    def calendar(self, email: str) -> Calendar:
        return self.google.calendar_of(email)

    def events(self, email: str, **params: Any) -> list[dict[str, Any]]:
        return self.google.events_of(email, **params)

    def titles(self, email: str) -> list[str]:
        return sorted(e.get("summary", "") for e in self.events(email))

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
    users, types = organisation(tandem, (*GOOGLE_USERS, DAVE))
    return World(tandem, users, types, google=google)


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
