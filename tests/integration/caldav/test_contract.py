"""The calendar port's contract (tests/support/calendar_contract.py) against Radicale, over
real HTTP."""

from __future__ import annotations

import pytest

from tandem.connectors.caldav import CaldavCalendar
from tests.support.calendar_contract import CalendarContract


class TestCaldavCalendarContract(CalendarContract):
    pass


class TestCaldavWithoutSyncCollectionContract(CalendarContract):
    """A server without RFC 6578 (`NoSyncCollection` refuses the REPORT): the etag fall-back
    keeps every promise of the port, incremental reads included."""

    @pytest.fixture
    def calendar(self, polling: CaldavCalendar) -> CaldavCalendar:
        return polling
