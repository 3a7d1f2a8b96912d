"""The mail log: who Google would email for each write, per sendUpdates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tandem.emulators.google import Notification
from tests.integration.google_emulator.helpers import ALICE, BOB, CAROL, OUTSIDER, Calendar, timed

EVENT_ID = "mail000000000001"


def _meeting(*guests: str) -> dict[str, Any]:
    return {
        "id": EVENT_ID,
        "summary": "Kick-off",
        **timed("2030-05-06T10:00:00Z", "2030-05-06T11:00:00Z"),
        "attendees": [{"email": ALICE}] + [{"email": g} for g in guests],
    }


def _mail(calendar: Calendar) -> list[tuple[str, str]]:
    notifications: tuple[Notification, ...] = calendar.server.state.notifications()
    return sorted((n.recipient, n.kind) for n in notifications)


def test_send_updates_all_mails_every_attendee_but_the_organizer(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_meeting(BOB, OUTSIDER), sendUpdates="all")
    assert _mail(alice) == [(BOB, "invitation"), (OUTSIDER, "invitation")]
    mail = alice.server.state.notifications()[0]
    assert mail.event_id == EVENT_ID
    assert mail.organizer == ALICE
    assert mail.time.tzinfo is not None


def test_send_updates_external_only_mails_guests_outside_the_domain(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_meeting(BOB, OUTSIDER), sendUpdates="externalOnly")
    assert _mail(alice) == [(OUTSIDER, "invitation")]


def test_without_send_updates_or_with_none_nobody_is_mailed(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_meeting(BOB, OUTSIDER))
    alice.patch(EVENT_ID, {"summary": "Changed"}, sendUpdates="none")
    alice.delete(EVENT_ID)
    assert _mail(alice) == []


def test_changes_mail_updates_added_and_removed_guests_and_deletion_mails_cancellations(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_meeting(BOB, OUTSIDER))
    alice.patch(
        EVENT_ID,
        {"summary": "Kick-off v2", "attendees": [{"email": ALICE}, {"email": BOB}, {"email": CAROL}]},
        sendUpdates="all",
    )
    assert _mail(alice) == [(BOB, "update"), (CAROL, "invitation"), (OUTSIDER, "cancellation")]
    alice.server.state.clear_notifications()
    alice.delete(EVENT_ID, sendUpdates="all")
    assert _mail(alice) == [(BOB, "cancellation"), (CAROL, "cancellation")]


def test_a_change_invisible_to_guests_mails_nobody(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_meeting(BOB))
    alice.patch(EVENT_ID, {"extendedProperties": {"private": {"tandem": "1"}}}, sendUpdates="all")
    assert _mail(alice) == []


def test_an_attendees_reply_mails_the_organizer_only_when_asked(calendar_of: Callable[[str], Calendar]) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    alice.insert(_meeting(BOB))
    bob.patch(EVENT_ID, {"attendees": [{"email": BOB, "responseStatus": "tentative"}]})
    assert _mail(alice) == []
    bob.patch(EVENT_ID, {"attendees": [{"email": BOB, "responseStatus": "accepted"}]}, sendUpdates="all")
    assert _mail(alice) == [(ALICE, "reply")]


def test_the_mail_log_can_be_cleared(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.insert(_meeting(BOB), sendUpdates="all")
    alice.server.state.clear_notifications()
    assert alice.server.state.notifications() == ()


def test_an_unknown_send_updates_value_is_400(calendar_of: Callable[[str], Calendar]) -> None:
    assert calendar_of(ALICE).insert(_meeting(BOB), sendUpdates="everyone").status_code == 400
