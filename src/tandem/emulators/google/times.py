"""Times as the Calendar API writes and reads them.

Two kinds of event time exist: `{"date": "YYYY-MM-DD"}` (all-day; the end date is exclusive)
and `{"dateTime": RFC 3339, "timeZone": IANA?}`. Inside the emulator a timed moment is an
aware UTC datetime plus the optional zone name the client gave; a date stays a `date`.
Query parameters (`timeMin`, `timeMax`, `updatedMin`) must carry an offset, else 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tandem.emulators.google import errors


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or ValueError (callers turn it into Google's 400)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(name) from exc


def _fromisoformat(text: str) -> datetime | None:
    cleaned = text.strip()
    if cleaned[-1:] in ("Z", "z"):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        return None


def parse_timestamp(value: str, *, parameter: str) -> datetime:
    """An RFC 3339 query timestamp; an offset is required (Google answers 400 without one)."""
    parsed = _fromisoformat(value) if value else None
    if parsed is None or parsed.tzinfo is None or "T" not in value.upper():
        raise errors.bad_request(location=parameter)
    return parsed.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    """`updated` / `created` style: UTC, milliseconds, `Z`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def format_date_time(moment: datetime, display_zone: str) -> str:
    """`start.dateTime` style: seconds, the offset of the display zone (`Z` for UTC)."""
    local = moment.astimezone(zone(display_zone))
    text = local.replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@dataclass(frozen=True, slots=True)
class When:
    """One end of an event: a date (all-day) or an instant, with the zone the client named."""

    day: date | None = None
    instant: datetime | None = None
    time_zone: str | None = None

    @property
    def all_day(self) -> bool:
        return self.day is not None

    def utc(self, calendar_zone: str) -> datetime:
        """The instant this end stands for; an all-day date is midnight in the calendar's zone."""
        if self.instant is not None:
            return self.instant
        assert self.day is not None
        return datetime.combine(self.day, time(0), tzinfo=zone(calendar_zone)).astimezone(UTC)

    def stored(self) -> dict[str, str]:
        """Canonical form kept in the emulator (UTC instant; rendered per calendar)."""
        out: dict[str, str] = {}
        if self.day is not None:
            out["date"] = self.day.isoformat()
        elif self.instant is not None:
            out["dateTime"] = self.instant.astimezone(UTC).isoformat()
        if self.time_zone:
            out["timeZone"] = self.time_zone
        return out

    def render(self, calendar_zone: str) -> dict[str, str]:
        """What the API answers: a date, or dateTime shown in the event's (else calendar's) zone."""
        if self.day is not None:
            out = {"date": self.day.isoformat()}
        else:
            assert self.instant is not None
            out = {"dateTime": format_date_time(self.instant, self.time_zone or calendar_zone)}
        if self.time_zone:
            out["timeZone"] = self.time_zone
        return out

    def shifted(self, delta: timedelta) -> When:
        if self.day is not None:
            return When(day=self.day + delta, time_zone=self.time_zone)
        assert self.instant is not None
        return When(instant=self.instant + delta, time_zone=self.time_zone)


def parse_when(value: Any, *, field: str) -> When:
    """Validate a client's `start`/`end`/`originalStartTime` the way Google does."""
    if not isinstance(value, dict):
        raise errors.required(f"Missing {field} time.", location=field)
    tz_name = value.get("timeZone")
    if tz_name is not None:
        if not isinstance(tz_name, str):
            raise errors.invalid(f"Invalid time zone definition for {field} time.", location=field)
        try:
            zone(tz_name)
        except ValueError:
            raise errors.invalid(f"Invalid time zone definition for {field} time.", location=field) from None
    raw_date, raw_dt = value.get("date"), value.get("dateTime")
    if raw_date is not None and raw_dt is not None:
        raise errors.invalid(f"Invalid {field} time.", location=field)
    if raw_date is not None:
        return When(day=_parse_date(raw_date, field), time_zone=tz_name or None)
    if raw_dt is None:
        raise errors.required(f"Missing {field} time.", location=field)
    parsed = _fromisoformat(raw_dt) if isinstance(raw_dt, str) and "T" in raw_dt.upper() else None
    if parsed is None:
        raise errors.invalid(f"Invalid {field} time.", location=field)
    if parsed.tzinfo is None:
        if not tz_name:
            raise errors.required(f"Missing time zone definition for {field} time.", location=field)
        parsed = parsed.replace(tzinfo=zone(tz_name))
    return When(instant=parsed.astimezone(UTC), time_zone=tz_name or None)


def _parse_date(raw: Any, field: str) -> date:
    try:
        if not isinstance(raw, str):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise errors.invalid(f"Invalid {field} time.", location=field) from None


def when_from_stored(stored: dict[str, str]) -> When:
    """Inverse of `When.stored()` (trusted input)."""
    tz_name = stored.get("timeZone")
    if "date" in stored:
        return When(day=date.fromisoformat(stored["date"]), time_zone=tz_name)
    return When(instant=datetime.fromisoformat(stored["dateTime"]).astimezone(UTC), time_zone=tz_name)
