"""The change log (outbox): every change of an activity, in commit order, per user."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.domain.activity import Origin
from tandem.hub.models import Activity, ChangeLog
from tandem.hub.services import activities, changelog, counters, retention
from tandem.hub.services.activities import Actor, ParticipantDraft
from tandem.hub.services.changelog import UnloggedActivityChange
from tandem.hub.services.drafts import draft_of
from tests.support import factories
from tests.support.hub import SpecClient

START = datetime(2026, 12, 1, 8, tzinfo=UTC)


@pytest.fixture
def people(tandem: bootstrap.Tandem) -> dict[str, Any]:
    return {
        "ann": factories.user(tandem, first_name="Ann"),
        "bob": factories.user(tandem, first_name="Bob"),
        "cid": factories.user(tandem, first_name="Cid"),
        "type": factories.activity_type(tandem),
    }


def log(tandem: bootstrap.Tandem) -> list[dict[str, Any]]:
    with tandem.db.read() as session:
        rows = changelog.changes_after(session, 0)
        touched = changelog.users_of_changes(session, [r.seq for r in rows])
        return [
            {
                "seq": r.seq,
                "guid": r.activity_guid,
                "op": r.operation,
                "origin": r.origin,
                "fields": set(r.changed_fields),
                "users": set(touched[r.seq]),
            }
            for r in rows
        ]


def test_every_change_is_logged_with_origin_and_the_users_it_touches(
    api: SpecClient, tandem: bootstrap.Tandem, people: dict[str, Any]
) -> None:
    ann, bob, cid = people["ann"], people["bob"], people["cid"]
    body = factories.activity_body(ann, people["type"])
    guid = api.post("/v1/activities", json=body).json()["guid"]
    api.post("/v1/activityparticipants", json={"activityGuid": guid, "participantGuid": bob.guid, "type": "User"})
    api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/notes", "value": "agenda"}])
    participant = api.get(f"/v1/activities/{guid}/activityparticipants").json()[0]["guid"]
    api.delete(f"/v1/activities/{guid}/activityparticipants/{participant}")
    with tandem.db.write() as session:  # the sync changes the owner (add-on off): both owners are touched
        row = session.scalars(sa.select(Activity).where(Activity.guid == guid)).one()
        activities.update(session, row, draft_of(row, owner_guid=cid.guid), Actor(Origin.SYNC))
    api.delete(f"/v1/activities/{guid}")

    entries = log(tandem)
    assert [e["op"] for e in entries] == ["create", "update", "update", "update", "update", "delete"]
    assert [e["seq"] for e in entries] == sorted({e["seq"] for e in entries})  # strictly increasing
    assert {e["guid"] for e in entries} == {guid}
    assert [e["origin"] for e in entries] == ["api", "api", "api", "api", "sync", "api"]
    assert entries[0]["users"] == {ann.guid}
    assert entries[1]["users"] == {ann.guid, bob.guid}
    assert entries[1]["fields"] == {"participants"}
    assert entries[2]["fields"] == {"notes"}
    assert entries[3]["users"] == {ann.guid, bob.guid}  # bob was removed: his calendar must hear of it
    assert entries[4]["users"] == {ann.guid, cid.guid}
    assert entries[5]["users"] == {cid.guid}


def test_a_save_without_changes_logs_nothing(api: SpecClient, tandem: bootstrap.Tandem, people: dict[str, Any]) -> None:
    guid = api.post("/v1/activities", json=factories.activity_body(people["ann"], people["type"])).json()["guid"]
    api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/name", "value": "Planning"}])
    assert len(log(tandem)) == 1


def test_changes_for_a_user_after_n(tandem: bootstrap.Tandem, people: dict[str, Any]) -> None:
    ann, bob = people["ann"], people["bob"]
    for i in range(5):
        factories.activity(tandem, ann if i % 2 else bob, people["type"], START, START + timedelta(hours=1))
    with tandem.db.read() as session:
        for_ann = changelog.changes_for_user(session, ann.id, 0)
        assert len(for_ann) == 2
        after_first = changelog.changes_for_user(session, ann.id, for_ann[0].seq)
        assert [c.seq for c in after_first] == [for_ann[1].seq]
        assert changelog.changes_for_user(session, bob.id, 0, limit=2)[-1].seq < for_ann[1].seq + 10


def test_changes_for_a_user_is_an_index_lookup(tandem: bootstrap.Tandem, people: dict[str, Any]) -> None:
    ann = people["ann"]
    with tandem.db.read() as session:
        stmt = (
            sa.select(ChangeLog)
            .join(changelog.ChangeLogUser, changelog.ChangeLogUser.seq == ChangeLog.seq)
            .where(changelog.ChangeLogUser.user_id == ann.id, changelog.ChangeLogUser.seq > 0)
            .order_by(changelog.ChangeLogUser.seq)
            .limit(100)
        )
        sql = str(stmt.compile(session.bind, compile_kwargs={"literal_binds": True}))
        if session.bind.dialect.name == "sqlite":
            plan = " ".join(str(r) for r in session.execute(sa.text("EXPLAIN QUERY PLAN " + sql)))
            assert "SEARCH change_log_users USING COVERING INDEX" in plan, plan
            assert "(user_id=? AND seq>?)" in plan, plan
            assert "SCAN change_log_users" not in plan, plan
        else:
            session.execute(sa.text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(r[0] for r in session.execute(sa.text("EXPLAIN " + sql)))
            assert "Index" in plan, plan
            assert "pk_change_log_users" in plan, plan


def test_an_unlogged_activity_change_cannot_commit(tandem: bootstrap.Tandem, people: dict[str, Any]) -> None:
    guid = factories.activity(tandem, people["ann"], people["type"], START, START + timedelta(hours=1))

    def change_behind_the_logs_back() -> None:
        with tandem.db.write() as session:
            row = session.scalars(sa.select(Activity).where(Activity.guid == guid)).one()
            row.name = "changed behind the log's back"

    with pytest.raises(UnloggedActivityChange):
        change_behind_the_logs_back()
    with tandem.db.read() as session:
        assert session.scalars(sa.select(Activity.name).where(Activity.guid == guid)).one() == "Meeting"


def test_sequence_follows_commit_order_under_concurrent_writers(
    tandem: bootstrap.Tandem, people: dict[str, Any]
) -> None:
    """A writer that took seq N holds the log until it commits, so a reader who saw N
    never later finds a smaller number appear (the outbox never skips a change)."""
    kind, ann = people["type"], people["ann"]
    first_took_seq = threading.Event()
    release_first = threading.Event()
    order: list[str] = []

    def first() -> None:
        with tandem.db.write() as session:
            draft = activities.ActivityDraft(
                name="first", type_guid=kind.guid, owner_guid=ann.guid, start=START, end=START
            )
            activities.create(session, draft, Actor(Origin.API))
            first_took_seq.set()
            release_first.wait(10)
            order.append("first commits")

    def second() -> None:
        first_took_seq.wait(10)
        factories.activity(tandem, ann, kind, START, START, name="second")
        order.append("second committed")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_took_seq.wait(10)
    time.sleep(0.5)  # the second writer is now waiting for the first
    with tandem.db.read() as session:
        seen = changelog.latest_seq(session)
    release_first.set()
    for t in threads:
        t.join(20)
    assert order == ["first commits", "second committed"]
    entries = log(tandem)
    names = {}
    with tandem.db.read() as session:
        for e in entries:
            names[e["seq"]] = session.scalars(sa.select(Activity.name).where(Activity.guid == e["guid"])).one()
    assert [names[e["seq"]] for e in entries] == ["first", "second"]
    assert seen == 0  # nothing visible while both were in flight


def test_tombstones_stay_until_retention_then_go(tandem: bootstrap.Tandem, people: dict[str, Any]) -> None:
    guid = factories.activity(
        tandem,
        people["ann"],
        people["type"],
        START,
        START,
        participants=(ParticipantDraft("User", people["bob"].guid),),
    )
    with tandem.db.write() as session:
        row = session.scalars(sa.select(Activity).where(Activity.guid == guid)).one()
        activities.delete(session, row, Actor(Origin.API))
    now = datetime.now(UTC)
    with tandem.db.write() as session:
        assert retention.purge(session, now, retention_days=90) == retention.Purged(0, 0)
    with tandem.db.read() as session:
        tomb = session.scalars(sa.select(Activity).where(Activity.guid == guid)).one()
        assert tomb.is_deleted
        assert [p.user_id for p in tomb.participants] == [people["bob"].id]
    with tandem.db.write() as session:
        purged = retention.purge(session, now + timedelta(days=91), retention_days=90)
    assert purged == retention.Purged(activities=1, changes=2)
    with tandem.db.read() as session:
        assert session.scalars(sa.select(Activity).where(Activity.guid == guid)).one_or_none() is None
        assert retention.oldest_change(session) == 0


def test_change_feed_extension_shows_deletions(
    api: SpecClient, tandem: bootstrap.Tandem, people: dict[str, Any]
) -> None:
    guid = api.post("/v1/activities", json=factories.activity_body(people["ann"], people["type"])).json()["guid"]
    api.delete(f"/v1/activities/{guid}")
    feed = api.get("/tandem/v1/changes", params={"userGuid": people["ann"].guid}).json()
    assert [c["operation"] for c in feed["changes"]] == ["create", "delete"]
    assert feed["changes"][1]["activityGuid"] == guid
    assert feed["changes"][1]["userGuids"] == [people["ann"].guid]
    rest = api.get("/tandem/v1/changes", params={"after": feed["lastSeq"]}).json()
    assert rest["changes"] == []
    assert api.get("/tandem/v1/changes", params={"userGuid": "nobody"}).status_code == 404
    assert api.get("/tandem/v1/changes", params={"limit": "0"}).status_code == 400


def test_cal_15_owner_rule_holds_for_every_writer(tandem: bootstrap.Tandem, people: dict[str, Any]) -> None:
    guid = factories.activity(tandem, people["ann"], people["type"], START, START)
    with tandem.db.write() as session:
        counters.settings(session).calendar_addon_enabled = True
    from tandem.hub.services.errors import InvalidOperation

    def sync_moves_the_owner() -> None:
        with tandem.db.write() as session:
            row = session.scalars(sa.select(Activity).where(Activity.guid == guid)).one()
            activities.update(session, row, draft_of(row, owner_guid=people["bob"].guid), Actor(Origin.SYNC))

    with pytest.raises(InvalidOperation):
        sync_moves_the_owner()
