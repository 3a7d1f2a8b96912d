"""The contract of `PsaPort` (ports/psa.py), one suite for every PSA the calendar sync
talks to: the hub in-process (SQLite, PostgreSQL), the in-memory PSA, later a Severa REST
connector.

To run it, subclass it in a test module whose name contains `contract` and provide a
`psa_world` fixture returning a `PsaWorld`: the port over a PSA with no activities that
knows two active users (`owner`, `colleague`) and one activity type synced to calendars
(`meeting_type`, category CalendarEntry). How the world is made (hub services, an API,
a seed) is the implementation module's business; the tests use only the port.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from tandem.domain.activity import (
    Activity,
    ActivityCategory,
    ChangeOperation,
    Participant,
    ParticipantKind,
    ParticipantStatus,
)
from tandem.domain.errors import AlreadyExists, NotFound, PreconditionFailed
from tandem.ports.psa import PsaPort

START = datetime(2031, 3, 10, 7, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class PsaWorld:
    psa: PsaPort
    owner: str
    """An active user's guid: owns the activities the tests create."""
    colleague: str
    """Another active user's guid: takes part in some of them."""
    meeting_type: str
    """An active activity type of category CalendarEntry that is synced to calendars."""


def meeting(world: PsaWorld, name: str = "Planning", *, with_colleague: bool = False) -> Activity:
    participants = (
        (Participant(ParticipantKind.USER, ParticipantStatus.ACCEPTED, ref_guid=world.colleague),)
        if with_colleague
        else ()
    )
    return Activity(
        guid=str(uuid.uuid4()),
        name=name,
        start=START,
        end=START + timedelta(hours=1),
        time_zone="Europe/Helsinki",
        type_guid=world.meeting_type,
        category=ActivityCategory.CALENDAR_ENTRY,
        owner_guid=world.owner,
        location="Room 4",
        participants=participants,
    )


def seqs_of(world: PsaWorld, user: str, guid: str, after: int = 0) -> list[tuple[ChangeOperation, str]]:
    return [(c.operation, c.origin) for c in world.psa.changes_for_user(user, after) if c.activity_guid == guid]


