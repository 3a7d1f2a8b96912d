"""Recurring series: expansion, instance ids, and checking recurrence lines.

A series is expanded in the wall-clock time of its `start.timeZone` (so 10:00 stays 10:00
across a DST change), with RRULE/EXRULE through python-dateutil and RDATE/EXDATE parsed
here (their TZID/VALUE=DATE/`Z` forms must meet the occurrences in the same frame).
Google caps what it expands; we cap each series at `MAX_INSTANCES` per request.

Instance ids are `<masterId>_<YYYYMMDDTHHMMSSZ>` (original start in UTC) or
`<masterId>_<YYYYMMDD>` for all-day series, as Google forms them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from dateutil import rrule

from tandem.emulators.google import errors
from tandem.emulators.google.times import When, zone

MAX_INSTANCES = 730
_FINITE_SCAN_LIMIT = 5000
_INSTANCE_SUFFIX = re.compile(r"^(?P<master>.+)_(?P<stamp>\d{8}(?:T\d{6}Z)?)$")
_VALUE = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")
_UNTIL = re.compile(r"UNTIL=([0-9TZ]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Series:
    """What expansion needs from a master: its rules, first start and duration."""

    lines: tuple[str, ...]
    start: When
    duration: timedelta

    @property
    def all_day(self) -> bool:
        return self.start.all_day

    def rule_start(self) -> datetime:
        """DTSTART in the expansion frame: naive midnight (all-day) or aware local time."""
        if self.start.day is not None:
            return datetime.combine(self.start.day, time(0))
        assert self.start.instant is not None
        assert self.start.time_zone is not None
        return self.start.instant.astimezone(zone(self.start.time_zone))

    def to_when(self, occurrence: datetime) -> When:
        if self.all_day:
            return When(day=occurrence.date(), time_zone=self.start.time_zone)
        return When(instant=occurrence.astimezone(UTC), time_zone=self.start.time_zone)

    def frame(self, moment: datetime, calendar_zone: str) -> datetime:
        """A UTC bound moved into the expansion frame (all-day dates float in the calendar zone)."""
        if self.all_day:
            return moment.astimezone(zone(calendar_zone)).replace(tzinfo=None)
        return moment


def validate(lines: list[str], start: When) -> None:
    """Reject what Google rejects: unknown line types, unparsable rules, no zone on timed series."""
    if start.instant is not None and not start.time_zone:
        raise errors.required("Missing time zone definition for start time.", location="start")
    for line in lines:
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        if name not in ("RRULE", "EXRULE", "RDATE", "EXDATE") or ":" not in line:
            raise errors.invalid("Invalid recurrence rule.", location="recurrence")
    try:
        rule_set(Series(tuple(lines), start, timedelta(0)))
    except (ValueError, TypeError, KeyError):
        raise errors.invalid("Invalid recurrence rule.", location="recurrence") from None


def rule_set(series: Series) -> rrule.rruleset:
    return _compiled(series.lines, series.rule_start())


@lru_cache(maxsize=8192)
def _compiled(lines: tuple[str, ...], dtstart: datetime) -> rrule.rruleset:
    aware = dtstart.tzinfo is not None
    rules = [_normalise_until(line, dtstart) for line in lines if line.upper().startswith(("RRULE", "EXRULE"))]
    result = rrule.rrulestr("\n".join(rules), dtstart=dtstart, forceset=True) if rules else rrule.rruleset()
    if not isinstance(result, rrule.rruleset):  # pragma: no cover - forceset guarantees a set
        raise TypeError("expected an rruleset")
    result.rdate(dtstart)  # RFC 5545: DTSTART is always the first instance
    for line in lines:
        upper = line.upper()
        if upper.startswith(("RDATE", "EXDATE")):
            for moment in _date_values(line, dtstart, aware):
                (result.rdate if upper.startswith("RDATE") else result.exdate)(moment)
    return result


def _wall(day_digits: str, time_digits: str | None) -> datetime:
    """A floating (naive) wall-clock time from iCalendar digits."""
    text = day_digits + (time_digits or "000000") + "+0000"
    return datetime.strptime(text, "%Y%m%d%H%M%S%z").replace(tzinfo=None)


def _normalise_until(line: str, dtstart: datetime) -> str:
    """UNTIL must be UTC for a zoned DTSTART and floating for a floating one (dateutil insists)."""
    match = _UNTIL.search(line)
    if match is None:
        return line
    value = match.group(1).upper()
    parsed = _VALUE.match(value)
    if parsed is None:
        raise ValueError(value)
    if dtstart.tzinfo is None:
        new = parsed.group(1) + ("T" + parsed.group(2) if parsed.group(2) else "")
    else:
        if parsed.group(2) and parsed.group(3):
            return line
        local = _wall(parsed.group(1), parsed.group(2) or "235959")
        new = local.replace(tzinfo=dtstart.tzinfo).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return line[: match.start(1)] + new + line[match.end(1) :]


def _date_values(line: str, dtstart: datetime, aware: bool) -> Iterator[datetime]:
    head, _, values = line.partition(":")
    params = dict(p.split("=", 1) for p in head.split(";")[1:] if "=" in p)
    tzinfo = zone(params["TZID"]) if "TZID" in params else dtstart.tzinfo
    for raw in values.split(","):
        parsed = _VALUE.match(raw.strip().upper())
        if parsed is None:
            raise ValueError(raw)
        if not parsed.group(2):
            moment = _wall(parsed.group(1), dtstart.strftime("%H%M%S"))
            yield moment.replace(tzinfo=dtstart.tzinfo) if aware else moment
            continue
        moment = _wall(parsed.group(1), parsed.group(2))
        if not aware:
            yield moment.replace(hour=0, minute=0, second=0)
        elif parsed.group(3):
            yield moment.replace(tzinfo=UTC).astimezone(dtstart.tzinfo)
        else:
            yield moment.replace(tzinfo=tzinfo)


def expand(
    series: Series,
    *,
    after: datetime | None,
    before: datetime | None,
    calendar_zone: str,
    limit: int = MAX_INSTANCES,
) -> list[When]:
    """Original starts of the occurrences that overlap (after, before), at most `limit`."""
    rules = rule_set(series)
    if after is None:
        source: Iterator[datetime] = iter(rules)
    else:
        floor = series.frame(after - series.duration, calendar_zone)
        source = rules.xafter(floor, inc=False)
    ceiling = series.frame(before, calendar_zone) if before is not None else None
    found: list[When] = []
    for occurrence in source:
        if ceiling is not None and occurrence >= ceiling:
            break
        found.append(series.to_when(occurrence))
        if len(found) >= limit:
            break
    return found


def occurs(series: Series, original: When, calendar_zone: str) -> bool:
    """Whether `original` is one of the series' occurrences (EXDATEs excluded)."""
    moment = original.utc(calendar_zone)
    hits = expand(
        series,
        after=moment - timedelta(seconds=1) + series.duration,
        before=moment + timedelta(seconds=1),
        calendar_zone=calendar_zone,
        limit=4,
    )
    return any(h.utc(calendar_zone) == moment for h in hits)


