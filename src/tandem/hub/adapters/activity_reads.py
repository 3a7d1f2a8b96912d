"""Reading activities for the sync: two plain queries instead of the ORM's object graph.

Loading `hub.models.Activity` rows builds the activity, its type, owner, customer, project,
phase and every participant's user, contact or resource as mapped objects, only for the
sync to read one guid of each: setting up those eager loads cost more than the rest of a
calendar run (BEY-11 load figures). Here one query selects the columns an `Activity` needs,
with the guids of what it refers to joined in, and a second one its participants; the
result is the same `Activity` that `activities.to_domain` makes of a row (a test holds the
two to that).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from tandem.domain.activity import (
    Activity,
    ActivityCategory,
    Participant,
    ParticipantKind,
    ParticipantStatus,
    Recurrence,
)
from tandem.hub.models import Activity as ActivityRow
from tandem.hub.models import ActivityParticipant, ActivityType, Contact, Customer, Phase, Project, Resource, User
from tandem.hub.services.drafts import parse_exdates

CHUNK = 500

_type = aliased(ActivityType)
_owner = aliased(User)
_customer = aliased(Customer)
_project = aliased(Project)
_phase = aliased(Phase)
_parent = aliased(ActivityRow)
_A = ActivityRow

_ACTIVITIES = (
    sa.select(
        _A.id,
        _A.guid,
        _A.name,
        _A.start_at,
        _A.end_at,
        _A.is_all_day,
        _A.start_date,
        _A.end_date,
        _A.time_zone,
        _A.location,
        _A.notes,
        _A.is_closed,
        _A.rrule,
        _A.exdates,
        _A.original_start_at,
        _A.original_start_date,
        _A.version,
        _A.updated_at,
        _A.is_deleted,
        _A.extra,
        _type.guid.label("type_guid"),
        _type.category.label("category"),
        _owner.guid.label("owner_guid"),
        _customer.guid.label("customer_guid"),
        _project.guid.label("project_guid"),
        _phase.guid.label("phase_guid"),
        _parent.guid.label("parent_guid"),
    )
    .select_from(_A)
    .join(_type, _type.id == _A.activity_type_id)
    .join(_owner, _owner.id == _A.owner_user_id)
    .outerjoin(_customer, _customer.id == _A.customer_id)
    .outerjoin(_project, _project.id == _A.project_id)
    .outerjoin(_phase, _phase.id == _A.phase_id)
    .outerjoin(_parent, _parent.id == _A.recurrence_parent_id)
)

_P = ActivityParticipant
_PARTICIPANTS = (
    sa.select(
        _P.activity_id,
        _P.guid,
        _P.kind,
        _P.status,
        _P.email,
        _P.name,
        sa.func.coalesce(User.guid, Contact.guid, Resource.guid).label("ref_guid"),
    )
    .outerjoin(User, User.id == _P.user_id)
    .outerjoin(Contact, Contact.id == _P.contact_id)
    .outerjoin(Resource, Resource.id == _P.resource_id)
    .order_by(_P.id)
)


def by_guid(session: Session, guids: Iterable[str]) -> list[Activity]:
    """The activities with these guids (deleted ones included), in no particular order."""
    wanted = list(guids)
    out: list[Activity] = []
    for i in range(0, len(wanted), CHUNK):
        out.extend(_read(session, _ACTIVITIES.where(_A.guid.in_(wanted[i : i + CHUNK]))))
    return out


def where(session: Session, condition: sa.ColumnElement[bool]) -> list[Activity]:
    """The activities meeting `condition` (on `hub.models.Activity`), in the order they were made."""
    return _read(session, _ACTIVITIES.where(condition).order_by(_A.id))


def _read(session: Session, statement: sa.Select[Any]) -> list[Activity]:
    rows = session.execute(statement).all()
    people = _participants(session, [row.id for row in rows])
    return [_activity(row, people.get(row.id, ())) for row in rows]


def _participants(session: Session, activity_ids: Sequence[int]) -> dict[int, list[Participant]]:
    out: dict[int, list[Participant]] = defaultdict(list)
    for i in range(0, len(activity_ids), CHUNK):
        for p in session.execute(_PARTICIPANTS.where(_P.activity_id.in_(activity_ids[i : i + CHUNK]))):
            out[p.activity_id].append(
                Participant(
                    kind=ParticipantKind(p.kind),
                    status=ParticipantStatus(p.status),
                    email=p.email,
                    name=p.name,
                    ref_guid=p.ref_guid,
                    guid=p.guid,
                )
            )
    return out


def _activity(row: sa.Row[Any], participants: Sequence[Participant]) -> Activity:
    start: datetime | date = row.start_date if row.is_all_day and row.start_date else row.start_at
    end: datetime | date = row.end_date if row.is_all_day and row.end_date else row.end_at
    original: datetime | date | None = row.original_start_date or row.original_start_at
    return Activity(
        guid=row.guid,
        name=row.name,
        start=start,
        end=end,
        time_zone=row.time_zone,
        type_guid=row.type_guid,
        category=ActivityCategory(row.category),
        owner_guid=row.owner_guid,
        location=row.location,
        notes=row.notes,
        is_closed=row.is_closed,
        customer_guid=row.customer_guid,
        project_guid=row.project_guid,
        phase_guid=row.phase_guid,
        recurrence=Recurrence(row.rrule, parse_exdates(row.exdates)) if row.rrule else None,
        recurrence_parent_guid=row.parent_guid,
        original_start=original,
        participants=tuple(participants),
        version=row.version,
        updated_at=row.updated_at,
        deleted=row.is_deleted,
        extra=json.loads(row.extra) if row.extra else {},
    )
