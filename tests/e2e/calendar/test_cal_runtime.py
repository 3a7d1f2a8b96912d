"""CAL-8 and the runtime: PSA changes are pushed as they commit (not on the next poll),
calendar changes are picked up on the poll cycle, a user's activity in Tandem starts a
sync, and `tandem sync` / `tandem sync status` show what happened."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tandem.domain.schedule import UserSchedule
from tandem.hub.services import users as own
from tandem.runtime.service import SyncRuntime
from tandem.store.schedule import SqlSchedule
from tests.e2e.calendar.conftest import ALICE, BOB, DAVE, GOOGLE_USERS, World, event_body, soon
from tests.support.hub import authorised
from tests.support.processes import environment, run, run_json

PATIENCE_S = 30.0  # generous: these tests show *what* triggers a sync, not how fast


async def _until(check: Callable[[], bool]) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE_S
    while loop.time() < deadline:
        if await asyncio.to_thread(check):
            return True
        await asyncio.sleep(0.05)
    return False


def _runtime(world: World, poll_interval_s: float) -> SyncRuntime:
    world.tandem.settings.sync.poll_interval_s = poll_interval_s
    runtime = world.tandem.sync_runtime()
    runtime.roster_every_s = 0.2
    return runtime


def test_cal_8_psa_changes_are_pushed_when_they_commit_not_on_the_next_poll(world: World) -> None:
    async def scenario() -> None:
        runtime = _runtime(world, poll_interval_s=3600)  # the timer alone would wait an hour
        await runtime.start()
        try:
            assert await _until(lambda: world.tandem.sync_store().cursor(world.users[ALICE].guid, ALICE) is not None)
            with authorised(world.tandem) as api:
                body = {
                    "name": "Pushed at once",
                    "activityType": {"guid": world.types["Meeting"].guid},
                    "ownerUser": {"guid": world.users[ALICE].guid},
                    "startDateTime": soon(2).isoformat(),
                    "endDateTime": soon(2, 10).isoformat(),
                }
                assert (await asyncio.to_thread(api.post, "/v1/activities", json=body)).status_code == 201
            assert await _until(lambda: "Pushed at once" in world.titles(ALICE))
        finally:
            await runtime.stop()

    asyncio.run(scenario())


def test_cal_8_changes_made_while_no_runtime_ran_are_pushed_when_it_starts(world: World) -> None:
    """A restart (or a worker process started again) does not leave the changes committed
    meanwhile for each user's next poll."""

    def add(api: object, name: str) -> None:
        body = {
            "name": name,
            "activityType": {"guid": world.types["Meeting"].guid},
            "ownerUser": {"guid": world.users[ALICE].guid},
            "startDateTime": soon(2).isoformat(),
            "endDateTime": soon(2, 10).isoformat(),
        }
        assert api.post("/v1/activities", json=body).status_code == 201  # type: ignore[attr-defined]

    async def scenario() -> None:
        runtime = _runtime(world, poll_interval_s=3600)  # no poll comes due in this test
        await runtime.start()
        try:
            assert await _until(lambda: world.tandem.sync_store().cursor(world.users[ALICE].guid, ALICE) is not None)
        finally:
            await runtime.stop()
        with authorised(world.tandem) as api:
            await asyncio.to_thread(add, api, "Made while nobody synced")
        again = _runtime(world, poll_interval_s=3600)
        await again.start()
        try:
            assert await _until(lambda: "Made while nobody synced" in world.titles(ALICE))
        finally:
            await again.stop()

    asyncio.run(scenario())


def test_cal_8_calendar_changes_are_picked_up_on_the_poll_cycle(world: World) -> None:
    async def scenario() -> None:
        runtime = _runtime(world, poll_interval_s=1)
        await runtime.start()
        try:
            assert await _until(lambda: world.tandem.sync_store().cursor(world.users[BOB].guid, BOB) is not None)
            await asyncio.to_thread(world.calendar(BOB).insert, event_body("Made in Google", soon(3)))
            assert await _until(lambda: any(a.name == "Made in Google" for a in world.activities()))
        finally:
            await runtime.stop()

    asyncio.run(scenario())


