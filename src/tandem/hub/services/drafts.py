"""An activity's current state as a draft, so a caller can change a few fields of it."""

from __future__ import annotations

import dataclasses
from typing import Any

from tandem.hub.models import Activity
from tandem.hub.services.activities import ActivityDraft, ParticipantDraft


def exdates(activity: Activity) -> tuple[Any, ...]:
    import json
    from datetime import date, datetime

    out: list[Any] = []
    for text in json.loads(activity.exdates or "[]"):
        out.append(datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text))
    return tuple(out)


def participants_of(activity: Activity) -> tuple[ParticipantDraft, ...]:
    out = []
    for p in activity.participants:
        ref = p.user or p.contact or p.resource
        out.append(
            ParticipantDraft(
                kind=p.kind,
                ref_guid=ref.guid if ref is not None else None,
                email=p.email,
                name=p.name,
                status=p.status,
                phone=p.phone,
                mobile_phone=p.mobile_phone,
            )
        )
    return tuple(out)


def draft_of(activity: Activity, **changes: Any) -> ActivityDraft:
    """The draft that saves `activity` unchanged, with `changes` applied."""
    original: Any = activity.original_start_date or activity.original_start_at
    draft = ActivityDraft(
        name=activity.name,
        type_guid=activity.activity_type.guid,
        owner_guid=activity.owner.guid,
        start=activity.start_date if activity.is_all_day else activity.start_at,
        end=activity.end_date if activity.is_all_day else activity.end_at,
        is_all_day=activity.is_all_day,
        time_zone=activity.time_zone,
        location=activity.location,
        notes=activity.notes,
        is_closed=activity.is_closed,
        customer_guid=activity.customer.guid if activity.customer else None,
        phase_guid=activity.phase.guid if activity.phase else None,
        rrule=activity.rrule,
        exdates=exdates(activity),
        recurrence_parent_guid=activity.recurrence_parent.guid if activity.recurrence_parent else None,
        original_start=original,
        participants=None,
    )
    return dataclasses.replace(draft, **changes)
