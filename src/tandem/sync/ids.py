"""Deterministic identities on both sides, so that no retry ever duplicates (BEY-3).

An activity's calendar event id is its guid's 128 bits in base32hex (RFC 4648 §7),
lower case, without padding: 26 characters of `0-9a-v`, which Google accepts as a
client-supplied id (5–1024 characters of base32hex). A create that is retried after a
crash meets `409 duplicate` and is linked instead of written twice.

The inverse makes an event id "ours": it decodes to the activity guid. Google fans an
organiser's event out to every attendee's calendar with the *same* id, so an attendee's
copy of an event Tandem wrote decodes to the same activity and is never imported again.

An event first seen in a calendar gets a deterministic activity guid too: uuid5 of a
fixed namespace and "organiser account + event id". The organiser's account is the same
in every attendee's copy, so all participants' syncs derive the same guid and a retried
create in the hub is idempotent.

A participant's *stand-in copy* of a colleague's activity (the owner's calendar cannot hold
it: no account, or sync off; see `sync.observe.Role.STAND_IN`) has the activity's id with
`standin` after it (base32hex too): a different id from the one the owner's calendar will
use, so when the owner's calendar takes the activity over, Google's copy for the participant
never meets an id the participant's own copy still holds (Google keeps a deleted event's id).

Occurrences of a series that were moved or cancelled have their own event ids in Google,
`<series id>_<original start as YYYYMMDDTHHMMSSZ>` (or `_YYYYMMDD` for all-day series).
This module is the one place the sync derives or takes apart such an id (`event_id_of`,
`series_event_id_of`). The adapters never derive one: they read Google's ids as they come.
The Google emulator keeps its own copy of the rule (`emulators/google/recurrence.py`,
`instance_id`) on purpose: it stands for Google, and must not import Tandem.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import UTC, datetime

from tandem.domain.activity import Activity, Moment
from tandem.domain.syncstate import ACTIVITY_EVENT_ID_LENGTH, STAND_IN

EVENT_NAMESPACE = uuid.UUID("6f1c8a52-3e0b-5d7a-9c41-2b8e7f0d4a16")
"""Fixed forever: changing it would re-derive every calendar-born activity guid."""

_BASE32HEX = frozenset("0123456789abcdefghijklmnopqrstuv")
_ID_LENGTH = ACTIVITY_EVENT_ID_LENGTH


def event_id_for(activity_guid: str) -> str:
    """The calendar event id an activity is written under."""
    raw = uuid.UUID(activity_guid).bytes
    return base64.b32hexencode(raw).decode("ascii").rstrip("=").lower()


def stand_in_event_id_for(activity_guid: str) -> str:
    """The event id of a participant's stand-in copy of an activity."""
    return event_id_for(activity_guid) + STAND_IN


def guid_from_event_id(event_id: str) -> str | None:
    """The activity guid an event id encodes (a stand-in copy's too), or None when the id
    is not one of ours."""
    if len(event_id) == _ID_LENGTH + len(STAND_IN) and event_id.endswith(STAND_IN):
        event_id = event_id[:_ID_LENGTH]
    if len(event_id) != _ID_LENGTH or not set(event_id) <= _BASE32HEX:
        return None
    try:
        raw = base64.b32hexdecode(event_id.upper() + "======")
    except binascii.Error:
        return None
    guid = str(uuid.UUID(bytes=raw))
    # 26 characters carry 130 bits; only the canonical spelling (last two bits zero) is ours.
    return guid if event_id_for(guid) == event_id else None


def activity_guid_for_event(event_id: str, organiser_account: str) -> str:
    """The guid of the activity that stands for a calendar event.

    An id of ours decodes to its activity. Any other id gets uuid5 of the organiser's
    account (lower case) and the id, the same in every attendee's copy.
    """
    ours = guid_from_event_id(event_id)
    if ours is not None:
        return ours
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{organiser_account.strip().lower()}/{event_id}"))


def occurrence_stamp(original_start: Moment) -> str:
    """The suffix Google gives an occurrence of a series: its original start, in UTC."""
    if isinstance(original_start, datetime):
        if original_start.tzinfo is None:
            raise ValueError(f"naive datetime {original_start!r} as an original start")
        return original_start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return original_start.strftime("%Y%m%d")


def occurrence_event_id(series_event_id: str, original_start: Moment) -> str:
    """The event id of one occurrence of a series (Google's `<series>_<stamp>` form)."""
    return f"{series_event_id}_{occurrence_stamp(original_start)}"


def series_event_id_of(occurrence_id: str) -> str:
    """The series' event id inside an occurrence's id (the inverse of `occurrence_event_id`)."""
    return occurrence_id.rsplit("_", 1)[0]


def event_id_of(activity: Activity, series_event_id: str | None = None) -> str:
    """The calendar event id an activity stands for.

    An occurrence of a series (an activity with a parent and an original start) has its
    series' event id and its original start, as Google names it; the series' id is the
    one its link holds (`series_event_id`), or else the one derived from its guid. Any
    other activity has its own guid's id (`event_id_for`).
    """
    parent, original = activity.recurrence_parent_guid, activity.original_start
    if parent is not None and original is not None:
        return occurrence_event_id(series_event_id or event_id_for(parent), original)
    return event_id_for(activity.guid)
