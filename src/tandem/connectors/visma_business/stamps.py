"""ChDt/ChTm: Visma Business's change stamp, two integers in the ERP's local time.

ChDt is YYYYMMDD and ChTm is HHMM, so a stamp names a *minute*: two changes in the
same minute carry the same stamp, which is why incremental reads include the
boundary minute again and callers deduplicate by row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def stamp_to_datetime(change_date: int | None, change_time: int | None, zone: ZoneInfo) -> datetime | None:
    """(20240412, 1305) in `zone` → the aware UTC instant; None when unstamped or invalid."""
    if not change_date:
        return None
    time_value = change_time or 0
    try:
        local = datetime(
            change_date // 10000,
            change_date // 100 % 100,
            change_date % 100,
            time_value // 100,
            time_value % 100,
            tzinfo=zone,
        )
    except ValueError:
        return None
    return local.astimezone(UTC)


def datetime_to_stamp(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """An aware instant → (ChDt, ChTm) in `zone`, truncated to the minute."""
    if moment.tzinfo is None:
        raise ValueError("a change stamp needs an aware datetime")
    local = moment.astimezone(zone)
    return local.year * 10000 + local.month * 100 + local.day, local.hour * 100 + local.minute


def date_to_int(day: date) -> int:
    """A date as Visma Business stores dates (OrdDt, VoDt): YYYYMMDD."""
    return day.year * 10000 + day.month * 100 + day.day