def test_cal_8_activity_of_the_user_in_tandem_starts_their_sync(world: World) -> None:
    async def scenario() -> None:
        runtime = _runtime(world, poll_interval_s=3600)
        await runtime.start()
        try:
            assert await _until(lambda: world.tandem.sync_store().cursor(world.users[ALICE].guid, ALICE) is not None)
            await asyncio.to_thread(world.calendar(ALICE).insert, event_body("Seen after login", soon(3)))
            await asyncio.sleep(1.0)
            assert not any(a.name == "Seen after login" for a in world.activities())  # no poll is due
            with authorised(world.tandem) as api:  # the PSA front end says: Alice logged in
                said = await asyncio.to_thread(api.post, f"/tandem/v1/users/{world.users[ALICE].guid}/activity")
                assert said.status_code == 204
            assert await _until(lambda: any(a.name == "Seen after login" for a in world.activities()))
        finally:
            await runtime.stop()

    asyncio.run(scenario())


def test_sync_command_dry_run_and_status(world: World, tmp_path: Path) -> None:
    env = environment(world.tandem.settings.database_url, tmp_path)
    world.create(ALICE, "Dry run shows me", soon(2))
    dry = run(["sync", "--user", ALICE, "--dry-run"], env, tmp_path)
    assert "  create event 'Dry run shows me' (notify: all)\n" in dry.stdout  # what would change, not SaveIntent
    assert world.titles(ALICE) == []  # a dry run writes nothing
    done = run(["sync", "--user", ALICE], env, tmp_path)
    assert "events created 1" in done.stdout
    assert world.titles(ALICE) == ["Dry run shows me"]
    status = {row["email"]: row for row in run_json(["sync", "status", "--json"], env, tmp_path)}
    assert status[ALICE]["last_counts"]["events_created"] == 1
    assert status[ALICE]["last_error"] is None


def test_quota_exceeded_pauses_only_that_user_with_a_visible_reason(world: World) -> None:
    world.server.state.set_quota_exceeded(ALICE)
    world.create(ALICE, "Held back", soon(2))
    world.create(BOB, "Goes through", soon(2))
    schedule = SqlSchedule(world.tandem.db)

    def alice_paused() -> bool:
        row = schedule.get(world.users[ALICE].guid)
        return row is not None and row.paused_reason is not None

    async def scenario() -> None:
        runtime = _runtime(world, poll_interval_s=1)
        await runtime.start()
        try:
            assert await _until(alice_paused)
            assert await _until(lambda: "Goes through" in world.titles(BOB))
        finally:
            await runtime.stop()

    asyncio.run(scenario())
    row = schedule.get(world.users[ALICE].guid)
    assert row is not None
    assert "usage limit" in (row.paused_reason or "")
    assert world.titles(ALICE) == []


def test_a_paused_user_asked_to_run_is_not_run(world: World) -> None:
    """BEY-3: a run asked for a paused user (a hub change, a login) does not happen: its
    calendar stays as it was, no run is recorded, the pause and its reason stay; once the
    pause is lifted the same ask goes through."""
    world.create(ALICE, "Waits for the pause", soon(2))
    schedule = SqlSchedule(world.tandem.db)
    guid = world.users[ALICE].guid
    held = UserSchedule(guid, datetime.now(UTC), paused_reason="held for the test")
    schedule.save(held)

    async def scenario() -> None:
        runtime = _runtime(world, poll_interval_s=30)
        try:
            await runtime.run_user(guid)
            assert world.titles(ALICE) == []
            assert world.tandem.sync_store().last_runs(guid, 5) == []
            assert schedule.get(guid) == held
            schedule.save(replace(held, paused_reason=None))
            await runtime.run_user(guid)
            assert world.titles(ALICE) == ["Waits for the pause"]
        finally:
            await runtime.stop()

    asyncio.run(scenario())


