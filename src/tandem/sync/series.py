"""Recurrence: one canonical spelling, and "does this still happen after a moment?".

Both questions are answered with python-dateutil's `rrule`, which is pure. Timed series
expand in their own IANA zone (wall-clock recurrence across daylight-saving changes, as
RFC 5545 and Google do); all-day series expand over dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr

from tandem.domain import limits
from tandem.domain.activity import Moment, Recurrence


class Unrepresentable(ValueError):
    """A version of an item that the other side cannot hold; the reason is for the admin (CAL-17)."""


def zone(name: str | None) -> ZoneInfo:
    if not limits.is_time_zone(name or "UTC"):
        raise Unrepresentable(f"unknown time zone {name!r}")
    return ZoneInfo(name or "UTC")


def normalise_moment(value: Moment) -> Moment:
    """UTC for instants; dates stay dates. A naive datetime is a bug on the other side."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise Unrepresentable(f"time {value.isoformat()} has no time zone")
        return value.astimezone(UTC)
    return value


def normalise_rrule(rule: str) -> str:
    """Upper case, no `RRULE:` prefix, FREQ first and the other parts sorted.

    The order of RRULE parts carries no meaning (RFC 5545 §3.3.10), so two sides that
    spell the same rule differently still compare equal.
    """
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    parts = [p.strip().upper() for p in text.split(";") if p.strip()]
    freq = [p for p in parts if p.startswith("FREQ=")]
    if len(freq) != 1:
        raise Unrepresentable(f"recurrence rule {rule!r} has no single FREQ")
    return ";".join(freq + sorted(p for p in parts if not p.startswith("FREQ=")))


def normalise_recurrence(recurrence: Recurrence | None, start: Moment) -> Recurrence | None:
    if recurrence is None:
        return None
    timed = isinstance(start, datetime)
    for moment in (*recurrence.exdates, *recurrence.rdates):
        if isinstance(moment, datetime) != timed:
            raise Unrepresentable("an exception date of a series is not of the same kind as its start")
    return Recurrence(
        rrule=normalise_rrule(recurrence.rrule),
        exdates=tuple(sorted({normalise_moment(m) for m in recurrence.exdates}, key=_sort_key)),
        rdates=tuple(sorted({normalise_moment(m) for m in recurrence.rdates}, key=_sort_key)),
    )


def _sort_key(moment: Moment) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time(), tzinfo=UTC)


def _as_local(moment: Moment, tz: ZoneInfo) -> datetime:
    """A moment on the series' own clock: aware in its zone, or naive midnight for dates.

    All-day series expand over naive dates, as RFC 5545 floating values: an all-day
    `UNTIL=20240501` must not be compared with an aware start.
    """
    if isinstance(moment, datetime):
        return moment.astimezone(tz)
    return datetime.combine(moment, time())


def _occurrences(recurrence: Recurrence, start: Moment, tz: ZoneInfo) -> rruleset:
    first = _as_local(start, tz)
    try:
        rules = rrulestr("RRULE:" + recurrence.rrule, dtstart=first, forceset=True)
    except (ValueError, TypeError) as exc:
        raise Unrepresentable(f"recurrence rule {recurrence.rrule!r} cannot be read: {exc}") from exc
    if not isinstance(rules, rruleset):  # pragma: no cover - forceset always gives a set
        raise Unrepresentable(f"recurrence rule {recurrence.rrule!r} cannot be read")
    for moment in recurrence.rdates:
        rules.rdate(_as_local(moment, tz))
    for moment in recurrence.exdates:
        rules.exdate(_as_local(moment, tz))
    return rules


def check_recurrence(recurrence: Recurrence | None, start: Moment, time_zone: str | None) -> None:
    """Raise Unrepresentable when a series cannot be expanded (the PSA could not show it)."""
    if recurrence is not None:
        rules = _occurrences(recurrence, start, zone(time_zone))
        try:
            rules.after(_as_local(start, zone(time_zone)), inc=True)
        except (ValueError, TypeError) as exc:
            raise Unrepresentable(f"recurrence rule {recurrence.rrule!r} cannot be expanded: {exc}") from exc


def without_stray_exdates(recurrence: Recurrence | None, start: Moment, time_zone: str | None) -> Recurrence | None:
    """The recurrence without EXDATEs that name no occurrence of its rule: they exclude
    nothing (a cancelled occurrence of a series whose time moved since: Google keeps it
    cancelled under its old start), so the two sides compare on what they show (CAL-9)."""
    if recurrence is None or not recurrence.exdates:
        return recurrence
    tz = zone(time_zone)
    rules = _occurrences(Recurrence(rrule=recurrence.rrule, rdates=recurrence.rdates), start, tz)
    kept = []
    for moment in recurrence.exdates:
        local = _as_local(moment, tz)
        try:
            found = rules.after(local, inc=True)
        except (ValueError, TypeError) as exc:
            raise Unrepresentable(f"recurrence rule {recurrence.rrule!r} cannot be expanded: {exc}") from exc
        if found == local:
            kept.append(moment)
    return Recurrence(rrule=recurrence.rrule, exdates=tuple(kept), rdates=recurrence.rdates)


def ends_after(
    start: Moment, end: Moment, recurrence: Recurrence | None, time_zone: str | None, moment: datetime
) -> bool:
    """Whether the item, or any occurrence of its series, ends after `moment`.

    CAL-10 and CAL-11 both ask this: a past single item ends before now; a series with
    an occurrence still to come does not. All-day items end at midnight of their
    (exclusive) end date in their zone.
    """
    tz = zone(time_zone)
    local_moment = moment.astimezone(tz)
    if not isinstance(start, datetime):
        local_moment = local_moment.replace(tzinfo=None)
    first_start, first_end = _as_local(start, tz), _as_local(end, tz)
    if first_end > local_moment:
        return True
    if recurrence is None:
        return False
    duration: timedelta = first_end - first_start
    try:
        following = _occurrences(recurrence, start, tz).after(local_moment - duration, inc=False)
    except (ValueError, TypeError) as exc:
        raise Unrepresentable(f"recurrence rule {recurrence.rrule!r} cannot be expanded: {exc}") from exc
    return following is not None


def as_date(moment: Moment) -> date:
    return moment.date() if isinstance(moment, datetime) else moment