def last_start(series: Series, calendar_zone: str) -> datetime | None:
    """UTC start of the last occurrence, or None for an open-ended series."""
    rrules = [line.upper() for line in series.lines if line.upper().startswith("RRULE")]
    if any("COUNT=" not in r and "UNTIL=" not in r for r in rrules):
        return None
    last: datetime | None = None
    for index, occurrence in enumerate(rule_set(series)):
        if index >= _FINITE_SCAN_LIMIT:
            return None
        last = occurrence
    return series.to_when(last).utc(calendar_zone) if last is not None else series.start.utc(calendar_zone)


def instance_id(master_id: str, original: When) -> str:
    if original.day is not None:
        return f"{master_id}_{original.day.strftime('%Y%m%d')}"
    assert original.instant is not None
    return f"{master_id}_{original.instant.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def split_instance_id(event_id: str) -> tuple[str, str] | None:
    """(masterId, stamp) if `event_id` has the shape of an instance id."""
    match = _INSTANCE_SUFFIX.match(event_id)
    return (match.group("master"), match.group("stamp")) if match else None


def original_from_stamp(stamp: str, series: Series) -> When | None:
    """The original start named by an instance-id stamp, in the series' own form."""
    if series.all_day != (len(stamp) == 8):
        return None
    if series.all_day:
        return When(day=date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8])), time_zone=series.start.time_zone)
    moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return When(instant=moment, time_zone=series.start.time_zone)
