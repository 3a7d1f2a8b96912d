"""The calendar port's contract (tests/support/calendar_contract.py) on the in-memory
calendar: the state machine's stand-in for Google keeps the rules Google keeps."""

from __future__ import annotations

import pytest

from tandem.connectors.memory.calendar import MemoryCalendar
from tests.support.calendar_contract import CalendarContract


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def calendar() -> MemoryCalendar:
    return MemoryCalendar()


@pytest.fixture
def calendar_id() -> str:
    return "alice@example.com"


class TestMemoryCalendarContract(CalendarContract):
    pass