def test_cal_2_a_new_key_takes_effect_without_restarting(world: World, tmp_path: Path) -> None:
    from tandem.emulators.google import CALENDAR_SCOPE
    from tandem.hub.services import calendar_setup

    state = world.server.state
    state.revoke_delegation(world.google.account.client_id)  # the old key no longer works
    world.create(ALICE, "After the new key", soon(2))

    def reconfigure() -> None:
        account = state.register_service_account("rotated-key", key_dir=tmp_path)
        state.grant_delegation(account.client_id, [CALENDAR_SCOPE])
        with world.tandem.db.write() as session:
            calendar_setup.configure(
                session,
                world.tandem.secrets(),
                key=(tmp_path / "key.json").read_bytes(),
                password=None,
                service_account_email=account.email,
                token_uri=world.server.token_uri,
                api_root=world.server.api_root,
                batch_uri=f"{world.server.base_url}/batch/calendar/v3",
            )

    async def scenario() -> None:
        runtime = _runtime(world, poll_interval_s=1)
        await runtime.start()
        try:
            failing = world.tandem.sync_store()
            assert await _until(lambda: bool(failing.last_runs(world.users[ALICE].guid, 1)))
            assert "delegation" in (failing.last_runs(world.users[ALICE].guid, 1)[0].error or "")
            await asyncio.to_thread(reconfigure)  # and nothing else: no restart, no "sync now"
            assert await _until(lambda: "After the new key" in _seen_by_google(world, ALICE))
        finally:
            await runtime.stop()
            state.grant_delegation(world.google.account.client_id, [CALENDAR_SCOPE])

    asyncio.run(scenario())


def _seen_by_google(world: World, email: str) -> list[str]:
    """Titles in the user's calendar, looked at through the emulator's own control (no token:
    the test's key may be the one that stopped working)."""
    import httpx

    items = httpx.get(f"{world.server.base_url}/emulator/calendars/{email}", timeout=5).json()["items"]
    return [e.get("summary", "") for e in items]


def _only_google_users_sync(world: World) -> None:
    """Dave has no Google account (CAL-3): his own reason would only blur these tests."""
    import sqlalchemy as sa

    from tandem.hub.models import User

    with world.tandem.db.write() as session:
        session.execute(sa.update(User).where(User.guid == world.users[DAVE].guid).values(calendar_sync_enabled=False))


def _all_failing_with(world: World, reason: str) -> Callable[[], bool]:
    """Every Google user's latest run failed and named `reason` (what the runtime recorded)."""
    store = world.tandem.sync_store()

    def check() -> bool:
        runs = [store.last_runs(world.users[email].guid, 1) for email in GOOGLE_USERS]
        return all(r and reason in (r[0].error or "") for r in runs)

    return check


def _warnings(world: World, tmp_path: Path) -> list[str]:
    """The warnings `tandem calendar status` prints, one a line (wide: nothing is wrapped)."""
    env = environment(world.tandem.settings.database_url, tmp_path) | {"COLUMNS": "4000"}
    shown = run(["calendar", "status"], env, tmp_path).stdout
    return [line.removeprefix("warning: ") for line in shown.splitlines() if line.startswith("warning: ")]


