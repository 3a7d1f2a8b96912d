"""PSA recurrence <-> RRULE (CAL-9), against the worked examples of RFC 5545 section 3.8.5.3
(the vectors written here from the RFC's text: its rule, its DTSTART in America/New_York, and
the occurrences it lists), and a property: every PSA pattern survives PSA -> RRULE -> PSA."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.hub import recurrence as rec

NEW_YORK = "America/New_York"


def _expand(rule: str, start: date, count: int) -> list[date]:
    """The first `count` occurrence days of `rule` from 09:00 New York time on `start`."""
    first = datetime.combine(start, time(9), ZoneInfo(NEW_YORK))
    found = rec.occurrences(rule, first, NEW_YORK, first, datetime(1999, 1, 1, tzinfo=UTC), limit=count)
    return [moment.astimezone(ZoneInfo(NEW_YORK)).date() for moment in found if isinstance(moment, datetime)]


def _days(year: int, *month_days: tuple[int, tuple[int, ...]]) -> list[date]:
    return [date(year, month, day) for month, days in month_days for day in days]


# (RFC title, RRULE, DTSTART day, occurrences listed, the PSA pattern the hub shows)
EXPRESSIBLE: list[tuple[str, str, date, list[date], dict[str, Any]]] = [
    (
        "Daily for 10 occurrences",
        "FREQ=DAILY;COUNT=10",
        date(1997, 9, 2),
        _days(1997, (9, tuple(range(2, 12)))),
        {"daily": {"everyWeekday": False, "interval": 1}},
    ),
    (
        "Every 10 days, 5 occurrences",
        "FREQ=DAILY;INTERVAL=10;COUNT=5",
        date(1997, 9, 2),
        _days(1997, (9, (2, 12, 22)), (10, (2, 12))),
        {"daily": {"everyWeekday": False, "interval": 10}},
    ),
    (
        "Weekly for 10 occurrences",
        "FREQ=WEEKLY;COUNT=10",
        date(1997, 9, 2),
        _days(1997, (9, (2, 9, 16, 23, 30)), (10, (7, 14, 21, 28)), (11, (4,))),
        None,  # BYDAY comes from the start day when the hub writes it; shown below
    ),
    (
        "Every other week on Monday, Wednesday, and Friday until December 24, 1997",
        "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
        date(1997, 9, 1),
        _days(
            1997,
            (9, (1, 3, 5, 15, 17, 19, 29)),
            (10, (1, 3, 13, 15, 17, 27, 29, 31)),
            (11, (10, 12, 14, 24, 26, 28)),
            (12, (8, 10, 12, 22)),
        ),
        {
            "weekly": {
                "interval": 2,
                "monday": True,
                "tuesday": False,
                "wednesday": True,
                "thursday": False,
                "friday": True,
                "saturday": False,
                "sunday": False,
            }
        },
    ),
    (
        "Monthly on the first Friday for 10 occurrences",
        "FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
        date(1997, 9, 5),
        [
            *_days(1997, (9, (5,)), (10, (3,)), (11, (7,)), (12, (5,))),
            *_days(1998, (1, (2,)), (2, (6,)), (3, (6,)), (4, (3,)), (5, (1,)), (6, (5,))),
        ],
        {"monthly": {"interval": 1, "dayOrdinal": "First", "dayOrdinalOption": "Friday"}},
    ),
    (
        "The last work day of the month",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        date(1997, 9, 29),
        _days(1997, (9, (30,)), (10, (31,)), (11, (28,)), (12, (31,))),
        {"monthly": {"interval": 1, "dayOrdinal": "Last", "dayOrdinalOption": "WeekDay"}},
    ),
]

# Rules of the RFC that no PSA pattern expresses: kept as they are, shown only as recurrenceRule.
INEXPRESSIBLE = [
    pytest.param("FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", id="second-to-last Monday"),
    pytest.param("FREQ=MONTHLY;BYMONTHDAY=-3", id="third-to-the-last day"),
    pytest.param("FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15", id="the 2nd and 15th"),
    pytest.param("FREQ=YEARLY;COUNT=10;BYMONTH=6,7", id="June and July"),
    pytest.param("FREQ=YEARLY;BYMONTH=3;BYDAY=TH", id="every Thursday in March"),
    pytest.param("FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3", id="third Tuesday, Wednesday or Thursday"),
    pytest.param("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", id="second-to-last weekday"),
    pytest.param("FREQ=YEARLY;BYDAY=20MO", id="the 20th Monday of the year"),
    pytest.param("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", id="Monday of week 20"),
    pytest.param("FREQ=DAILY;BYMONTH=1", id="every day in January"),
]


@pytest.mark.parametrize(
    ("rule", "start", "listed", "pattern"), [v[1:] for v in EXPRESSIBLE], ids=[v[0] for v in EXPRESSIBLE]
)
def test_cal_9_rfc_5545_examples_expand_as_the_rfc_lists_and_show_their_pattern(
    rule: str, start: date, listed: list[date], pattern: dict[str, Any] | None
) -> None:
    assert _expand(rule, start, len(listed)) == listed
    shown = rec.from_rrule(rule, NEW_YORK)
    assert shown is not None
    if pattern is not None:
        assert shown["pattern"] == pattern


def test_cal_9_the_rfc_weekly_example_written_from_the_psa_gives_the_same_occurrences() -> None:
    start = datetime(1997, 9, 2, 9, tzinfo=ZoneInfo(NEW_YORK))  # a Tuesday
    model = {"frequency": "Weekly", "pattern": {"weekly": {"interval": 1}}, "range": {"maxOccurrences": 10}}
    rule = rec.to_rrule(model, start, NEW_YORK)
    assert rule == "FREQ=WEEKLY;BYDAY=TU;COUNT=10"
    assert _expand(rule, start.date(), 10) == _expand("FREQ=WEEKLY;COUNT=10", start.date(), 10)


@pytest.mark.parametrize("rule", INEXPRESSIBLE)
def test_cal_9_rfc_5545_rules_without_a_psa_pattern_are_kept_and_shown_as_rules_only(rule: str) -> None:
    assert rec.from_rrule(rule, NEW_YORK) is None


# ---------------------------------------------------------------------------- the property

WEEKDAY_FLAGS = st.fixed_dictionaries({day: st.booleans() for day in rec.WEEKDAYS}).filter(lambda d: any(d.values()))
INTERVALS = st.integers(min_value=1, max_value=99)
ORDINAL = st.fixed_dictionaries(
    {
        "dayOrdinal": st.sampled_from(list(rec.ORDINALS)),
        "dayOrdinalOption": st.sampled_from(list(rec.DAY_OPTIONS)),
    }
)
LAST_DAY = st.just({"dayOrdinal": "Last", "dayOrdinalOption": "Day"})


def _day_of(month: str | None) -> st.SearchStrategy[dict[str, Any]]:
    most = 28 if month is None else rec.MONTH_DAYS[rec.MONTHS.index(month)]
    return st.builds(lambda d: {"dayOfMonth": d}, st.integers(min_value=1, max_value=most))


def _yearly(month: str | None) -> st.SearchStrategy[dict[str, Any]]:
    named = {} if month is None else {"month": month}
    return st.one_of(_day_of(month), ORDINAL, LAST_DAY).map(lambda days: {"yearly": {**named, **days}})


PATTERNS = st.one_of(
    st.tuples(st.just("Daily"), st.builds(lambda n: {"daily": {"everyWeekday": False, "interval": n}}, INTERVALS)),
    st.tuples(st.just("Daily"), st.just({"daily": {"everyWeekday": True, "interval": 1}})),
    st.tuples(
        st.just("Weekly"), st.builds(lambda n, days: {"weekly": {"interval": n, **days}}, INTERVALS, WEEKDAY_FLAGS)
    ),
    st.tuples(
        st.just("Monthly"),
        st.builds(
            lambda n, days: {"monthly": {"interval": n, **days}}, INTERVALS, st.one_of(_day_of(None), ORDINAL, LAST_DAY)
        ),
    ),
    st.tuples(st.just("Yearly"), st.sampled_from(list(rec.MONTHS)).flatmap(_yearly)),
)
RANGES = st.one_of(
    st.just({"maxOccurrences": None, "recursUntilDate": None}),
    st.builds(lambda n: {"maxOccurrences": n, "recursUntilDate": None}, st.integers(min_value=1, max_value=1000)),
    st.builds(
        lambda d: {"maxOccurrences": None, "recursUntilDate": d.isoformat()},
        st.dates(min_value=date(2027, 1, 1), max_value=date(2040, 12, 31)),
    ),
)


@given(
    pattern=PATTERNS,
    span=RANGES,
    start=st.one_of(
        st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
            lambda d: d.replace(tzinfo=ZoneInfo("Europe/Helsinki"))
        ),
        st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    ),
)
def test_cal_9_every_psa_pattern_survives_psa_to_rrule_to_psa(
    pattern: tuple[str, dict[str, Any]], span: dict[str, Any], start: datetime | date
) -> None:
    frequency, shape = pattern
    model = {"frequency": frequency, "pattern": shape, "range": span}
    rule = rec.to_rrule(model, start, "Europe/Helsinki")
    assert "DTSTART" not in rule
    back = rec.from_rrule(rule, "Europe/Helsinki")
    assert back == model, rule


@pytest.mark.parametrize(("ordinal", "day"), [("First", 1), ("Second", 2), ("Third", 3), ("Fourth", 4)])
def test_cal_9_the_nth_day_of_the_month_is_shown_as_that_day_of_the_month(ordinal: str, day: int) -> None:
    """Two spellings of one pattern: the hub answers the plain one."""
    model = {
        "frequency": "Monthly",
        "pattern": {"monthly": {"interval": 1, "dayOrdinal": ordinal, "dayOrdinalOption": "Day"}},
        "range": {"maxOccurrences": None, "recursUntilDate": None},
    }
    back = rec.from_rrule(rec.to_rrule(model, date(2026, 1, 1), "Europe/Helsinki"), "Europe/Helsinki")
    assert back is not None
    assert back["pattern"] == {"monthly": {"interval": 1, "dayOfMonth": day}}
