"""The calendar port's contract (tests/support/calendar_contract.py) against the Google
Calendar emulator, over real HTTP."""

from __future__ import annotations

from tests.support.calendar_contract import CalendarContract


class TestGoogleCalendarContract(CalendarContract):
    pass
