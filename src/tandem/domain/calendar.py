"""The calendar side: events as any calendar backend (Google, CalDAV) presents them.

Field names follow the calendar's vocabulary (summary, description, attendees);
the sync core maps them to and from `Activity`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from tandem.domain.activity import Moment, Recurrence


class EventStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    CANCELLED = "cancelled"


class ResponseStatus(enum.StrEnum):
    NEEDS_ACTION = "needsAction"
    DECLINED = "declined"
    TENTATIVE = "tentative"
    ACCEPTED = "accepted"


class SendUpdates(enum.StrEnum):
    """Who the calendar should notify of a write (Google's `sendUpdates`)."""

    ALL = "all"
    EXTERNAL_ONLY = "externalOnly"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Attendee:
    email: str
    display_name: str | None = None
    response_status: ResponseStatus = ResponseStatus.NEEDS_ACTION
    organizer: bool = False
    is_self: bool = False
    resource: bool = False
    optional: bool = False


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    id: str
    start: Moment | None = None
    end: Moment | None = None
    time_zone: str | None = None
    summary: str | None = None
    description: str | None = None
    location: str | None = None
    status: EventStatus = EventStatus.CONFIRMED
    private: bool = False
    recurrence: Recurrence | None = None
    recurring_event_id: str | None = None
    original_start: Moment | None = None
    attendees: tuple[Attendee, ...] = ()
    organizer_email: str | None = None
    etag: str | None = None
    updated: datetime | None = None
    sequence: int = 0
    private_properties: dict[str, str] = field(default_factory=dict, hash=False)
    event_type: str = "default"
    """Google's `eventType` (`default`, `outOfOffice`, `focusTime`, `workingLocation`,
    `fromGmail`, `birthday`, or one Google adds later); other calendars: `default`."""

    @property
    def cancelled(self) -> bool:
        return self.status is EventStatus.CANCELLED

    @property
    def is_all_day(self) -> bool:
        return self.start is not None and not isinstance(self.start, datetime)
