"""The Severa `recurrence` shape <-> an RFC 5545 RRULE, the form Tandem stores.

Severa describes a series as frequency + pattern + range; RFC 5545 as an RRULE.
Every Severa pattern has an RRULE; not every RRULE has a Severa pattern (BYHOUR,
BYWEEKNO, several BYMONTH values…). Those are stored as they are and shown with
`recurrence: null` and the rule in `recurrenceRule`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tandem.domain import limits

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ORDINALS = {"First": 1, "Second": 2, "Third": 3, "Fourth": 4, "Last": -1}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
"""The most days each month has (February in a leap year)."""
DAY_OPTIONS = {
    "Monday": ("MO",),
    "Tuesday": ("TU",),
    "Wednesday": ("WE",),
    "Thursday": ("TH",),
    "Friday": ("FR",),
    "Saturday": ("SA",),
    "Sunday": ("SU",),
    "WeekDay": ("MO", "TU", "WE", "TH", "FR"),
    "WeekendDay": ("SA", "SU"),
}


class RecurrenceError(ValueError):
    """The recurrence a caller sent cannot be a series; the message says which part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_rrule(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for part in rule.removeprefix("RRULE:").split(";"):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise RecurrenceError("recurrenceRule", f"{part!r} is not KEY=VALUE")
        parts[key.upper()] = value.upper()
    if "FREQ" not in parts:
        raise RecurrenceError("recurrenceRule", "FREQ is missing")
    return parts


def _positive(text: str | None) -> int | None:
    """A rule part's whole number from 1, in ASCII digits; None for anything else."""
    number = limits.whole_number(text) if text is not None else None
    return number if number is not None and number >= 1 else None


def format_rrule(parts: dict[str, str]) -> str:
    order = ["FREQ", "INTERVAL", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS", "COUNT", "UNTIL", "WKST"]
    keys = [k for k in order if k in parts] + sorted(k for k in parts if k not in order)
    return ";".join(f"{k}={parts[k]}" for k in keys)


def _interval(value: Any, field: str) -> int:
    if value is None:
        return 1
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limits.MAX_INTERVAL:
        raise RecurrenceError(field, f"interval must be a whole number from 1 to {limits.MAX_INTERVAL}")
    return value


def _ordinal_days(pattern: dict[str, Any], field: str) -> dict[str, str]:
    """monthly/yearly: dayOfMonth, or dayOrdinal + dayOrdinalOption."""
    ordinal, option, day = pattern.get("dayOrdinal"), pattern.get("dayOrdinalOption"), pattern.get("dayOfMonth")
    if ordinal is None and option is None:
        if day is None:
            return {}
        if not isinstance(day, int) or not 1 <= day <= 31:
            raise RecurrenceError(f"{field}.dayOfMonth", "dayOfMonth must be 1..31")
        return {"BYMONTHDAY": str(day)}
    if ordinal not in ORDINALS:
        raise RecurrenceError(f"{field}.dayOrdinal", f"dayOrdinal must be one of {', '.join(ORDINALS)}")
    n = ORDINALS[ordinal]
    if option == "Day":
        return {"BYMONTHDAY": str(n)}
    if option not in DAY_OPTIONS:
        raise RecurrenceError(f"{field}.dayOrdinalOption", "dayOrdinalOption is missing or unknown")
    days = DAY_OPTIONS[option]
    if len(days) == 1:
        return {"BYDAY": f"{n}{days[0]}"}
    return {"BYDAY": ",".join(days), "BYSETPOS": str(n)}


def to_rrule(model: dict[str, Any], start: datetime | date, zone: str) -> str:
    """The RRULE for a Severa `recurrence` object; `start` gives defaults (weekday, UNTIL zone)."""
    frequency = model.get("frequency")
    pattern = model.get("pattern") or {}
    parts: dict[str, str] = {}
    if frequency == "Daily":
        daily = pattern.get("daily") or {}
        parts["FREQ"] = "DAILY"
        if daily.get("everyWeekday"):
            parts["BYDAY"] = "MO,TU,WE,TH,FR"
        else:
            parts["INTERVAL"] = str(_interval(daily.get("interval"), "recurrence.pattern.daily.interval"))
    elif frequency == "Weekly":
        weekly = pattern.get("weekly") or {}
        parts["FREQ"] = "WEEKLY"
        parts["INTERVAL"] = str(_interval(weekly.get("interval"), "recurrence.pattern.weekly.interval"))
        days = [ICAL_DAYS[i] for i, name in enumerate(WEEKDAYS) if weekly.get(name)]
        parts["BYDAY"] = ",".join(days or [ICAL_DAYS[start.weekday()]])
    elif frequency == "Monthly":
        monthly = pattern.get("monthly") or {}
        parts["FREQ"] = "MONTHLY"
        parts["INTERVAL"] = str(_interval(monthly.get("interval"), "recurrence.pattern.monthly.interval"))
        parts.update(_ordinal_days(monthly, "recurrence.pattern.monthly"))
    elif frequency == "Yearly":
        yearly = pattern.get("yearly") or {}
        parts["FREQ"] = "YEARLY"
        month = yearly.get("month")
        if month is not None:
            if month not in MONTHS:
                raise RecurrenceError("recurrence.pattern.yearly.month", "month must be a month name")
            parts["BYMONTH"] = str(MONTHS.index(month) + 1)
        parts.update(_ordinal_days(yearly, "recurrence.pattern.yearly"))
        if month is not None and int(parts.get("BYMONTHDAY", "1")) > MONTH_DAYS[MONTHS.index(month)]:
            raise RecurrenceError(
                "recurrence.pattern.yearly.dayOfMonth",
                f"{month} has no day {parts['BYMONTHDAY']}: the series would never occur",
            )
    else:
        raise RecurrenceError("recurrence.frequency", "frequency must be Daily, Weekly, Monthly or Yearly")
    if parts.get("INTERVAL") == "1":
        del parts["INTERVAL"]
    parts.update(_range(model.get("range") or {}, start, zone))
    return format_rrule(parts)


def _range(rng: dict[str, Any], start: datetime | date, zone: str) -> dict[str, str]:
    count, until = rng.get("maxOccurrences"), rng.get("recursUntilDate")
    if count is not None and until is not None:
        raise RecurrenceError("recurrence.range", "give maxOccurrences or recursUntilDate, not both")
    if count is not None:
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= limits.MAX_OCCURRENCES:
            raise RecurrenceError(
                "recurrence.range.maxOccurrences", f"maxOccurrences must be from 1 to {limits.MAX_OCCURRENCES}"
            )
        return {"COUNT": str(count)}
    if until is not None:
        try:
            day = date.fromisoformat(str(until)[:10])
        except ValueError:
            raise RecurrenceError("recurrence.range.recursUntilDate", "recursUntilDate must be a date") from None
        if not limits.in_calendar(day):
            raise RecurrenceError(
                "recurrence.range.recursUntilDate", f"recursUntilDate must be from {limits.calendar_range()}"
            )
        if isinstance(start, datetime):
            # Through the end of that day in the activity's zone, as UTC (RFC 5545 3.3.10).
            last = datetime.combine(day, time(23, 59, 59), ZoneInfo(zone)).astimezone(UTC)
            return {"UNTIL": last.strftime("%Y%m%dT%H%M%SZ")}
        return {"UNTIL": day.strftime("%Y%m%d")}
    return {}


def _ordinal_pattern(parts: dict[str, str]) -> dict[str, Any] | None:
    by_day, by_month_day, set_pos = parts.get("BYDAY"), parts.get("BYMONTHDAY"), parts.get("BYSETPOS")
    ordinal_names = {v: k for k, v in ORDINALS.items()}
    if by_month_day and not by_day:
        if by_month_day in ("-1",):
            return {"dayOrdinal": "Last", "dayOrdinalOption": "Day"}
        number = limits.whole_number(by_month_day)
        if number is not None and 1 <= number <= 31:
            return {"dayOfMonth": number}
        return None
    if by_day and set_pos and not by_month_day:
        option = next((k for k, v in DAY_OPTIONS.items() if ",".join(v) == by_day and len(v) > 1), None)
        pos = limits.whole_number(set_pos) or 0
        if option and pos in ordinal_names:
            return {"dayOrdinal": ordinal_names[pos], "dayOrdinalOption": option}
        return None
    if by_day and not set_pos and not by_month_day:
        n, day = by_day[:-2], by_day[-2:]
        option = next((k for k, v in DAY_OPTIONS.items() if v == (day,)), None)
        ordinal = limits.whole_number(n.removeprefix("+"))
        if option and ordinal in ordinal_names:
            return {"dayOrdinal": ordinal_names[ordinal], "dayOrdinalOption": option}
        return None
    if not by_day and not by_month_day and not set_pos:
        return {}
    return None


def from_rrule(rule: str, zone: str) -> dict[str, Any] | None:
    """The Severa `recurrence` object (without exceptions) for an RRULE, or None if it has none."""
    try:
        parts = parse_rrule(rule)
    except RecurrenceError:
        return None
    known = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "COUNT", "UNTIL", "WKST"}
    if set(parts) - known:
        return None
    interval = _positive(parts.get("INTERVAL")) or 1
    freq = parts["FREQ"]
    pattern: dict[str, Any]
    if freq == "DAILY":
        if parts.get("BYDAY") == "MO,TU,WE,TH,FR" and interval == 1:
            pattern = {"daily": {"everyWeekday": True, "interval": 1}}
        elif "BYDAY" in parts or "BYMONTHDAY" in parts or "BYMONTH" in parts:
            return None
        else:
            pattern = {"daily": {"everyWeekday": False, "interval": interval}}
        frequency = "Daily"
    elif freq == "WEEKLY":
        days = set(parts.get("BYDAY", "").split(",")) - {""}
        if not days <= set(ICAL_DAYS) or "BYMONTHDAY" in parts or "BYMONTH" in parts:
            return None
        weekly: dict[str, Any] = {"interval": interval}
        weekly.update({name: ICAL_DAYS[i] in days for i, name in enumerate(WEEKDAYS)})
        pattern, frequency = {"weekly": weekly}, "Weekly"
    elif freq == "MONTHLY":
        ordinal = _ordinal_pattern(parts)
        if ordinal is None or "BYMONTH" in parts:
            return None
        pattern, frequency = {"monthly": {"interval": interval, **ordinal}}, "Monthly"
    elif freq == "YEARLY":
        ordinal = _ordinal_pattern(parts)
        month = parts.get("BYMONTH")
        month_number = limits.whole_number(month) if month is not None else None
        if ordinal is None or interval != 1 or (month is not None and not 1 <= (month_number or 0) <= 12):
            return None
        yearly: dict[str, Any] = dict(ordinal)
        if month_number is not None:
            yearly["month"] = MONTHS[month_number - 1]
        pattern, frequency = {"yearly": yearly}, "Yearly"
    else:
        return None
    return {"frequency": frequency, "pattern": pattern, "range": _range_out(parts, zone)}


def _range_out(parts: dict[str, str], zone: str) -> dict[str, Any]:
    count = _positive(parts.get("COUNT"))
    if count is not None:
        return {"maxOccurrences": count, "recursUntilDate": None}
    until = parts.get("UNTIL")
    if until:
        try:
            if "T" in until:
                moment = datetime.strptime(until.rstrip("Z"), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
                day = moment.astimezone(ZoneInfo(zone)).date()
            else:
                day = datetime.strptime(until, "%Y%m%d").replace(tzinfo=UTC).date()
        except ValueError:
            day = None
        if day is not None:
            return {"maxOccurrences": None, "recursUntilDate": day.isoformat()}
    return {"maxOccurrences": None, "recursUntilDate": None}


def check(rule: str, start: datetime | date, zone: str) -> None:
    """Raise RecurrenceError unless `rule` is a series Tandem keeps, whoever wrote it
    (CAL-17): a frequency Severa's model has, COUNT and INTERVAL in ASCII digits within
    their limits, UNTIL inside the supported dates, and at least one occurrence there.
    `start` and `zone` must already be accepted (`limits.in_calendar`, `is_time_zone`)."""
    parts = parse_rrule(rule)
    if parts["FREQ"] not in limits.FREQUENCIES:
        raise RecurrenceError(
            "recurrenceRule", f"FREQ={parts['FREQ']} is not supported: a series recurs {', '.join(limits.FREQUENCIES)}"
        )
    for key, most in (("COUNT", limits.MAX_OCCURRENCES), ("INTERVAL", limits.MAX_INTERVAL)):
        number = _positive(parts[key]) if key in parts else 1
        if number is None or number > most:
            raise RecurrenceError("recurrenceRule", f"{key} must be a whole number from 1 to {most}")
    if "UNTIL" in parts:
        until = _until_day(parts["UNTIL"])
        if until is None or not limits.in_calendar(until):
            raise RecurrenceError("recurrenceRule", f"UNTIL must be a date from {limits.calendar_range()}")
    for key in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if "," in parts.get(key, ""):
            raise RecurrenceError("recurrenceRule", f"{key} may hold one value: a series occurs at most once a day")
    _check_month_days(parts)
    _check_occurs(parts, start, zone)


def _check_occurs(parts: dict[str, str], start: datetime | date, zone: str) -> None:
    """A yearly series occurs by its UNTIL and LATEST (INTERVAL=4 from a year after a leap
    year never meets 29 February). Only yearly ones are looked at: dateutil walks every
    period up to the year 9999 before it says "never", which is a few thousand years but
    a few million days; for the others `_check_month_days` finds the usual impossible days."""
    if parts["FREQ"] != "YEARLY":
        return
    bounded = {k: v for k, v in parts.items() if k != "COUNT"}
    until = _until_day(parts["UNTIL"]) if "UNTIL" in parts else None
    if until is None or until > limits.LATEST:
        bounded["UNTIL"] = limits.LATEST.strftime("%Y%m%dT235959")
    if next(iter(series(format_rrule(bounded), start, zone)), None) is None:
        raise RecurrenceError("recurrenceRule", f"the series never occurs between its start and {limits.LATEST}")


def _until_day(value: str) -> date | None:
    """The day of an RRULE UNTIL (`YYYYMMDD`, optionally `THHMMSS` and `Z`), or None."""
    digits = value[:8]
    if not (digits.isascii() and digits.isdecimal() and len(digits) == 8):
        return None
    rest = value[8:]
    if rest and not (rest[:1] == "T" and rest[1:7].isascii() and rest[1:7].isdecimal() and rest[7:] in ("", "Z")):
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def _check_month_days(parts: dict[str, str]) -> None:
    """BYMONTHDAY days that none of the BYMONTH months has (31 February): never occurs.
    (dateutil would search to the year 9999 before saying so.)"""
    days = [limits.whole_number(d) for d in parts.get("BYMONTHDAY", "").split(",") if d]
    months = [limits.whole_number(m) for m in parts.get("BYMONTH", "").split(",") if m] or list(range(1, 13))
    if not days or None in days or not all(m is not None and 1 <= m <= 12 for m in months):
        return  # none given, or not numbers: dateutil says what is wrong
    if not any(abs(d) <= MONTH_DAYS[m - 1] for d in days if d for m in months if m):
        raise RecurrenceError(
            "recurrenceRule",
            f"BYMONTHDAY={parts['BYMONTHDAY']} falls in none of its months: the series would never occur",
        )


def series(rule: str, start: datetime | date, zone: str) -> Any:
    """The dateutil rule of a series, expanded on local wall time in `zone` (naive), so a
    09:00 meeting stays at 09:00 across daylight-saving changes. A UTC UNTIL is moved
    to the same wall clock. Raises ValueError for a rule RFC 5545 does not allow."""
    from dateutil.rrule import rrulestr

    tz = ZoneInfo(zone)
    local_start = (
        start.astimezone(tz).replace(tzinfo=None) if isinstance(start, datetime) else datetime.combine(start, time())
    )
    parts = parse_rrule(rule)
    until = parts.get("UNTIL", "")
    if until.endswith("Z"):
        moment = datetime.strptime(until[:-1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        parts["UNTIL"] = moment.astimezone(tz).strftime("%Y%m%dT%H%M%S")
    return rrulestr(format_rrule(parts), dtstart=local_start)


def occurrences(
    rule: str,
    start: datetime | date,
    zone: str,
    window_start: datetime,
    window_end: datetime,
    exdates: frozenset[datetime | date] = frozenset(),
    limit: int = 1000,
) -> list[datetime | date]:
    """Occurrence starts of a series that begin in [window_start, window_end), EXDATEs removed."""
    tz = ZoneInfo(zone)
    found: list[datetime | date] = []
    lo = window_start.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    for local in series(rule, start, zone).xafter(lo, inc=True):
        moment: datetime | date = (
            local.replace(tzinfo=tz).astimezone(UTC) if isinstance(start, datetime) else local.date()
        )
        instant = moment if isinstance(moment, datetime) else datetime.combine(moment, time(), tz)
        if instant >= window_end:
            break
        if instant >= window_start and moment not in exdates:
            found.append(moment)
            if len(found) >= limit:
                break
    return found