def test_bey_11_sync_failure_reason_shows_in_sync_status_and_calendar_status(world: World, tmp_path: Path) -> None:
    from tandem.emulators.google import CALENDAR_SCOPE

    _only_google_users_sync(world)
    state, store = world.server.state, world.tandem.sync_store()

    def everyone_synced() -> bool:
        return all(store.cursor(world.users[email].guid, email) for email in GOOGLE_USERS)

    async def scenario() -> None:
        runtime = _runtime(world, poll_interval_s=1)
        await runtime.start()
        try:
            assert await _until(everyone_synced)
            # the Google admin withdraws the delegation: no new token, and the old ones stop working
            state.revoke_delegation(world.google.account.client_id)
            state.expire_access_tokens()
            assert await _until(_all_failing_with(world, "delegation"))
        finally:
            await runtime.stop()
            state.grant_delegation(world.google.account.client_id, [CALENDAR_SCOPE])

    asyncio.run(scenario())

    env = environment(world.tandem.settings.database_url, tmp_path)
    status = {row["email"]: row for row in run_json(["sync", "status", "--json"], env, tmp_path)}
    for email in GOOGLE_USERS:
        assert "domain-wide delegation is not granted" in (status[email]["last_error"] or ""), status[email]
    warned = [w for w in _warnings(world, tmp_path) if "calendar sync fails" in w]
    assert len(warned) == 1, _warnings(world, tmp_path)
    assert "calendar sync fails for 3 of 3 users" in warned[0], warned[0]
    assert "domain-wide delegation is not granted" in warned[0], warned[0]
    assert all(email in warned[0] for email in GOOGLE_USERS), warned[0]


def test_bey_11_a_saved_key_that_does_not_open_shows_in_sync_status_and_calendar_status(
    world: World, tmp_path: Path
) -> None:
    from tandem.hub.services import calendar_setup

    _only_google_users_sync(world)
    server = world.server
    with world.tandem.db.write() as session:  # saved unchecked, as `configure` did before it checked keys
        calendar_setup.configure(
            session,
            world.tandem.secrets(),
            key=(world.google.key_dir / "key.p12").read_bytes(),
            password="not-the-password",
            service_account_email=world.google.account.email,
            token_uri=server.token_uri,
            api_root=server.api_root,
            batch_uri=f"{server.base_url}/batch/calendar/v3",
        )

    async def scenario() -> None:
        runtime = _runtime(world, poll_interval_s=1)
        await runtime.start()
        try:
            assert await _until(_all_failing_with(world, "calendar connection"))
        finally:
            await runtime.stop()

    asyncio.run(scenario())

    env = environment(world.tandem.settings.database_url, tmp_path)
    status = {row["email"]: row for row in run_json(["sync", "status", "--json"], env, tmp_path)}
    for email in GOOGLE_USERS:
        assert "calendar connection" in (status[email]["last_error"] or ""), status[email]
        # the exact reason, not a pointer to another command
        assert "P12 file did not open with the given password" in status[email]["last_error"], status[email]
    warnings = _warnings(world, tmp_path)
    assert any("P12 file did not open with the given password" in w for w in warnings), warnings
    assert any("calendar sync fails for 3 of 3 users" in w for w in warnings), warnings
    refused = run(["sync", "--user", ALICE], env, tmp_path, check=False)
    assert refused.returncode == 1
    assert "P12 file did not open with the given password" in " ".join(refused.stderr.split())


def test_cal_17_a_refused_entry_in_a_real_run_is_shown_with_its_reason_and_retried_at_its_time(
    world: World, tmp_path: Path
) -> None:
    world.calendar(ALICE).insert(event_body("x" * 600, soon(2)))  # longer than a PSA activity name may be
    world.calendar(ALICE).insert(event_body("Fine entry", soon(3)))
    store = world.tandem.sync_store()
    alice = world.users[ALICE].guid
    now = [datetime.now(UTC)]

    def runs() -> int:
        return len(store.last_runs(alice, limit=100))

    def attempts() -> list[int]:
        return [q.attempts for q in store.quarantined(alice, ALICE)]

    async def scenario() -> None:
        runtime = _runtime(world, poll_interval_s=1)
        runtime.clock = lambda: now[0]  # the runtime's time, moved by hand
        await runtime.start()
        try:
            assert await _until(lambda: attempts() == [1] and "Fine entry" in {a.name for a in world.activities()})
            (aside,) = store.quarantined(alice, ALICE)
            assert aside.retry_at == now[0] + timedelta(hours=1)
            # the next polls, before its time, leave it aside
            before = runs()
            now[0] += timedelta(seconds=5)
            assert await _until(lambda: runs() > before)
            assert attempts() == [1]
            # at its time the runtime tries it again by itself (refused again: the name is still too long)
            now[0] += timedelta(hours=1)
            assert await _until(lambda: attempts() == [2])
        finally:
            await runtime.stop()

    asyncio.run(scenario())
    env = environment(world.tandem.settings.database_url, tmp_path)
    status = {row["email"]: row for row in run_json(["sync", "status", "--json"], env, tmp_path)}
    (shown,) = status[ALICE]["quarantined"]
    assert "name" in shown["reason"]
    assert "500" in shown["reason"]
    assert shown["attempts"] == 2
    table = run(["sync", "status"], {**env, "COLUMNS": "400"}, tmp_path).stdout  # wide: one line per row
    assert shown["reason"] in table  # the reason itself, not just a count


