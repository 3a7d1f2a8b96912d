"""The PSA side of the calendar: activities, their participants and recurrence.

Times are timezone-aware instants in UTC; the IANA zone name travels beside them
for display and for expanding recurrences. All-day activities carry `date`s, never
midnight datetimes, and their `end` is exclusive (an all-day activity on 12 April
has start 12 April and end 13 April), as in RFC 5545 and Google Calendar.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


class ActivityCategory(enum.StrEnum):
    PERSONAL = "Personal"
    ABSENCES = "Absences"
    CALENDAR_ENTRY = "CalendarEntry"
    SALES_EVENT = "SalesEvent"
    TASK = "Task"


class ParticipantKind(enum.StrEnum):
    USER = "User"
    CONTACT = "Contact"
    RESOURCE = "Resource"
    OTHER = "Other"


class ParticipantStatus(enum.StrEnum):
    UNKNOWN = "Unknown"
    INVITED = "Invited"
    ACCEPTED = "Accepted"
    TENTATIVE = "Tentative"
    DECLINED = "Declined"


class Origin(enum.StrEnum):
    """Where a change to the hub came from; the change log records it."""

    API = "api"
    WEB = "web"
    SYNC = "sync"
    ERP = "erp"


class ChangeOperation(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


Moment = datetime | date
"""A start or end: an aware datetime, or a date for all-day items."""


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A series in RFC 5545 terms.

    `rrule` is the RRULE value without the `RRULE:` prefix (`FREQ=WEEKLY;BYDAY=MO`).
    `exdates` are the original starts of cancelled occurrences, in the same kind
    (datetime or date) as the series start.
    """

    rrule: str
    exdates: tuple[Moment, ...] = ()
    rdates: tuple[Moment, ...] = ()


@dataclass(frozen=True, slots=True)
class Participant:
    kind: ParticipantKind
    status: ParticipantStatus = ParticipantStatus.UNKNOWN
    email: str | None = None
    name: str | None = None
    ref_guid: str | None = None
    """The guid of the user, contact or resource this participant stands for."""
    guid: str | None = None
    """The participant row's own guid in the hub."""


@dataclass(frozen=True, slots=True)
class Activity:
    guid: str
    name: str
    start: Moment
    end: Moment
    time_zone: str
    type_guid: str
    category: ActivityCategory
    owner_guid: str
    location: str | None = None
    notes: str | None = None
    is_closed: bool = False
    customer_guid: str | None = None
    project_guid: str | None = None
    phase_guid: str | None = None
    recurrence: Recurrence | None = None
    recurrence_parent_guid: str | None = None
    original_start: Moment | None = None
    """For an exception of a series: the start the occurrence had in the series."""
    participants: tuple[Participant, ...] = ()
    version: int = 1
    updated_at: datetime | None = None
    deleted: bool = False
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def is_private(self) -> bool:
        return self.category is ActivityCategory.PERSONAL
