"""My week as rows: a user's activities (their own and those they take part in) that fall in
one week, series expanded into their occurrences, each shown in the viewer's time zone.

Privacy (CAL-6) is decided here, once, for every page that lists activities: an activity of
a Personal type shows its details only to its owner; anyone else sees "Busy" and its time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.domain.activity import ActivityCategory
from tandem.hub import recurrence as rec
from tandem.hub.models import Activity, ActivityParticipant, User
from tandem.hub.services.drafts import exdates

BUSY = "Busy"


def shows_details(activity: Activity, viewer_id: int) -> bool:
    """CAL-6: a Personal activity's details are its owner's alone."""
    return activity.activity_type.category != ActivityCategory.PERSONAL or activity.owner_user_id == viewer_id


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class Entry:
    """One activity (or one occurrence of a series) on one day of the week."""

    guid: str
    day: date
    all_day: bool
    starts: str
    """"09:00–10:00" in the viewer's zone; for an all-day one, its days ("all day")."""
    title: str
    """The activity's name, or "Busy" (CAL-6)."""
    details: bool
    type_name: str
    owner: str
    mine: bool
    recurring: bool
    sort_key: str
    last_day: date
    """The last day it covers (in the viewer's zone): it is listed on each day up to this one."""
    ends: str = ""
    """When it ends on its last day ("17:00"), for the days it goes on into; "" for all-day ones."""

    def on(self, day: date) -> Entry:
        """This entry as listed on `day`, a later day it goes on into."""
        if day == self.day:
            return self
        if self.all_day:
            total = (self.last_day - self.day).days + 1
            starts = f"All day, day {(day - self.day).days + 1} of {total}"
        else:
            starts = f"continues, until {self.ends}" if day == self.last_day else "continues all day"
        return dataclasses.replace(self, day=day, starts=starts, sort_key="0" + self.sort_key)


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    all_day: tuple[Entry, ...]
    timed: tuple[Entry, ...]


def week(session: Session, viewer: User, monday: date) -> tuple[Day, ...]:
    """The seven days from `monday`, each with its all-day entries apart from the timed ones."""
    zone = ZoneInfo(viewer.time_zone or "UTC")
    start = datetime.combine(monday, time(), zone).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(), zone).astimezone(UTC)
    sunday = monday + timedelta(days=6)
    entries: list[Entry] = []
    for activity in _theirs(session, viewer, start, end):
        for entry in _entries(session, activity, viewer, zone, start, end):
            # listed on every day of the week it covers, from the Monday when it began before
            day = max(entry.day, monday)
            while day <= min(entry.last_day, sunday):
                entries.append(entry.on(day))
                day += timedelta(days=1)
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        on_day = sorted((e for e in entries if e.day == day), key=lambda e: e.sort_key)
        days.append(Day(day, tuple(e for e in on_day if e.all_day), tuple(e for e in on_day if not e.all_day)))
    return tuple(days)


def _theirs(session: Session, viewer: User, start: datetime, end: datetime) -> Sequence[Activity]:
    """Live activities the viewer owns or takes part in that may touch [start, end): single
    ones overlapping it, every series that began before its end."""
    taking_part = sa.select(ActivityParticipant.activity_id).where(ActivityParticipant.user_id == viewer.id)
    overlapping = sa.and_(Activity.rrule.is_(None), Activity.start_at < end, Activity.end_at >= start)
    series = sa.and_(Activity.rrule.is_not(None), Activity.start_at < end)
    query = sa.select(Activity).where(
        Activity.is_deleted.is_(False),
        sa.or_(Activity.owner_user_id == viewer.id, Activity.id.in_(taking_part)),
        sa.or_(overlapping, series),
    )
    return session.scalars(query).unique().all()


def _entries(
    session: Session, activity: Activity, viewer: User, zone: ZoneInfo, start: datetime, end: datetime
) -> list[Entry]:
    if not activity.rrule:
        if activity.end_at == start and activity.start_at < start:
            return []  # ended exactly as the week began
        return [_entry(activity, viewer, zone, activity.start_at, activity.start_date)]
    first: datetime | date = activity.start_date if activity.is_all_day and activity.start_date else activity.start_at
    moved = frozenset(_exception_starts(session, activity))
    try:
        found = rec.occurrences(
            activity.rrule, first, activity.time_zone, start, end, frozenset(exdates(activity)) | moved
        )
    except ValueError:
        return []  # a rule the hub kept but cannot expand: the API shows it as stored
    out = []
    for when in found:
        if isinstance(when, datetime):
            out.append(_entry(activity, viewer, zone, when, None))
        else:
            out.append(
                _entry(activity, viewer, zone, datetime.combine(when, time(), ZoneInfo(activity.time_zone)), when)
            )
    return out


def _exception_starts(session: Session, series: Activity) -> list[datetime | date]:
    """The occurrences a moved or changed exception stands in for (shown as their own rows)."""
    children = session.scalars(sa.select(Activity).where(Activity.recurrence_parent_id == series.id)).all()
    starts: list[datetime | date] = []
    for child in children:
        if child.original_start_date is not None:
            starts.append(child.original_start_date)
        elif child.original_start_at is not None:
            starts.append(child.original_start_at)
    return starts


def _entry(activity: Activity, viewer: User, zone: ZoneInfo, begins: datetime, day: date | None) -> Entry:
    details = shows_details(activity, viewer.id)
    length = (activity.end_at - activity.start_at) if not activity.is_all_day else timedelta()
    if activity.is_all_day and day is not None:
        days = ((activity.end_date or day) - (activity.start_date or day)).days if activity.start_date else 1
        shown_day, starts = day, "All day" if days <= 1 else f"All day, {days} days"
        key, last_day, until = "0", day + timedelta(days=max(days, 1) - 1), ""
    else:
        local = begins.astimezone(zone)
        finish = (begins + length).astimezone(zone)
        ends = finish.strftime("%H:%M") if finish.date() == local.date() else finish.strftime("%a %d %b %H:%M")
        shown_day, starts = local.date(), f"{local:%H:%M}–{ends}"
        key, until = f"1{local:%H%M}", f"{finish:%H:%M}"
        # one ending at midnight does not go on into the next day
        last_day = finish.date() - timedelta(days=1) if finish.time() == time() and finish > local else finish.date()
        last_day = max(last_day, shown_day)
    return Entry(
        guid=activity.guid,
        day=shown_day,
        all_day=activity.is_all_day,
        starts=starts,
        title=activity.name if details else BUSY,
        details=details,
        type_name=activity.activity_type.name if details else "",
        owner=activity.owner.full_name if details else "",
        mine=activity.owner_user_id == viewer.id,
        recurring=bool(activity.rrule),
        sort_key=key + activity.guid,
        last_day=last_day,
        ends=until,
    )


def when(activity: Activity, viewer: User) -> str:
    """An activity's time as one line in the viewer's zone ("Mon 07 Dec 2026 09:00–10:00")."""
    if activity.is_all_day and activity.start_date:
        last = (activity.end_date or activity.start_date + timedelta(days=1)) - timedelta(days=1)
        days = f"{activity.start_date:%a %d %b %Y}" + (f" – {last:%a %d %b %Y}" if last != activity.start_date else "")
        text = f"{days}, all day"
    else:
        zone = ZoneInfo(viewer.time_zone or "UTC")
        start, end = activity.start_at.astimezone(zone), activity.end_at.astimezone(zone)
        ends = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %d %b %Y %H:%M}"
        text = f"{start:%a %d %b %Y %H:%M}–{ends} ({zone.key})"
    return text + (", repeating" if activity.rrule else "")
