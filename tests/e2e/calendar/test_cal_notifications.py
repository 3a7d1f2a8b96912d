"""CAL-16, exactly: who gets mail from Google for each kind of change (the emulator's mail
log is compared whole, never "at least")."""

from __future__ import annotations

from tandem.hub.models import Activity as Row
from tandem.hub.services import activities, lookup
from tandem.hub.services.drafts import ParticipantDraft, draft_of, participants_of
from tests.e2e.calendar.conftest import ALICE, BOB, CAROL, OUTSIDER, World
from tests.support import factories
from tests.support.hub import authorised


def _told(world: World) -> set[tuple[str, str]]:
    told = {(to, kind) for to, kind, _ in world.mails()}
    world.server.state.clear_notifications()
    return told


def test_cal_16_exactly_the_attendees_are_told_and_contacts_and_rooms_never(world: World) -> None:
    guid = world.customer_meeting(
        "Design review",
        ParticipantDraft("User", world.users[BOB].guid),
        ParticipantDraft("User", world.users[CAROL].guid),
        ParticipantDraft("Other", email=OUTSIDER, name="Gus Guest"),
    ).guid
    other = factories.customer(world.tandem, "Other Oy")
    world.sync(ALICE)
    # the organiser is not mailed about her own meeting; the contact and the room never are
    assert _told(world) == {(BOB, "invitation"), (CAROL, "invitation"), (OUTSIDER, "invitation")}

    with authorised(world.tandem) as api:

        def patch(path: str, value: object) -> None:
            answer = api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": path, "value": value}])
            assert answer.status_code == 200, answer.text

        patch("/activityType/guid", world.types["Personal"].guid)  # a type change (here: to Personal)
        patch("/activityType/guid", world.types["Meeting"].guid)
        world.sync(ALICE)
        assert _told(world) == set()  # once each write told everyone
        patch("/customer/guid", other.guid)
        world.sync(ALICE)
        assert _told(world) == set()  # a customer is not in the calendar: nobody is told

        patch("/name", "Design review (moved)")
        world.sync(ALICE)
        assert _told(world) == {(BOB, "update"), (CAROL, "update"), (OUTSIDER, "update")}

        # Carol leaves the meeting in the PSA: she is told, the rest hear of the change
        with world.tandem.db.write() as session:
            saved = lookup.get(session, Row, guid, "activity")
            kept = tuple(p for p in participants_of(saved) if p.ref_guid != world.users[CAROL].guid)
            activities.update(session, saved, draft_of(saved, participants=kept), factories.ACTOR)
        world.sync(ALICE)
        assert _told(world) == {(CAROL, "cancellation")}  # the one removed is told, the contact never

        assert api.delete(f"/v1/activities/{guid}").status_code == 204
        world.sync(ALICE)
        assert _told(world) == {(BOB, "cancellation"), (OUTSIDER, "cancellation")}
