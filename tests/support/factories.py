"""Small helpers that put rows into a hub through its services (as any writer would)."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

from tandem import bootstrap
from tandem.domain.activity import Origin
from tandem.hub.models import ActivityType, Customer, Project, User
from tandem.hub.services import activities, entities, masters
from tandem.hub.services.activities import ActivityDraft, Actor

_seq = itertools.count(1)
ACTOR = Actor(Origin.API, "test")


def user(t: bootstrap.Tandem, **values: Any) -> User:
    n = next(_seq)
    merged = {
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "email": f"user{n}@example.com",
        "time_zone": "Europe/Helsinki",
    } | values
    with t.db.write() as session:
        row: User = masters.save(session, entities.USERS, None, merged)
        return row


def activity_type(
    t: bootstrap.Tandem, name: str = "Meeting", category: str = "CalendarEntry", **values: Any
) -> ActivityType:
    with t.db.write() as session:
        row: ActivityType = masters.save(
            session, entities.ACTIVITY_TYPES, None, {"name": name, "category": category} | values
        )
        return row


def customer(t: bootstrap.Tandem, name: str = "Acme", **values: Any) -> Customer:
    with t.db.write() as session:
        row: Customer = masters.save(session, entities.CUSTOMERS, None, {"name": name} | values)
        return row


def project(t: bootstrap.Tandem, customer_row: Customer, owner: User, name: str = "Project", **values: Any) -> Project:
    with t.db.write() as session:
        row: Project = masters.save(
            session,
            entities.PROJECTS,
            None,
            {"name": name, "customer_guid": customer_row.guid, "owner_guid": owner.guid} | values,
        )
        return row


def activity(
    t: bootstrap.Tandem,
    owner: User,
    kind: ActivityType,
    start: datetime | date,
    end: datetime | date,
    name: str = "Meeting",
    **kw: Any,
) -> str:
    draft = ActivityDraft(name=name, type_guid=kind.guid, owner_guid=owner.guid, start=start, end=end, **kw)
    with t.db.write() as session:
        return activities.create(session, draft, ACTOR).guid


def activity_body(owner: User, kind: ActivityType, **fields: Any) -> dict[str, Any]:
    """A minimal valid ActivityModel body for POST /v1/activities."""
    body: dict[str, Any] = {
        "name": "Planning",
        "activityType": {"guid": kind.guid},
        "ownerUser": {"guid": owner.guid},
        "startDateTime": "2026-12-01T09:00:00+02:00",
        "endDateTime": "2026-12-01T10:00:00+02:00",
    }
    body.update(fields)
    return body
