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


def format_rrule(parts: dict[str, str]) -> str:
    order = ["FREQ", "INTERVAL", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS", "COUNT", "UNTIL", "WKST"]
    keys = [k for k in order if k in parts] + sorted(k for k in parts if k not in order)
    return ";".join(f"{k}={parts[k]}" for k in keys)


def _interval(value: Any, field: str) -> int:
    if value is None:
        return 1
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RecurrenceError(field, "interval must be a whole number of at least 1")
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
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise RecurrenceError("recurrence.range.maxOccurrences", "maxOccurrences must be at least 1")
        return {"COUNT": str(count)}
    if until is not None:
        try:
            day = date.fromisoformat(str(until)[:10])
        except ValueError:
            raise RecurrenceError("recurrence.range.recursUntilDate", "recursUntilDate must be a date") from None
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
        if by_month_day.isdigit():
            return {"dayOfMonth": int(by_month_day)}
        return None
    if by_day and set_pos and not by_month_day:
        option = next((k for k, v in DAY_OPTIONS.items() if ",".join(v) == by_day and len(v) > 1), None)
        pos = int(set_pos) if set_pos.lstrip("-").isdigit() else 0
        if option and pos in ordinal_names:
            return {"dayOrdinal": ordinal_names[pos], "dayOrdinalOption": option}
        return None
    if by_day and not set_pos and not by_month_day:
        n, day = by_day[:-2], by_day[-2:]
        option = next((k for k, v in DAY_OPTIONS.items() if v == (day,)), None)
        if option and n.lstrip("+-").isdigit() and int(n) in ordinal_names:
            return {"dayOrdinal": ordinal_names[int(n)], "dayOrdinalOption": option}
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
    interval = int(parts.get("INTERVAL", "1")) if parts.get("INTERVAL", "1").isdigit() else 1
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
        if ordinal is None or interval != 1 or (month is not None and not month.isdigit()):
            return None
        yearly: dict[str, Any] = dict(ordinal)
        if month is not None:
            yearly["month"] = MONTHS[int(month) - 1]
        pattern, frequency = {"yearly": yearly}, "Yearly"
    else:
        return None
    return {"frequency": frequency, "pattern": pattern, "range": _range_out(parts, zone)}


def _range_out(parts: dict[str, str], zone: str) -> dict[str, Any]:
    if "COUNT" in parts and parts["COUNT"].isdigit():
        return {"maxOccurrences": int(parts["COUNT"]), "recursUntilDate": None}
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
