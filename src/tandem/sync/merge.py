"""Field-level three-way merge against the base snapshot (BEY-2).

For each field group (`FIELDS`), with b the base, p the PSA's value and c the calendar's:

    p == b, c == b      nothing changed                        keep b
    p != b, c == b      the PSA changed it                     take p
    p == b, c != b      the calendar changed it                take c
    p != b, c != b, p == c   both made the same change         take p (nothing to write)
    p != b, c != b, p != c   a true conflict                   the newer side wins; record both

"Newer" compares the activity's `updated_at` with the event's `updated`; a tie, or a
side without a time, goes to the PSA. Without a base (a pair met for the first time)
every difference is a conflict decided the same way.

Each side is compared with its own reference (`Refs`): normally both with the base; after
a crash with writes in flight (an `Intent`), a side the write reached with the intended
target, the other with what it held when the write was planned. When neither side changed
against its reference but they still differ, the target is what they agree on.

Attendees merge one by one, not as one list: adding Ann on one side and Bob on the other
gives both. So do a series' cancelled occurrences (EXDATEs), when both sides kept the rule.
Response status only ever flows from the calendar (CAL-13); a declined external attendee
the PSA dropped (CAL-14d) is not a removal on the PSA side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from typing import Any

from tandem.domain.activity import Moment, Recurrence
from tandem.domain.calendar import ResponseStatus
from tandem.domain.syncstate import SYNCED_FIELD_GROUPS, ConflictWinner, SyncedAttendee, SyncedFields

SCALARS: Mapping[str, Callable[[SyncedFields], Any]] = {
    "summary": lambda f: f.summary,
    "description": lambda f: f.description,
    "location": lambda f: f.location,
    "timing": lambda f: (f.start, f.end, f.time_zone),
    "recurrence": lambda f: f.recurrence,
    "private": lambda f: f.private,
}
FIELDS: tuple[str, ...] = SYNCED_FIELD_GROUPS
"""The field groups of CAL-13. Start, end and zone move together: a merge never takes
the start from one side and the end from the other."""


@dataclass(frozen=True, slots=True)
class Refs:
    """What each side is compared with, and what they agree on when neither changed."""

    psa: SyncedFields | None
    calendar: SyncedFields | None
    target: SyncedFields | None

    @classmethod
    def of(cls, base: SyncedFields | None) -> Refs:
        return cls(base, base, base)


def _with(fields: SyncedFields, name: str, value: Any) -> SyncedFields:
    if name == "timing":
        start, end, time_zone = value
        return replace(fields, start=start, end=end, time_zone=time_zone)
    return replace(fields, **{name: value})


def _emails(fields: SyncedFields | None) -> frozenset[str]:
    return frozenset() if fields is None else frozenset(a.email for a in fields.attendees)


def _psa_emails(psa: SyncedFields, reference: SyncedFields | None) -> frozenset[str]:
    """The attendees the PSA holds, counting a declined external one it dropped (CAL-14d)
    as still there: that is the rule working, not a removal by a user."""
    held = _emails(psa)
    if reference is None:
        return held
    dropped = {a.email for a in reference.attendees if a.response is ResponseStatus.DECLINED and not a.is_user}
    return held | (dropped - held)


def _responses(fields: SyncedFields | None) -> dict[str, ResponseStatus]:
    return {} if fields is None else {a.email: a.response for a in fields.attendees}


def psa_changes(psa: SyncedFields, ref: SyncedFields) -> frozenset[str]:
    """The field groups the PSA changed since `ref`; its response statuses never count."""
    changed = {name for name, get in SCALARS.items() if get(psa) != get(ref)}
    if _psa_emails(psa, ref) != _emails(ref):
        changed.add("attendees")
    return frozenset(changed)


def calendar_changes(calendar: SyncedFields, ref: SyncedFields) -> frozenset[str]:
    """The field groups the calendar changed since `ref`, responses included."""
    changed = {name for name, get in SCALARS.items() if get(calendar) != get(ref)}
    if _responses(calendar) != _responses(ref):
        changed.add("attendees")
    return frozenset(changed)


@dataclass(frozen=True, slots=True)
class Merge:
    """The outcome: what both sides should hold, and what must be written where."""

    fields: SyncedFields
    """The agreed version: written to the calendar and kept as the next base."""
    to_calendar: frozenset[str]
    to_psa: frozenset[str]
    status_updates: frozenset[str]
    """Attendees (emails) whose response the calendar changed: the PSA takes those."""
    conflicts: tuple[str, ...]
    winner: ConflictWinner


def winner_of(psa_time: datetime | None, calendar_time: datetime | None) -> ConflictWinner:
    """The newer side; ties and missing times go to the PSA."""
    if calendar_time is not None and (psa_time is None or calendar_time > psa_time):
        return ConflictWinner.CALENDAR
    return ConflictWinner.PSA


def _pick(p: Any, c: Any, p_changed: bool, c_changed: bool, agreed: Any) -> tuple[Any, bool]:
    """One field's merged value, and whether it was a true conflict (left to the caller).

    `agreed` is the target's value: what both hold when neither changed yet they differ
    (one side got an interrupted write, the other did not).
    """
    if p == c:
        return p, False
    if p_changed != c_changed:
        return (p if p_changed else c), False
    if not p_changed:
        return agreed, False
    return None, True


def _merge_scalars(
    psa: SyncedFields, cal: SyncedFields, refs: Refs, winner: ConflictWinner
) -> tuple[SyncedFields, list[str]]:
    merged, conflicts = psa, []
    for name, get in SCALARS.items():
        p, c = get(psa), get(cal)
        p_changed = refs.psa is None or get(refs.psa) != p
        c_changed = refs.calendar is None or get(refs.calendar) != c
        agreed = p if refs.target is None else get(refs.target)
        value, conflicted = _pick(p, c, p_changed, c_changed, agreed)
        if name == "recurrence" and refs.psa is not None and refs.calendar is not None:
            occurrences = _merge_exdates(p, c, get(refs.psa), get(refs.calendar), agreed)
            if occurrences is not None:
                value, conflicted = occurrences, False
        if conflicted:
            conflicts.append(name)
            value = p if winner is ConflictWinner.PSA else c
        merged = _with(merged, name, value)
    return merged, conflicts


def _merge_exdates(
    psa: Recurrence | None,
    cal: Recurrence | None,
    psa_ref: Recurrence | None,
    cal_ref: Recurrence | None,
    agreed: Recurrence | None,
) -> Recurrence | None:
    """CAL-9: the cancelled occurrences (EXDATEs) of a rule both sides kept, one by one, as
    attendees are: from what the sides agreed on (the base, or an interrupted write's
    target), each side's own cancellations and restorations since its reference stand.
    Taking one side's whole list instead would undo the other's, or drop what an
    interrupted write was still carrying across. None when the rule itself differs
    anywhere: the field then merges as a whole (and may conflict)."""
    if psa is None or cal is None or psa_ref is None or cal_ref is None or agreed is None:
        return None
    recurrences = (psa, cal, psa_ref, cal_ref, agreed)
    if len({(r.rrule, r.rdates) for r in recurrences}) != 1:
        return None
    p, c, p_ref, c_ref, start = (set(r.exdates) for r in recurrences)
    merged = (start | (p - p_ref) | (c - c_ref)) - (p_ref - p) - (c_ref - c)
    return replace(psa, exdates=tuple(sorted(merged, key=_moment_key)))


def _moment_key(moment: Moment) -> datetime:
    return moment if isinstance(moment, datetime) else datetime.combine(moment, time(), tzinfo=UTC)


def _merge_attendees(psa: SyncedFields, cal: SyncedFields, refs: Refs) -> tuple[SyncedAttendee, ...]:
    in_psa = {a.email: a for a in psa.attendees}
    in_cal = {a.email: a for a in cal.attendees}
    held_psa = _psa_emails(psa, refs.psa if refs.psa is not None else cal)
    ref_psa, ref_cal, target = _emails(refs.psa), _emails(refs.calendar), _emails(refs.target)
    known = {a.email: a for fields in (refs.target, refs.psa, refs.calendar) if fields for a in fields.attendees}
    merged: list[SyncedAttendee] = []
    for email in sorted(held_psa | in_cal.keys() | ref_psa | ref_cal):
        p, c = email in held_psa, email in in_cal
        p_changed = refs.psa is None or p != (email in ref_psa)
        c_changed = refs.calendar is None or c != (email in ref_cal)
        keep, conflicted = _pick(p, c, p_changed, c_changed, email in target)
        if conflicted or keep:  # both changed differently: never lose a person
            if email in in_cal:
                merged.append(in_cal[email])
            else:
                known_one = in_psa.get(email) or known[email]
                merged.append(replace(known_one, response=ResponseStatus.NEEDS_ACTION))
    return tuple(merged)


def _status_updates(refs: Refs, cal: SyncedFields, merged: SyncedFields) -> frozenset[str]:
    """Responses the calendar changed since its reference, and those an interrupted write
    was carrying to the PSA and that never reached it (the target holds them, the PSA's
    reference does not): the calendar's reference already holds those, so they would
    otherwise be lost. Without an intent the target and the PSA's reference are the base."""
    before, now = _responses(refs.calendar), _responses(cal)
    intended, psa_had = _responses(refs.target), _responses(refs.psa)
    owed = {e for e, r in intended.items() if psa_had.get(e) != r and now.get(e) == r}
    return frozenset(e for e in _emails(merged) if e in now and (before.get(e) != now[e] or e in owed))


