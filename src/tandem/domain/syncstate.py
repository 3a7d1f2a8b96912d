"""What the calendar sync remembers between runs, as plain values the state store persists.

The sync core compares both sides against the *base snapshot*: the synced fields as both
sides last agreed on them. A side equal to its base has not changed (that is how an echo
of our own write is recognised); a side that differs has. The snapshot is stored as JSON
(`SyncedFields.to_json` / `from_json`), so the store needs no knowledge of its shape.

    Link            activity guid <-> calendar event id, for one user's calendar
    BaseSnapshot    the synced fields both sides agreed on, plus the etag/version seen then
    Intent          an item's writes in flight (saved before them, cleared by the commit)
    LinkedItem      a Link with its BaseSnapshot (and Intent): saved together
    Conflict        both sides changed a field differently: both versions, the winner
    QuarantinedItem an item one side cannot represent or a write was refused (CAL-17)
    Cursor          how far a user's sync has read the hub change log and the calendar
    RunRecord       the counts of one user's run, for the admin (BEY-4)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tandem.domain.activity import Moment, Recurrence
from tandem.domain.calendar import ResponseStatus

# ---------------------------------------------------------------------------- fields

SYNCED_FIELD_GROUPS: tuple[str, ...] = (
    "summary",
    "description",
    "location",
    "timing",
    "recurrence",
    "private",
    "attendees",
)
"""The names of the synced field groups (CAL-13). "timing" is start, end and time zone
together. Calendar adapters receive these names in `update(fields=...)`."""


@dataclass(frozen=True, slots=True)
class SyncedAttendee:
    """One attendee as both sides can express it; identity is the lower-case email."""

    email: str
    response: ResponseStatus = ResponseStatus.NEEDS_ACTION
    name: str | None = None
    is_user: bool = False
    """A PSA user of the organisation (CAL-14a), as opposed to an external person (CAL-14d)."""


@dataclass(frozen=True, slots=True)
class SyncedFields:
    """The fields calendar sync carries (CAL-13), in one canonical form for both sides.

    Instants are UTC; `time_zone` is the IANA zone of a timed item (None for all-day
    items, whose `start`/`end` are dates with an exclusive end). Empty texts are None,
    attendees are sorted by email and exclude the organiser, so two sides that say the
    same thing produce equal values.
    """

    summary: str
    description: str | None
    location: str | None
    start: Moment
    end: Moment
    time_zone: str | None
    recurrence: Recurrence | None = None
    private: bool = False
    attendees: tuple[SyncedAttendee, ...] = ()

    @property
    def is_all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict; `from_json` reads it back to an equal value."""
        return {
            "summary": self.summary,
            "description": self.description,
            "location": self.location,
            "start": _moment_to_json(self.start),
            "end": _moment_to_json(self.end),
            "time_zone": self.time_zone,
            "recurrence": _recurrence_to_json(self.recurrence),
            "private": self.private,
            "attendees": [
                {"email": a.email, "response": a.response.value, "name": a.name, "is_user": a.is_user}
                for a in self.attendees
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SyncedFields:
        return cls(
            summary=str(data["summary"]),
            description=_optional_str(data.get("description")),
            location=_optional_str(data.get("location")),
            start=_moment_from_json(data["start"]),
            end=_moment_from_json(data["end"]),
            time_zone=_optional_str(data.get("time_zone")),
            recurrence=_recurrence_from_json(data.get("recurrence")),
            private=bool(data.get("private", False)),
            attendees=tuple(
                SyncedAttendee(
                    email=str(a["email"]),
                    response=ResponseStatus(a.get("response", ResponseStatus.NEEDS_ACTION.value)),
                    name=_optional_str(a.get("name")),
                    is_user=bool(a.get("is_user", False)),
                )
                for a in data.get("attendees", ())
            ),
        )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _moment_to_json(value: Moment) -> dict[str, str]:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} in a snapshot")
        return {"datetime": value.isoformat()}
    return {"date": value.isoformat()}


def _moment_from_json(data: Mapping[str, str]) -> Moment:
    if "datetime" in data:
        parsed = datetime.fromisoformat(data["datetime"])
        if parsed.tzinfo is None:
            raise ValueError(f"naive datetime {data['datetime']!r} in a snapshot")
        return parsed
    return date.fromisoformat(data["date"])


def _recurrence_to_json(value: Recurrence | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "rrule": value.rrule,
        "exdates": [_moment_to_json(m) for m in value.exdates],
        "rdates": [_moment_to_json(m) for m in value.rdates],
    }


def _recurrence_from_json(data: Mapping[str, Any] | None) -> Recurrence | None:
    if data is None:
        return None
    return Recurrence(
        rrule=str(data["rrule"]),
        exdates=tuple(_moment_from_json(m) for m in data.get("exdates", ())),
        rdates=tuple(_moment_from_json(m) for m in data.get("rdates", ())),
    )


# ---------------------------------------------------------------------------- links


ACTIVITY_EVENT_ID_LENGTH = 26
"""An activity's own event id: its guid's 128 bits in base32hex (`sync.ids.event_id_for`)."""
STAND_IN = "standin"
"""The end of a stand-in copy's event id: the activity's id (26 characters of base32hex)
with this after it (`sync.ids.stand_in_event_id_for`; CAL-14, `sync.observe.Role.STAND_IN`)."""


def is_stand_in(event_id: str) -> bool:
    """The event id of a stand-in copy, or of an occurrence of one (`<series id>_<start>`)."""
    series = event_id.split("_", 1)[0]
    return len(series) == ACTIVITY_EVENT_ID_LENGTH + len(STAND_IN) and series.endswith(STAND_IN)


@dataclass(frozen=True, slots=True)
class Link:
    """An activity and a calendar event that are the same thing, in one user's calendar."""

    user_guid: str
    calendar_id: str
    activity_guid: str
    event_id: str
    organiser_email: str | None = None
    """The event's organiser when it is not the user: the user's copy is then read-only
    (an invitation from outside), and calendar changes only flow into the PSA."""


@dataclass(frozen=True, slots=True)
class BaseSnapshot:
    """The last version both sides agreed on (the common ancestor of a three-way merge).

    `type_guid` is the activity type at that time: a type that leaves the synced set
    (CAL-5) is noticed as a change from it. `event_etag` lets a write to an event that
    was not re-read this run still carry `If-Match`; `activity_version` likewise.
    """

    fields: SyncedFields
    type_guid: str
    activity_version: int | None
    event_etag: str | None
    saved_at: datetime


WRITE_MARK = "tandemWrite"
"""The key under which every write of the sync carries its `Intent.write_id`: in the event's
`private_properties` (Google: extendedProperties.private; CalDAV: an X- property) and in
the activity's `extra`. Adapters and the hub must keep it as written (users never see it)."""


@dataclass(frozen=True, slots=True)
class Intent:
    """An item's writes in flight: saved before the first write, cleared by the commit.

    After a crash, a side that carries `write_id` (see `WRITE_MARK`) received the write, so
    anything in it that differs from `target` is a user's edit made afterwards; a side
    without the mark did not, and is compared with its value when the write was planned.
    That tells a user's edit from our own half-finished write even when the edit put back
    the old value.
    """

    write_id: str
    target: SyncedFields
    psa_before: SyncedFields | None
    calendar_before: SyncedFields | None
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class LinkedItem:
    """A link with its base snapshot and, while writes are in flight, its intent.

    `base` is None only for an item whose first writes (a create) have not committed yet.
    """

    link: Link
    base: BaseSnapshot | None
    intent: Intent | None = None


# ---------------------------------------------------------------------------- records for the admin


@dataclass(frozen=True, slots=True)
class SavedIntent:
    """An item's intent, saved before its writes (the store's `save_intent`)."""

    link: Link
    intent: Intent


@dataclass(frozen=True, slots=True)
class SavedItem:
    """An item's commit: its link and base snapshot, intent and quarantine cleared (`save_item`)."""

    link: Link
    base: BaseSnapshot


@dataclass(frozen=True, slots=True)
class RemovedItem:
    """An item's commit that drops its link and base, quarantine cleared (`remove_item`)."""

    link: Link


ItemRecord = SavedIntent | SavedItem | RemovedItem
"""What one item records in the store at one step; many items' records share a transaction
(`SyncStateStore.record_items`), each still whole."""


class ConflictWinner(enum.StrEnum):
    PSA = "psa"
    CALENDAR = "calendar"


@dataclass(frozen=True, slots=True)
class Conflict:
    """Both sides changed the same fields differently since the base (BEY-2).

    `id` is derived from the item, the fields and the base, so recording the same
    conflict again after a crash replaces the record instead of adding one.
    """

    id: str
    user_guid: str
    activity_guid: str
    event_id: str
    fields: tuple[str, ...]
    base: SyncedFields | None
    psa: SyncedFields
    calendar: SyncedFields
    winner: ConflictWinner
    detected_at: datetime


class QuarantineSide(enum.StrEnum):
    PSA = "psa"
    CALENDAR = "calendar"


@dataclass(frozen=True, slots=True)
class QuarantinedItem:
    """An item set aside with a reason the admin can read; retried at `retry_at` (CAL-17).

    `side` is the side whose version could not be read or written.
    """

    user_guid: str
    calendar_id: str
    activity_guid: str | None
    event_id: str | None
    side: QuarantineSide
    reason: str
    retry_at: datetime
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class Cursor:
    """How far one user's sync has read both sides.

    `calendar_token` is the calendar's own cursor (Google `nextSyncToken`, a CalDAV
    sync-token); None means the next read is a full one. `hub_seq` is the last hub change
    log sequence number settled. `initial_done_at` is None until the first (initial,
    CAL-10) sync of the user has completed.
    """

    user_guid: str
    calendar_id: str
    calendar_token: str | None
    hub_seq: int
    initial_done_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RunCounts:
    events_created: int = 0
    events_updated: int = 0
    events_deleted: int = 0
    activities_created: int = 0
    activities_updated: int = 0
    activities_deleted: int = 0
    linked: int = 0
    unlinked: int = 0
    conflicts: int = 0
    quarantined: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run of one user's sync, as the admin sees it (BEY-4)."""

    user_guid: str
    calendar_id: str
    started_at: datetime
    finished_at: datetime | None
    counts: RunCounts = field(default_factory=RunCounts)
    halted_reason: str | None = None
    """Set when the run stopped before writing, e.g. the mass-deletion breaker (BEY-3)."""
    error: str | None = None
    dry_run: bool = False

    @staticmethod
    def total(counts: Sequence[RunCounts]) -> RunCounts:
        """Sum several partial counts (a run executed in batches)."""
        names = RunCounts.__dataclass_fields__
        return RunCounts(**{n: sum(getattr(c, n) for c in counts) for n in names})
