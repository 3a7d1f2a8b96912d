"""The emulated Google Workspace domain: its users' calendars and the mail log.

`World` is the mutable model the event operations work on. It is not thread-safe by
itself: `GoogleEmulator` holds one lock around every operation and sets `now` (the
emulator clock's reading) at the start of each one, so one write has one timestamp.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tandem.emulators.google.calendars import Calendar
from tandem.emulators.google.sharing import Notification

_ETAG_BASE = 3_400_000_000_000_000


class World:
    def __init__(self, domain: str, now: datetime) -> None:
        self.domain = domain.lower()
        self.calendars: dict[str, Calendar] = {}
        self.users: set[str] = set()
        self.notifications: list[Notification] = []
        self.without_status_events: set[str] = set()
        """Accounts that may not have status events (out-of-office, focus time, working
        location): Google refuses them for users whose edition or settings lack them."""
        self.now = now
        self._etags = 0

    def new_etag(self) -> str:
        """Quoted and different on every change, like Google's numeric etags."""
        self._etags += 1
        return f'"{_ETAG_BASE + self._etags}"'

    def add_user(self, email: str, time_zone: str = "UTC") -> Calendar:
        key = email.strip().lower()
        self.users.add(key)
        return self.ensure_calendar(key, time_zone)

    def ensure_calendar(self, email: str, time_zone: str = "UTC") -> Calendar:
        key = email.lower()
        if key not in self.calendars:
            self.calendars[key] = Calendar(key, time_zone, self.now or datetime.now(UTC))
        return self.calendars[key]

    def has_calendar(self, email: str) -> bool:
        return email.lower() in self.calendars

    def is_user(self, email: str) -> bool:
        return email.lower() in self.users

    def is_internal(self, email: str) -> bool:
        """Inside the organisation's domain (what `externalOnly` leaves out)."""
        return email.lower().rsplit("@", 1)[-1] == self.domain
