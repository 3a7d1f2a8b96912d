"""The calendar port's contract (tests/support/calendar_contract.py) against Radicale, over
real HTTP."""

from __future__ import annotations

from tests.support.calendar_contract import CalendarContract


class TestCaldavCalendarContract(CalendarContract):
    pass
