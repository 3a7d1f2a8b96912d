"""The `PsaPort` contract (tests/support/psa_contract.py) on the hub in process (`HubPsa`),
on SQLite and PostgreSQL (the `tandem` fixture runs once per database); its users and
activity type are made through the hub's services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.domain.activity import Recurrence
from tandem.hub.adapters.activities import HubPsa
from tandem.hub.models import Activity as ActivityRow
from tandem.hub.services import entities, masters
from tandem.hub.services.drafts import ParticipantDraft
from tests.support import factories
from tests.support.psa_contract import PsaContract, PsaWorld


@pytest.fixture
def psa_world(tandem: bootstrap.Tandem) -> PsaWorld:
    owner, colleague = factories.user(tandem), factories.user(tandem)
    kind = factories.activity_type(tandem, "Meeting", "CalendarEntry", is_default=True, calendar_sync=True)
    return PsaWorld(HubPsa(tandem.db), owner.guid, colleague.guid, kind.guid)


class TestHubPsaContract(PsaContract):
    pass


def test_the_sync_reads_every_reference_the_rows_hold(tandem: bootstrap.Tandem) -> None:
    """`HubPsa` reads activities with plain queries (`activity_reads`), not the ORM's object
    graph: what it returns names the same type, owner, customer, project, participants and
    series that the rows themselves refer to."""
    owner, colleague = factories.user(tandem), factories.user(tandem)
    kind = factories.activity_type(tandem, "Customer meeting", "CalendarEntry", calendar_sync=True)
    acme = factories.customer(tandem, "Acme")
    launch = factories.project(tandem, acme, owner, "Launch")
    with tandem.db.write() as session:
        contact = masters.save(
            session, entities.CONTACTS, None, {"first_name": "Cy", "last_name": "Client", "customer_guid": acme.guid}
        )
        room = masters.save(session, entities.RESOURCES, None, {"name": "Room 1", "email": "room1@example.com"})
        contact_guid, room_guid = contact.guid, room.guid
    people = (
        ParticipantDraft("User", colleague.guid, status="Accepted"),
        ParticipantDraft("Contact", contact_guid),
        ParticipantDraft("Resource", room_guid),
        ParticipantDraft("Other", email="guest@elsewhere.example", name="Guest"),
    )
    start = datetime(2026, 12, 7, 9, tzinfo=UTC)
    series = factories.activity(
        tandem,
        owner,
        kind,
        start,
        start + timedelta(hours=1),
        "Weekly",
        customer_guid=acme.guid,
        project_guid=launch.guid,
        participants=people,
        rrule="FREQ=WEEKLY;COUNT=5",
        exdates=(start + timedelta(days=14),),
        notes="agenda",
    )
    moved = factories.activity(
        tandem,
        owner,
        kind,
        start + timedelta(days=7, hours=2),
        start + timedelta(days=7, hours=3),
        "Weekly (moved)",
        recurrence_parent_guid=series,
        original_start=start + timedelta(days=7),
    )
    holiday = factories.activity(tandem, owner, kind, date(2026, 12, 24), date(2026, 12, 27), "Away", is_all_day=True)

    read = HubPsa(tandem.db).get_activities({series, moved, holiday})
    assert set(read) == {series, moved, holiday}
    assert {a.guid for a in HubPsa(tandem.db).activities_of_user(colleague.guid)} == {series}
    with tandem.db.read() as session:
        for guid, activity in read.items():
            row = session.scalars(sa.select(ActivityRow).where(ActivityRow.guid == guid)).one()
            assert activity.type_guid == row.activity_type.guid == kind.guid
            assert activity.owner_guid == row.owner.guid == owner.guid
            assert activity.customer_guid == (row.customer.guid if row.customer else None)
            assert activity.project_guid == (row.project.guid if row.project else None)
            assert activity.recurrence_parent_guid == (row.recurrence_parent.guid if row.recurrence_parent else None)
            assert [(p.kind.value, p.ref_guid, p.email, p.status.value) for p in activity.participants] == [
                (
                    p.kind,
                    (p.user or p.contact or p.resource).guid if (p.user or p.contact or p.resource) else None,
                    p.email,
                    p.status,
                )
                for p in row.participants
            ]
    assert (read[series].customer_guid, read[series].project_guid) == (acme.guid, launch.guid)
    assert [p.ref_guid for p in read[series].participants] == [colleague.guid, contact_guid, room_guid, None]
    assert read[series].recurrence == Recurrence("FREQ=WEEKLY;COUNT=5", (start + timedelta(days=14),))
    assert (read[moved].recurrence_parent_guid, read[moved].original_start) == (series, start + timedelta(days=7))
    assert (read[holiday].start, read[holiday].end, read[holiday].is_all_day) == (
        date(2026, 12, 24),
        date(2026, 12, 27),
        True,
    )