def _psa_needs_attendees(psa: SyncedFields, merged: SyncedFields, updates: frozenset[str]) -> bool:
    merged_by_email = {a.email: a for a in merged.attendees}
    if _psa_emails(psa, merged) != frozenset(merged_by_email):
        return True
    held = _responses(psa)
    return any(e in held and held[e] != merged_by_email[e].response for e in updates)


def merge(psa: SyncedFields, cal: SyncedFields, refs: Refs, winner: ConflictWinner) -> Merge:
    """Merge both sides against their references; `winner` decides true conflicts."""
    merged, conflicts = _merge_scalars(psa, cal, refs, winner)
    merged = replace(merged, attendees=_merge_attendees(psa, cal, refs))
    to_calendar = {n for n, get in SCALARS.items() if get(merged) != get(cal)}
    if _emails(merged) != _emails(cal):
        to_calendar.add("attendees")
    to_psa = {n for n, get in SCALARS.items() if get(merged) != get(psa)}
    updates = _status_updates(refs, cal, merged)
    if _psa_needs_attendees(psa, merged, updates):
        to_psa.add("attendees")
    return Merge(merged, frozenset(to_calendar), frozenset(to_psa), updates, tuple(conflicts), winner)


def keep_calendar(result: Merge, cal: SyncedFields) -> Merge:
    """The merge for a calendar copy Tandem may not write (the user is not its organiser).

    The fields that would have gone to the calendar keep the calendar's value in the
    next base, so the PSA's own edit stays a PSA-side difference instead of being lost.
    """
    agreed = result.fields
    for name in result.to_calendar:
        if name == "attendees":
            agreed = replace(agreed, attendees=cal.attendees)
        else:
            agreed = _with(agreed, name, SCALARS[name](cal))
    return replace(result, fields=agreed, to_calendar=frozenset())