def test_cal_7_a_switch_on_right_after_a_run_that_met_it_off_syncs_within_a_roster_cycle(world: World) -> None:
    """The user signs in (their sync starts, debounced) with the switch still off, then turns it
    on: that first run, which met it off, put the next check minutes away and a second start
    is swallowed by the debounce; the runtime's next look at who syncs starts it now."""
    alice = world.users[ALICE].guid

    def switch(on: bool) -> None:
        with world.tandem.db.write() as session:
            own.set_calendar_sync(session, alice, on)

    async def scenario() -> None:
        await asyncio.to_thread(switch, False)
        runtime = _runtime(world, poll_interval_s=3600)
        runtime.roster_every_s = 5.0  # as in service (10 s): the switch comes between two looks
        await runtime.start()
        try:
            await asyncio.to_thread(world.calendar(ALICE).insert, event_body("After switching on", soon(3)))
            runtime.user_active(alice)  # signing in: one run, which finds the switch off
            assert await _until(lambda: any(r.error for r in world.tandem.sync_store().last_runs(alice, 5)))
            await asyncio.to_thread(switch, True)
            runtime.user_active(alice)  # switching on at My profile: within the debounce, swallowed
            assert await _until(lambda: any(a.name == "After switching on" for a in world.activities()))
        finally:
            await runtime.stop()

    asyncio.run(scenario())


def test_a_quiet_poll_records_no_run_but_the_users_last_success_moves_and_a_change_still_syncs(world: World) -> None:
    """Most polls find nothing: the runtime then writes only the user's schedule row (its
    time is the last success `sync status` shows), not a run record nor a new calendar
    token; a change made after a quiet poll is still read from the kept token."""
    alice = world.users[ALICE].guid
    store, schedule = world.tandem.sync_store(), SqlSchedule(world.tandem.db)

    async def scenario() -> None:
        runtime = _runtime(world, poll_interval_s=3600)
        await runtime.run_user(alice)  # the initial sync
        await runtime.run_user(alice)  # reads the sync's own writes back
        runs, cursor = len(store.last_runs(alice, 100)), store.cursor(alice, ALICE)
        first = schedule.get(alice)
        assert first is not None
        assert first.last_success_at is not None
        await asyncio.sleep(1.1)  # the emulator's tokens carry the second they were handed out
        await runtime.run_user(alice)
        assert runtime.reports[alice].quiet
        assert len(store.last_runs(alice, 100)) == runs  # nothing recorded
        assert store.cursor(alice, ALICE) == cursor  # the old token kept
        after = schedule.get(alice)
        assert after is not None
        assert after.last_success_at is not None
        assert after.last_success_at > first.last_success_at
        world.calendar(ALICE).insert(event_body("Made after a quiet poll", soon(3)))
        await runtime.run_user(alice)
        assert not runtime.reports[alice].quiet
        assert "Made after a quiet poll" in [a.name for a in world.activities()]
        await runtime.stop()

    asyncio.run(scenario())
