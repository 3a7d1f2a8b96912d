"""Google's `recurrence` lines <-> `Recurrence` (RRULE, EXDATE, RDATE; no DTSTART).

Google writes a series as RFC 5545 lines beside the event's start:

    RRULE:FREQ=WEEKLY;BYDAY=MO
    EXDATE;TZID=Europe/Helsinki:20240108T100000,20240115T100000     timed series
    EXDATE:20240108T080000Z                                          timed, in UTC
    EXDATE;VALUE=DATE:20240108                                       all-day series

Read: dates stay dates for all-day series; times become UTC instants (a floating time is
read in the series' zone; a bare date in a timed series means the series' start time on
that day, as RFC 5545 and Google expand it). Written: TZID lines in the series' zone,
`VALUE=DATE` lines for all-day series.

What `Recurrence` cannot hold (EXRULE, several RRULEs, RDATE periods, unreadable values)
is not dropped silently: the lines are kept in `rrule` behind `UNSUPPORTED`, which the sync
core refuses with that text as the reason the admin sees (CAL-17), and which is never
written back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr

from tandem.connectors.google.errors import Unwritable
from tandem.domain import limits
from tandem.domain.activity import Moment, Recurrence

UNSUPPORTED = "UNSUPPORTED"


class _Unsupported(ValueError):
    pass


def _zone(name: str | None) -> ZoneInfo:
    if not limits.is_time_zone(name or "UTC"):
        raise _Unsupported(f"unknown time zone {name!r}")
    return ZoneInfo(name or "UTC")


def _split(line: str) -> tuple[str, dict[str, str], str]:
    """(NAME, {PARAM: value}, value) of one content line."""
    head, sep, value = line.strip().partition(":")
    if not sep:
        raise _Unsupported(line)
    name, *params = head.split(";")
    parsed = {}
    for param in params:
        key, eq, val = param.partition("=")
        if not eq:
            raise _Unsupported(line)
        parsed[key.strip().upper()] = val.strip()
    return name.strip().upper(), parsed, value.strip()


def _wall_time(text: str, tz: tzinfo) -> datetime:
    """`YYYYMMDDTHHMMSS` (or `YYYYMMDD`, meaning the end of that day) as an aware time in `tz`."""
    digits = text.replace("T", "")
    if len(digits) == 8:
        digits += "235959"
    if len(digits) != 14 or not digits.isdigit():
        raise _Unsupported(text)
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    hour, minute, second = int(digits[8:10]), int(digits[10:12]), int(digits[12:14])
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError as exc:
        raise _Unsupported(text) from exc


def _value(raw: str, params: dict[str, str], start: Moment, time_zone: str | None) -> Moment:
    """One EXDATE/RDATE value, in the kind of the series' start."""
    text = raw.strip().upper()
    if len(text) == 8 and text.isdigit():
        day = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        if not isinstance(start, datetime):
            return day
        zone = _zone(time_zone)
        clock = start.astimezone(zone).time()
        return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
    if params.get("VALUE", "DATE-TIME").upper() != "DATE-TIME" or "T" not in text:
        raise _Unsupported(raw)
    utc = text.endswith("Z")
    written_in = UTC if utc else _zone(params.get("TZID") or time_zone)
    moment = _wall_time(text.removesuffix("Z"), written_in)
    if not isinstance(start, datetime):
        return moment.astimezone(_zone(time_zone)).date()
    return moment.astimezone(UTC)


def _sorted(moments: Iterable[Moment]) -> tuple[Moment, ...]:
    def key(moment: Moment) -> datetime:
        return moment if isinstance(moment, datetime) else datetime.combine(moment, time(), tzinfo=UTC)

    return tuple(sorted(set(moments), key=key))


def recurrence_from_lines(lines: Sequence[str], start: Moment | None, time_zone: str | None) -> Recurrence | None:
    """The `Recurrence` of Google's lines (None when there are none)."""
    cleaned = [line.strip() for line in lines if line.strip()]
    if not cleaned:
        return None
    try:
        if start is None:
            raise _Unsupported("a series without a start")
        return _parse(cleaned, start, time_zone)
    except _Unsupported:
        return Recurrence(rrule=f"{UNSUPPORTED} {' | '.join(cleaned)}")


