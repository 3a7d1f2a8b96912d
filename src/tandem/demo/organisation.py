"""A small, realistic organisation to try Tandem with: `tandem demo-data`, and `make run`
on an empty database.

Its calendar is the coming week (Monday after the day it is loaded, so nothing is past,
CAL-11): the weekly team meeting, a series whose second occurrence is moved to Tuesday
(an exception, CAL-9); a customer kick-off with a colleague, a customer contact (PSA only,
CAL-14) and an external partner; a private dentist visit; a customer workshop; an all-day
conference of the Absences type; and a project task that never goes to the calendar (CAL-12).
The out-of-office that comes from Google is `calendar_seed`'s.

Everything goes through the services, as any other writer would; activities land in
the change log like real ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.domain.activity import Origin
from tandem.hub.models import Activity, ActivityType, Contact, Customer, Project, User
from tandem.hub.services import activities, entities, masters, passwords
from tandem.hub.services.activities import ActivityDraft, Actor, ParticipantDraft
from tandem.hub.services.organisation import set_time_zone

ZONE = "Europe/Helsinki"
DEMO_PASSWORD = "tandem-demo"  # noqa: S105 - the documented password of the demo users (docs/web.md)
"""Every demo user's password for the web's sign-in; a demo database is for trying Tandem only."""
DEMO_ADMIN = "aino.admin@example.com"
DEMO_USER = "ben.berg@example.com"
ACTOR = Actor(Origin.API, "demo-data")


@dataclass(frozen=True)
class DemoSummary:
    users: int
    activities: int
    skipped: bool = False


def coming_monday(today: date) -> date:
    """The Monday after `today`: the demo's week, all of it still ahead (CAL-11)."""
    return today + timedelta(days=7 - today.weekday())


def is_empty(session: Session) -> bool:
    return not session.scalar(sa.select(sa.func.count()).select_from(User))


def load(session: Session, today: date, *, sync_on: bool = False) -> DemoSummary:
    """Create the demo organisation; does nothing (skipped) when users already exist.
    `sync_on`: its people start with their calendar sync on (the demo calendar is there)."""
    if not is_empty(session):
        return DemoSummary(0, 0, skipped=True)
    save = masters.save
    set_time_zone(session, ZONE)  # the organisation's: a user added later gets it too
    consulting = save(session, entities.BUSINESS_UNITS, None, {"name": "Consulting", "code": "100"})
    save(session, entities.BUSINESS_UNITS, None, {"name": "Sales", "code": "200"})
    types = {
        name: save(
            session,
            entities.ACTIVITY_TYPES,
            None,
            {"name": name, "category": category, "is_default": default, "calendar_sync": sync},
        )
        for name, category, default, sync in (
            ("Meeting", "CalendarEntry", True, True),
            ("Customer meeting", "SalesEvent", False, True),
            ("Personal", "Personal", False, True),
            ("Absence", "Absences", False, True),
            ("Project task", "Task", False, False),
        )
    }
    # User codes are employee numbers, as Visma Business keeps them (EmpNo > 0), so the
    # ERP demo (`tandem erp demo-db`) takes this organisation's people as they are.
    people = [
        ("Aino", "Admin", DEMO_ADMIN, "1001", "admin"),
        ("Ben", "Berg", DEMO_USER, "1002", "user"),
        ("Carla", "Campos", "carla.campos@example.com", "1003", "user"),
        ("Dev", "Dutta", "dev.dutta@example.com", "1004", "user"),
        ("Eeva", "Eklund", "eeva.eklund@example.com", "1005", "user"),
    ]
    users = [
        save(
            session,
            entities.USERS,
            None,
            {
                "first_name": first,
                "last_name": last,
                "email": email,
                "code": code,
                "role": role,
                "time_zone": ZONE,
                "business_unit_guid": consulting.guid,
                "default_activity_type_guid": types["Meeting"].guid,
            },
        )
        for first, last, email, code, role in people
    ]
    demo_hash = passwords.hash_password(DEMO_PASSWORD)  # hashed once: it is the same for everyone
    for user in users:
        user.password_hash = demo_hash
        # With the demo calendar, as if each had switched it on in their profile: set once,
        # here, never again by Tandem (a restart keeps what each user chose since, CAL-7).
        user.calendar_sync_enabled = sync_on
    customers = []
    for name, contact_first, contact_last in (
        ("Northwind Oy", "Nina", "North"),
        ("Blue Harbour Ltd", "Harri", "Blue"),
        ("Kivi & Sons", "Kalle", "Kivi"),
    ):
        customer = save(session, entities.CUSTOMERS, None, {"name": name, "owner_guid": users[1].guid})
        save(
            session,
            entities.CONTACTS,
            None,
            {
                "first_name": contact_first,
                "last_name": contact_last,
                "customer_guid": customer.guid,
                "email": f"{contact_first.lower()}@{name.split()[0].lower()}.example",
            },
        )
        customers.append(customer)
    room = save(session, entities.RESOURCES, None, {"name": "Meeting room Aalto", "code": "ROOM-1"})
    projects = [
        save(
            session,
            entities.PROJECTS,
            None,
            {
                "name": name,
                "customer_guid": customer.guid,
                "owner_guid": users[0].guid,
                "business_unit_guid": consulting.guid,
            },
        )
        for name, customer in (("ERP renewal", customers[0]), ("Harbour analytics", customers[1]))
    ]
    for code, name in (("P100", "Consulting hour"), ("P200", "Licence")):
        save(
            session,
            entities.PRODUCTS,
            None,
            {"name": name, "code": code, "type": "FixedFees", "unit_price": Decimal("120")},
        )
    save(session, entities.WORK_TYPES, None, {"name": "Design", "code": "W10", "is_default": True})
    save(
        session,
        entities.INVOICES,
        None,
        {
            "customer_guid": customers[0].guid,
            "project_guid": projects[0].guid,
            "date": today,
            "total_excluding_tax": Decimal("2400"),
        },
    )
    count = _week_of_activities(session, today, users, types, customers, projects, room.guid)
    return DemoSummary(users=len(users), activities=count)


