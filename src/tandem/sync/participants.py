"""Participants <-> attendees (CAL-14), and participation status (CAL-13).

Four kinds of PSA participant, and what each becomes in the calendar:

    User      a PSA user: an attendee, on both sides (CAL-14a)
    Contact   a customer contact: PSA only, never sent, never notified (CAL-14b)
    Resource  a reservation: PSA only, never sent (CAL-14c)
    Other     an external person: an attendee (CAL-14d)

An attendee coming from the calendar becomes a User participant when its email is a PSA
user's (case-insensitive), else an Other named by its display name or its email. Status
flows calendar -> PSA only; an external attendee who declines leaves the PSA list. The
organiser of the item is never an attendee here: the calendar knows them as organiser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from tandem.domain.activity import Participant, ParticipantKind, ParticipantStatus
from tandem.domain.calendar import Attendee, ResponseStatus
from tandem.domain.syncstate import SyncedAttendee
from tandem.sync.context import People

STATUS_FROM_RESPONSE: Mapping[ResponseStatus, ParticipantStatus] = {
    ResponseStatus.NEEDS_ACTION: ParticipantStatus.INVITED,
    ResponseStatus.ACCEPTED: ParticipantStatus.ACCEPTED,
    ResponseStatus.TENTATIVE: ParticipantStatus.TENTATIVE,
    ResponseStatus.DECLINED: ParticipantStatus.DECLINED,
}

RESPONSE_FROM_STATUS: Mapping[ParticipantStatus, ResponseStatus] = {
    ParticipantStatus.UNKNOWN: ResponseStatus.NEEDS_ACTION,
    ParticipantStatus.INVITED: ResponseStatus.NEEDS_ACTION,
    ParticipantStatus.ACCEPTED: ResponseStatus.ACCEPTED,
    ParticipantStatus.TENTATIVE: ResponseStatus.TENTATIVE,
    ParticipantStatus.DECLINED: ResponseStatus.DECLINED,
}

_SENT_KINDS = frozenset({ParticipantKind.USER, ParticipantKind.OTHER})


def _lower(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    return email.strip().lower()


def participant_email(participant: Participant, people: People) -> str | None:
    """The email a participant is known by in the calendar, or None if it never goes there."""
    if participant.kind not in _SENT_KINDS:
        return None
    email = _lower(participant.email)
    if email is None and participant.kind is ParticipantKind.USER:
        email = people.email_of(participant.ref_guid)
    return email


def _sorted(attendees: Iterable[SyncedAttendee]) -> tuple[SyncedAttendee, ...]:
    unique: dict[str, SyncedAttendee] = {}
    for attendee in attendees:
        unique.setdefault(attendee.email, attendee)
    return tuple(unique[email] for email in sorted(unique))


def attendees_from_participants(
    participants: Iterable[Participant], people: People, organiser: str
) -> tuple[SyncedAttendee, ...]:
    """The attendees an activity's participants stand for (Contacts and Resources never leave)."""
    found = []
    for p in participants:
        email = participant_email(p, people)
        if email is None or email == organiser:
            continue
        found.append(
            SyncedAttendee(
                email=email,
                response=RESPONSE_FROM_STATUS[p.status],
                name=p.name,
                is_user=people.user_guid(email) is not None,
            )
        )
    return _sorted(found)


def attendees_from_event(attendees: Iterable[Attendee], people: People, organiser: str) -> tuple[SyncedAttendee, ...]:
    """The people of a calendar event; rooms (resource attendees) are calendar-only."""
    found = []
    for a in attendees:
        email = _lower(a.email)
        if email is None or a.resource or email == organiser:
            continue
        found.append(
            SyncedAttendee(
                email=email,
                response=a.response_status,
                name=a.display_name,
                is_user=people.user_guid(email) is not None,
            )
        )
    return _sorted(found)


def calendar_attendees(attendees: Iterable[SyncedAttendee], keep_from: Iterable[Attendee] = ()) -> tuple[Attendee, ...]:
    """Attendees to write, keeping what the calendar alone knows (rooms, the organiser entry)."""
    kept = tuple(a for a in keep_from if a.resource or a.organizer)
    kept_emails = {_lower(a.email) for a in kept}
    written = tuple(
        Attendee(email=a.email, display_name=a.name, response_status=a.response)
        for a in attendees
        if a.email not in kept_emails
    )
    return kept + written


def _new_participant(attendee: SyncedAttendee, people: People) -> Participant:
    status = STATUS_FROM_RESPONSE[attendee.response]
    user_guid = people.user_guid(attendee.email)
    if user_guid is not None:
        return Participant(
            kind=ParticipantKind.USER, status=status, email=attendee.email, name=attendee.name, ref_guid=user_guid
        )
    # CAL-14d: an external attendee is shown as "Firstname Lastname", or by email.
    return Participant(
        kind=ParticipantKind.OTHER, status=status, email=attendee.email, name=attendee.name or attendee.email
    )


def _declined_external(attendee: SyncedAttendee) -> bool:
    return attendee.response is ResponseStatus.DECLINED and not attendee.is_user


def participants_with(
    existing: tuple[Participant, ...],
    attendees: tuple[SyncedAttendee, ...],
    status_updates: frozenset[str],
    people: People,
    organiser: str,
) -> tuple[Participant, ...]:
    """The participants after taking the merged attendee list into the PSA.

    Participants that never go to the calendar (Contacts, Resources, people without an
    email, the organiser) stay as they are. Attendees whose response changed in the
    calendar (`status_updates`) bring their status; an external one who declined is
    removed (CAL-14d). Participants kept keep their hub identity (guid, ref_guid).
    """
    wanted = {a.email: a for a in attendees}
    result: list[Participant] = []
    seen: set[str] = set()
    for p in existing:
        email = participant_email(p, people)
        if email is None or email == organiser:
            result.append(p)
            continue
        attendee = wanted.get(email)
        if attendee is None or email in seen:
            continue
        seen.add(email)
        if email in status_updates:
            if _declined_external(attendee):
                continue
            p = replace(p, status=STATUS_FROM_RESPONSE[attendee.response])
        result.append(p)
    for attendee in attendees:
        if attendee.email in seen or _declined_external(attendee):
            continue
        result.append(_new_participant(attendee, people))
    return tuple(result)