def _parse(lines: list[str], start: Moment, time_zone: str | None) -> Recurrence:
    rules: list[str] = []
    exdates: list[Moment] = []
    rdates: list[Moment] = []
    for line in lines:
        name, params, value = _split(line)
        if name == "RRULE":
            rules.append(value)
        elif name in ("EXDATE", "RDATE"):
            target = exdates if name == "EXDATE" else rdates
            target.extend(_value(v, params, start, time_zone) for v in value.split(",") if v.strip())
        else:
            raise _Unsupported(line)
    if len(rules) != 1:
        raise _Unsupported("not exactly one RRULE")
    return Recurrence(rrule=rules[0], exdates=_sorted(exdates), rdates=_sorted(rdates))


def _format(moments: Sequence[Moment], start: Moment, time_zone: str | None) -> tuple[str, str]:
    """(parameters, values) of an EXDATE/RDATE line for the series' kind."""
    if not isinstance(start, datetime):
        days = [m if not isinstance(m, datetime) else m.date() for m in moments]
        return ";VALUE=DATE", ",".join(d.strftime("%Y%m%d") for d in days)
    values = []
    for moment in moments:
        if not isinstance(moment, datetime):
            raise Unwritable(f"the exception date {moment.isoformat()} of a timed series is a date, not a time")
        if moment.tzinfo is None:
            raise Unwritable(f"the exception time {moment.isoformat()} has no time zone")
        if time_zone:
            values.append(moment.astimezone(_writable_zone(time_zone)).strftime("%Y%m%dT%H%M%S"))
        else:
            values.append(moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    return (f";TZID={time_zone}" if time_zone else ""), ",".join(values)


def _writable_zone(name: str) -> ZoneInfo:
    try:
        return _zone(name)
    except _Unsupported as exc:
        raise Unwritable(str(exc)) from None


def recurrence_lines(recurrence: Recurrence, start: Moment, time_zone: str | None) -> list[str]:
    """Google's lines for a series starting at `start` (in `time_zone` when timed)."""
    rule = recurrence.rrule.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    if not rule or rule.upper().startswith(UNSUPPORTED):
        raise Unwritable(f"the recurrence {recurrence.rrule!r} cannot be written to Google")
    lines = [f"RRULE:{rule}"]
    for name, moments in (("EXDATE", recurrence.exdates), ("RDATE", recurrence.rdates)):
        if moments:
            params, values = _format(_sorted(moments), start, time_zone)
            lines.append(f"{name}{params}:{values}")
    return lines


def occurs(recurrence: Recurrence, start: Moment, time_zone: str | None, original: Moment) -> bool:
    """Whether `original` is an occurrence of the series, its exdates aside (used before
    bringing back a cancelled occurrence: one that no longer belongs to the series stays away)."""
    try:
        zone = _zone(time_zone)
        rules = _rules(recurrence, start, zone)
    except (_Unsupported, ValueError, TypeError):
        return False
    if isinstance(start, datetime):
        if not isinstance(original, datetime):
            return False
        local = original.astimezone(zone)
        window = timedelta(seconds=1)
    else:
        if isinstance(original, datetime):
            return False
        local = datetime.combine(original, time())
        window = timedelta(0)
    try:
        return bool(rules.between(local - window, local + window, inc=True))
    except (ValueError, TypeError):
        return False


def _until_in_utc(rule: str, zone: ZoneInfo) -> str:
    """dateutil wants UNTIL in UTC beside an aware start; RFC 5545 also allows a date or a
    local time there, meaning the end of that day (or that time) in the series' zone."""
    parts = []
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        if key.strip().upper() == "UNTIL" and not value.strip().upper().endswith("Z"):
            local = _wall_time(value.strip(), zone)
            part = "UNTIL=" + local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        parts.append(part)
    return ";".join(parts)


def _rules(recurrence: Recurrence, start: Moment, zone: ZoneInfo) -> rruleset:
    first = start.astimezone(zone) if isinstance(start, datetime) else datetime.combine(start, time())
    rule = recurrence.rrule.removeprefix("RRULE:")
    if rule.upper().startswith(UNSUPPORTED):
        raise _Unsupported(rule)
    if isinstance(start, datetime):
        rule = _until_in_utc(rule, zone)
    rules = rrulestr("RRULE:" + rule, dtstart=first, forceset=True)
    if not isinstance(rules, rruleset):  # pragma: no cover - forceset always gives a set
        raise _Unsupported(rule)
    rules.rdate(first)
    for moment in recurrence.rdates:
        rules.rdate(moment.astimezone(zone) if isinstance(moment, datetime) else datetime.combine(moment, time()))
    return rules