class PsaContract:
    """What every `PsaPort` must do. Subclasses provide `psa_world`."""

    def test_the_setup_names_the_users_and_the_synced_type(self, psa_world: PsaWorld) -> None:
        setup = psa_world.psa.setup()
        users = {u.guid: u for u in setup.users}
        assert users[psa_world.owner].is_active is True
        assert users[psa_world.colleague].is_active is True
        assert psa_world.meeting_type in setup.synced_type_guids
        assert setup.type_categories[psa_world.meeting_type] is ActivityCategory.CALENDAR_ENTRY

    # ------------------------------------------------------------------ create, read

    def test_a_created_activity_reads_back_for_its_owner_and_participant(self, psa_world: PsaWorld) -> None:
        psa = psa_world.psa
        activity = meeting(psa_world, with_colleague=True)
        created = psa.create_activity(activity)
        read = psa.get_activities([activity.guid, "not-there"])
        assert set(read) == {activity.guid}  # a missing guid is absent
        got = read[activity.guid]
        assert (got.name, got.location, got.owner_guid, got.deleted) == ("Planning", "Room 4", psa_world.owner, False)
        assert got.start == START
        assert got.version == created.version
        assert [p.ref_guid for p in got.participants if p.kind is ParticipantKind.USER] == [psa_world.colleague]
        assert [a.guid for a in psa.activities_of_user(psa_world.owner)] == [activity.guid]
        assert [a.guid for a in psa.activities_of_user(psa_world.colleague)] == [activity.guid]

    def test_a_taken_guid_is_already_there(self, psa_world: PsaWorld) -> None:
        psa = psa_world.psa
        activity = psa.create_activity(meeting(psa_world))
        with pytest.raises(AlreadyExists):
            psa.create_activity(replace(meeting(psa_world, "Other"), guid=activity.guid))
        psa.delete_activity(activity.guid, activity.version)
        with pytest.raises(AlreadyExists):  # a guid stays taken after a delete
            psa.create_activity(replace(meeting(psa_world, "Other"), guid=activity.guid))
        assert psa.get_activities([activity.guid])[activity.guid].name == "Planning"

    # ------------------------------------------------------------------ the change log

    def test_changes_reach_owner_and_participants_oldest_first_tagged_as_the_sync(self, psa_world: PsaWorld) -> None:
        psa = psa_world.psa
        before = psa.latest_seq()
        first = psa.create_activity(meeting(psa_world, "First", with_colleague=True))
        second = psa.create_activity(meeting(psa_world, "Second"))
        mine = psa.changes_for_user(psa_world.owner, before)
        assert [(c.activity_guid, c.operation, c.origin) for c in mine] == [
            (first.guid, ChangeOperation.CREATE, "sync"),
            (second.guid, ChangeOperation.CREATE, "sync"),
        ]
        assert mine[0].seq < mine[1].seq
        assert psa.latest_seq() == mine[1].seq
        assert [c.activity_guid for c in psa.changes_for_user(psa_world.colleague, before)] == [first.guid]
        assert [c.activity_guid for c in psa.changes_for_user(psa_world.owner, mine[0].seq)] == [second.guid]
        assert [c.activity_guid for c in psa.changes_for_user(psa_world.owner, before, limit=1)] == [first.guid]
        assert psa.changes_for_user(psa_world.owner, psa.latest_seq()) == []
        assert 0 < psa.oldest_seq() <= mine[0].seq

    def test_touched_after_names_every_user_of_each_change_in_seq_order(self, psa_world: PsaWorld) -> None:
        psa = psa_world.psa
        before = psa.latest_seq()
        psa.create_activity(meeting(psa_world, "Shared", with_colleague=True))
        psa.create_activity(meeting(psa_world, "Alone"))
        touched = psa.touched_after(before)
        shared_seq, alone_seq = (c.seq for c in psa.changes_for_user(psa_world.owner, before))
        assert sorted(touched) == sorted(
            [(shared_seq, psa_world.owner), (shared_seq, psa_world.colleague), (alone_seq, psa_world.owner)]
        )
        assert [seq for seq, _ in touched] == sorted(seq for seq, _ in touched)
        assert psa.touched_after(shared_seq) == [(alone_seq, psa_world.owner)]

    def test_a_removed_participant_still_hears_of_the_change(self, psa_world: PsaWorld) -> None:
        psa = psa_world.psa
        created = psa.create_activity(meeting(psa_world, with_colleague=True))
        after_create = psa.latest_seq()
        updated = psa.update_activity(replace(created, participants=()), created.version)
        assert seqs_of(psa_world, psa_world.colleague, created.guid, after_create) == [(ChangeOperation.UPDATE, "sync")]
        assert psa.activities_of_user(psa_world.colleague) == []
        assert updated.participants == ()

    # ------------------------------------------------------------------ update, delete, restore

    def test_an_update_needs_the_current_version(self, psa_world: PsaWorld) -> None:
        psa = psa_world.psa
        created = psa.create_activity(meeting(psa_world))
        updated = psa.update_activity(replace(created, name="Planning v2"), created.version)
        assert updated.version > created.version
        with pytest.raises(PreconditionFailed):
            psa.update_activity(replace(created, name="Stale"), created.version)
        assert psa.get_activities([created.guid])[created.guid].name == "Planning v2"
        with pytest.raises(NotFound):
            psa.update_activity(meeting(psa_world, "Nowhere"), 1)

    def test_a_delete_leaves_a_tombstone_and_deleting_again_is_success(self, psa_world: PsaWorld) -> None:
        psa = psa_world.psa
        created = psa.create_activity(meeting(psa_world, with_colleague=True))
        edited = psa.update_activity(replace(created, name="Planning v2"), created.version)
        with pytest.raises(PreconditionFailed):
            psa.delete_activity(created.guid, created.version)
        assert psa.get_activities([created.guid])[created.guid].deleted is False
        psa.delete_activity(created.guid, edited.version)
        psa.delete_activity(created.guid, edited.version)  # already deleted: success
        assert psa.get_activities([created.guid])[created.guid].deleted is True
        assert psa.activities_of_user(psa_world.owner) == []
        assert seqs_of(psa_world, psa_world.colleague, created.guid)[-1] == (ChangeOperation.DELETE, "sync")
        with pytest.raises(PreconditionFailed):
            psa.update_activity(replace(edited, name="After the delete"), edited.version)

    def test_a_restore_without_a_version_creates_under_the_guid(self, psa_world: PsaWorld) -> None:
        psa = psa_world.psa
        activity = meeting(psa_world, "Came back")
        restored = psa.restore_activity(activity, None)
        assert restored.guid == activity.guid
        assert psa.get_activities([activity.guid])[activity.guid].name == "Came back"
        again = psa.restore_activity(replace(restored, name="Came back v2"), restored.version)
        assert again.version > restored.version
        with pytest.raises(PreconditionFailed):
            psa.restore_activity(replace(restored, name="Stale"), restored.version)
        assert psa.get_activities([activity.guid])[activity.guid].name == "Came back v2"
