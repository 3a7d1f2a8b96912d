"""Everything the planner needs to know about the organisation and the user, as one value.

The runtime builds a `SyncContext` per user per run from the hub's settings (synced
activity types, the Personal and default types, the organisation's users) and the
calendar port's capabilities; the core never looks any of it up itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from tandem.domain.activity import ActivityCategory


@dataclass(frozen=True, slots=True)
class DeletionBreaker:
    """The mass-deletion circuit breaker (BEY-3).

    A user's plan that would delete at least `min_items` items and more than `max_share`
    of the user's linked items does not delete anything: it halts with a reason for the
    admin, unless the admin confirmed this run (`SyncContext.confirm_mass_deletion`).
    """

    max_share: float = 0.5
    min_items: int = 10

    def trips(self, deletions: int, linked_items: int) -> bool:
        return deletions >= self.min_items and deletions > self.max_share * max(linked_items, 0)


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class People:
    """The organisation's PSA users by email (CAL-3: emails match case-insensitively)."""

    user_guid_by_email: Mapping[str, str] = field(default_factory=dict)
    """Lower-case email -> user guid; build it with `People.of`."""
    _email_by_guid: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_email_by_guid", {g: e for e, g in self.user_guid_by_email.items()})

    @classmethod
    def of(cls, users: Mapping[str, str]) -> People:
        """From a mapping email -> user guid, in any case."""
        return cls(_frozen({email.strip().lower(): guid for email, guid in users.items()}))

    def user_guid(self, email: str | None) -> str | None:
        return None if email is None else self.user_guid_by_email.get(email.strip().lower())

    def email_of(self, user_guid: str | None) -> str | None:
        return None if user_guid is None else self._email_by_guid.get(user_guid)


@dataclass(frozen=True, slots=True)
class SyncContext:
    """The rules for one user's run; see each field for the requirement it carries."""

    user_guid: str
    user_email: str
    calendar_id: str
    """The user's primary calendar (CAL-4); for Google, the user's email."""
    synced_type_guids: frozenset[str]
    """Activity types that go PSA -> calendar (CAL-5). Calendar -> PSA is never filtered."""
    default_type_guid: str
    personal_type_guid: str | None
    """The organisation's type of category Personal, if it has one (CAL-6)."""
    type_categories: Mapping[str, ActivityCategory]
    people: People = field(default_factory=People)
    default_time_zone: str = "UTC"
    """The calendar's zone: used for a timed event that carries none."""
    fans_out_invitations: bool = True
    """The calendar copies the organiser's event to attendees (Google): write only that copy."""
    initial: bool = False
    """The user's first sync (CAL-10): pair existing items instead of duplicating them."""
    calendar_full_read: bool = False
    """The calendar side was read in full (first read, or after 410): apply the CAL-10 window."""
    cutoff_days: int = 30
    breaker: DeletionBreaker = field(default_factory=DeletionBreaker)
    confirm_mass_deletion: bool = False
    quarantine_retry: timedelta = timedelta(hours=1)
    absence_type_guid: str | None = None
    """The organisation's type of category Absences, if it has one: a calendar's
    out-of-office entry comes in as one (BEY-10)."""
    hosts: frozenset[str] | None = None
    """Users whose own calendars hold their activities (sync on, and a first sync done);
    None: every owner's does. A colleague's activity whose owner is not a host is written
    to each syncing participant's calendar as a stand-in copy (CAL-14, `Role.STAND_IN`)."""
    owner_holds: frozenset[str] = frozenset()
    """Activities (of the items read) that their owner's calendar holds already: no
    stand-in copy is made for them, whatever the owner's sync does now."""
    stood_in: frozenset[str] = frozenset()
    """Activities (of the items read) that another user's calendar holds a stand-in copy
    of: the owner's calendar waits until those copies are gone."""

    @property
    def user_email_lower(self) -> str:
        return self.user_email.strip().lower()

    def hosts_own(self, user_guid: str) -> bool:
        """The user's calendar holds the activities they own."""
        return self.hosts is None or user_guid in self.hosts

    def category_of(self, type_guid: str) -> ActivityCategory:
        return self.type_categories.get(type_guid, ActivityCategory.CALENDAR_ENTRY)

    def type_for_entry(self, private: bool, event_type: str) -> str:
        """The type a calendar entry first seen comes in as: an out-of-office is an absence
        (BEY-10) where the organisation has an Absences type; otherwise by privacy (CAL-6)."""
        if event_type == "outOfOffice" and self.absence_type_guid is not None:
            return self.absence_type_guid
        return self.type_for_privacy(private)

    def type_for_privacy(self, private: bool) -> str:
        """The type a calendar entry's privacy asks for (CAL-6)."""
        if private and self.personal_type_guid is not None:
            return self.personal_type_guid
        return self.default_type_guid
