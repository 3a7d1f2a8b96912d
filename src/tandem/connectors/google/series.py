"""Cancelled occurrences of a series, the way the calendar port wants them. Pure.

Google removes one occurrence of a series by storing a *cancelled exception* (an event
`<series>_<stamp>` with `recurringEventId`, `originalStartTime`, `status: cancelled`),
and keeps EXDATE lines only when a client wrote them. The port asks for one picture: a
series reports every removed occurrence among its master's `recurrence.exdates`, and a
cancelled occurrence is never reported on its own (ports/calendar.py). So:

    full read           every cancelled exception is in the read: fold each into its master
    incremental read    a master that changed, or whose occurrence was cancelled, is
                        completed from its whole series (the adapter lists it by iCalUID)
    a master's exdates  written back as EXDATE lines; a cancelled exception the master's
                        exdates no longer name is brought back (status confirmed) if it is
                        still an occurrence of the series
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time

from tandem.connectors.google.recurrence import occurs
from tandem.domain.activity import Moment, Recurrence
from tandem.domain.calendar import CalendarEvent


@dataclass(frozen=True, slots=True)
class Seen:
    """An event as read, with the `iCalUID` that finds its whole series."""

    event: CalendarEvent
    ical_uid: str | None = None

    @property
    def series_uid(self) -> str:
        return self.ical_uid or f"{self.event.id}@google.com"


def is_cancelled_occurrence(event: CalendarEvent) -> bool:
    return event.cancelled and event.recurring_event_id is not None


def is_live_series(event: CalendarEvent) -> bool:
    return not event.cancelled and event.recurrence is not None and event.recurring_event_id is None


def _key(moment: Moment) -> datetime:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC)
    return datetime.combine(moment, time(), tzinfo=UTC)


def _same_kind(master: CalendarEvent, moment: Moment) -> bool:
    return isinstance(master.start, datetime) == isinstance(moment, datetime)


def with_exdates(master: CalendarEvent, originals: Iterable[Moment]) -> CalendarEvent:
    """The master with `originals` among its exdates (deduplicated, sorted, UTC)."""
    if master.recurrence is None:
        return master
    extra = [m.astimezone(UTC) if isinstance(m, datetime) else m for m in originals if _same_kind(master, m)]
    merged = {_key(m): m for m in (*master.recurrence.exdates, *extra)}
    exdates = tuple(merged[k] for k in sorted(merged))
    if exdates == master.recurrence.exdates:
        return master
    return replace(master, recurrence=replace(master.recurrence, exdates=exdates))


def cancelled_originals(master_id: str, members: Sequence[CalendarEvent]) -> list[CalendarEvent]:
    """The cancelled exceptions of `master_id` among `members` (with an original start)."""
    return [e for e in members if is_cancelled_occurrence(e) and e.recurring_event_id == master_id and e.original_start]


def fold_full_read(events: Sequence[CalendarEvent]) -> list[CalendarEvent]:
    """A full read as the port presents it: each cancelled occurrence folded into its master
    (dropped when the master is gone or itself cancelled: its own cancellation says it all)."""
    members = [e for e in events if is_cancelled_occurrence(e)]
    result = []
    for event in events:
        if is_cancelled_occurrence(event):
            continue
        if is_live_series(event):
            event = with_exdates(
                event, [e.original_start for e in cancelled_originals(event.id, members) if e.original_start]
            )
        result.append(event)
    return result


def to_restore(master: CalendarEvent, wanted: Recurrence, members: Sequence[CalendarEvent]) -> list[CalendarEvent]:
    """Cancelled exceptions the written exdates no longer name and that are still occurrences
    of the series: the PSA brought those occurrences back."""
    if master.start is None:
        return []
    named = {_key(m) for m in wanted.exdates}
    back = []
    for exception in cancelled_originals(master.id, members):
        original = exception.original_start
        if original is None or _key(original) in named or not _same_kind(master, original):
            continue
        if occurs(wanted, master.start, master.time_zone, original):
            back.append(exception)
    return back