def _week_of_activities(
    session: Session,
    today: date,
    users: list[User],
    types: dict[str, ActivityType],
    customers: list[Customer],
    projects: list[Project],
    room_guid: str,
) -> int:
    tz = ZoneInfo(ZONE)
    monday = coming_monday(today)

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(monday + timedelta(days=day), time(hour, minute), tz)

    aino, ben, carla, dev, eeva = users
    contact = session.scalars(sa.select(Contact).where(Contact.customer_id == customers[0].id)).first()
    plans: list[ActivityDraft] = [
        ActivityDraft(
            name="Team weekly",
            type_guid=types["Meeting"].guid,
            owner_guid=aino.guid,
            start=at(0, 9),
            end=at(0, 9, 30),
            time_zone=ZONE,
            location="Meeting room Aalto",
            rrule="FREQ=WEEKLY;BYDAY=MO",
            participants=(
                ParticipantDraft("User", ben.guid),
                ParticipantDraft("User", carla.guid),
                ParticipantDraft("Resource", room_guid),
            ),
        ),
        ActivityDraft(
            name="Kick-off: ERP renewal",
            type_guid=types["Customer meeting"].guid,
            owner_guid=ben.guid,
            start=at(1, 13),
            end=at(1, 15),
            time_zone=ZONE,
            customer_guid=customers[0].guid,
            project_guid=projects[0].guid,
            notes="Agenda: scope, milestones, risks.",
            participants=(
                ParticipantDraft("User", carla.guid),
                ParticipantDraft("Contact", contact.guid if contact else None),
                ParticipantDraft("Other", email="partner@consultancy.example", name="Pat Partner"),
            ),
        ),
        ActivityDraft(
            name="Dentist",
            type_guid=types["Personal"].guid,
            owner_guid=carla.guid,
            start=at(2, 8),
            end=at(2, 9),
            time_zone=ZONE,
        ),
        ActivityDraft(
            name="Harbour analytics workshop",
            type_guid=types["Customer meeting"].guid,
            owner_guid=dev.guid,
            start=at(3, 10),
            end=at(3, 16),
            time_zone=ZONE,
            customer_guid=customers[1].guid,
            project_guid=projects[1].guid,
            location="Blue Harbour office",
            participants=(ParticipantDraft("User", eeva.guid),),
        ),
        ActivityDraft(
            name="Conference",
            type_guid=types["Absence"].guid,
            owner_guid=eeva.guid,
            start=monday + timedelta(days=4),
            end=monday + timedelta(days=5),
            is_all_day=True,
            time_zone=ZONE,
        ),
        ActivityDraft(
            name="Prepare steering group slides",
            type_guid=types["Project task"].guid,
            owner_guid=ben.guid,
            start=at(4, 12),
            end=at(4, 14),
            time_zone=ZONE,
            project_guid=projects[0].guid,
        ),
    ]
    made: list[Activity] = [activities.create(session, plan, ACTOR) for plan in plans]
    weekly = plans[0]
    moved = replace(  # the week after, the team meets on Tuesday afternoon: an exception of the series (CAL-9)
        weekly,
        start=at(8, 13),
        end=at(8, 13, 30),
        rrule=None,
        notes="Moved to Tuesday this week.",
        recurrence_parent_guid=made[0].guid,
        original_start=at(7, 9),
    )
    made.append(activities.create(session, moved, ACTOR))
    return len(made)
