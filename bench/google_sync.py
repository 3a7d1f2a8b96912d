"""The calendar sync end to end against the Google emulator (prints figures; asserts nothing).

    .venv/bin/python bench/google_sync.py [--single 10000] [--users 200] [--per-user 100]
        [--changes 150] [--rate 5] [--database-url URL] [--profile FILE]

The emulator runs in a child process, so `time.process_time()` here is Tandem's CPU alone
(the hub, the state store, the planner and the adapter, all threads of this process). Its
rate limits are raised out of the way: Google allows 600 requests per user per minute,
which would cap one user's initial sync of 10,000 events at ~10 minutes whatever the
client does; the figures here are Tandem's and the emulator's speed, and "API calls per
event" shows what a run would cost against Google's quota. The hub is a fresh SQLite file
by default; `--database-url` names an empty PostgreSQL database to use instead.

1. initial sync: 1 user x N activities; then U users x M activities, all users at once
   (as many at a time as the runtime's `sync.workers`), one shared `GoogleCalendar`;
   beside each, its floor from the same run: the adapter alone inserting as many events
   into empty calendars (`bench/google_adapter.py`'s batch insert)
2. idle cycle: one run per user with nothing changed, as the runtime runs it (its schedule
   row read and written, the organisation's setup kept a few seconds, a quiet run not
   recorded): requests and CPU per user, beside its floor measured in the same run (one bare
   incremental `events.list` per user with httpx, its access token already at hand)
3. hub change -> calendar latency: `SyncRuntime` running for all users (calendar polled
   every 30 s per user, the change follower woken by every commit), while activities of
   random users are created or renamed at a steady rate; the latency is from the commit
   until `events.get` as that user shows the change. Then the quota units those changes
   cost (writes, and the runtime's reads of copies before updates; not the watcher's gets),
   beside the floor of 1 unit per change.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from google_adapter import meeting
from support import Organisation, emulator, emulator_counts
from tandem.connectors.google import GoogleCalendar
from tandem.connectors.google.adapter import default_http_client
from tandem.domain.calendar import SendUpdates
from tandem.ports.calendar import EventInsert
from tandem.runtime.service import SyncRuntime
from tandem.runtime.user_sync import RunReport
from tandem.sync.ids import event_id_for

PLAIN = ("token", "batch", "events.list", "events.get", "events.instances")
"""Endpoints that are HTTP requests of their own; every other count is a part of a batch."""


@dataclass
class Requests:
    """What the emulator received, summed over users."""

    counts: dict[str, int]

    @property
    def http(self) -> int:
        return sum(v for k, v in self.counts.items() if k in PLAIN)

    @property
    def calls(self) -> int:
        """Calls as Google's quota counts them: each batch part is one; the token is none."""
        return sum(v for k, v in self.counts.items() if k not in ("token", "batch"))

    def __str__(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))


class Bench:
    def __init__(self, org: Organisation, control: httpx.AsyncClient) -> None:
        self.org = org
        self.control = control

    async def requests(self, reset: bool = False) -> Requests:
        return Requests(await emulator_counts(self.control, reset))

    async def runs(self, emails: list[str], calendar: GoogleCalendar) -> list[RunReport]:
        """One sync run per user, `sync.workers` at a time (as the runtime's dispatcher)."""
        slots = asyncio.Semaphore(self.org.t.settings.sync.workers)

        async def one(email: str) -> RunReport:
            async with slots:
                return await self.org.t.user_sync(calendar).run(self.org.users[email])

        return list(await asyncio.gather(*(one(e) for e in emails)))

    async def timed(
        self, work: Callable[[], Awaitable[list[RunReport]]]
    ) -> tuple[list[RunReport], float, float, Requests]:
        await self.requests(reset=True)
        wall, cpu = time.perf_counter(), time.process_time()
        reports = await work()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        failed = [r.record.error for r in reports if r.record.error]
        if failed:
            print(f"  !! {len(failed)} runs reported errors, e.g. {failed[0]}")
        return reports, wall, cpu, await self.requests()

    async def initial(self, label: str, emails: list[str], calendar: GoogleCalendar) -> None:
        reports, wall, cpu, requests = await self.timed(lambda: self.runs(emails, calendar))
        events = sum(r.record.counts.events_created for r in reports)
        floor = await self.adapter_alone([floor_calendar(e) for e in emails], events // len(emails), calendar)
        print(
            f"initial sync, {label}: {events} events in {wall:.1f} s = {events / wall:,.0f} events/s, "
            f"floor (the adapter alone) {floor:,.0f} events/s (x{floor * wall / events:.1f}); "
            f"{requests.http} HTTP requests = {requests.http / events:.4f} per event, "
            f"{requests.calls} API calls (batch parts counted one each) = {requests.calls / events:.3f} per event; "
            f"Tandem CPU {cpu:.1f} s = {cpu * 1000 / events:.2f} ms per event  [{requests}]"
        )

    async def adapter_alone(self, calendars: list[str], per: int, calendar: GoogleCalendar) -> float:
        """The floor of an initial sync in events/s: the adapter alone inserting as many events
        into empty calendars, one `batch()` per calendar as `bench/google_adapter.py` does, as
        many calendars at a time as runs."""
        slots = asyncio.Semaphore(self.org.t.settings.sync.workers)

        async def one(email: str) -> None:
            writes = [EventInsert(meeting(f"{email} {n}"), SendUpdates.NONE) for n in range(per)]
            async with slots:
                await calendar.batch(email, writes)

        wall = time.perf_counter()
        await asyncio.gather(*(one(e) for e in calendars))
        return len(calendars) * per / (time.perf_counter() - wall)

    async def idle(self, label: str, emails: list[str], runtime: SyncRuntime) -> None:
        """One cycle through the runtime's own job (not started: no timer, no follower)."""
        slots = asyncio.Semaphore(self.org.t.settings.sync.workers)

        async def one(email: str) -> RunReport:
            async with slots:
                await runtime.run_user(self.org.users[email])
            return runtime.reports[self.org.users[email]]

        reports, wall, cpu, requests = await self.timed(lambda: asyncio.gather(*(one(e) for e in emails)))
        busy = [r for r in reports if not r.plan or not r.plan.is_empty]
        floor = await self.bare_lists(emails, runtime)
        n = len(emails)
        print(
            f"idle cycle, {label}: {requests.http / n:.2f} HTTP requests and {requests.calls / n:.2f} API calls "
            f"per user [{requests}]; Tandem CPU {cpu * 1000 / n:.2f} ms per user, floor {floor * 1000:.2f} ms "
            f"(x{cpu / n / floor:.1f}); wall {wall:.2f} s for all ({self.org.t.settings.sync.workers} at a time); "
            f"runs that planned something: {len(busy)}, runs recorded: {sum(not r.quiet for r in reports)}"
        )

    async def bare_lists(self, emails: list[str], runtime: SyncRuntime) -> float:
        """The floor of an idle run: CPU per user of one incremental `events.list` with httpx
        alone (same pool limits as the adapter, same concurrency, tokens fetched beforehand)."""
        calendar = runtime.calendar
        assert isinstance(calendar, GoogleCalendar)
        store = self.org.t.sync_store()
        asks = []
        for email in emails:
            cursor = store.cursor(self.org.users[email], email)
            assert cursor is not None
            assert cursor.calendar_token is not None
            asks.append((await calendar.tokens.token(email), cursor.calendar_token))
        slots = asyncio.Semaphore(self.org.t.settings.sync.workers)
        url = f"{self.org.base_url}/calendar/v3/calendars/primary/events"
        async with default_http_client() as http:

            async def one(token: str, sync_token: str) -> None:
                async with slots:
                    params = {"maxResults": "2500", "showDeleted": "true", "singleEvents": "false"}
                    answer = await http.get(
                        url, params=params | {"syncToken": sync_token}, headers={"Authorization": f"Bearer {token}"}
                    )
                    assert answer.status_code == 200, answer.text[:200]
                    assert not answer.json()["items"], "the bare list found changes: not an idle floor"

            await asyncio.gather(*(one(t, s) for t, s in asks))  # warm the pool as the runs found it
            cpu = time.process_time()
            await asyncio.gather(*(one(t, s) for t, s in asks))
            return (time.process_time() - cpu) / len(asks)


WRITE_UNITS = {"events.insert": 1, "events.update": 1, "events.patch": 3, "events.delete": 1, "events.get": 1}
"""Quota units Google charges per call a change makes (GOOGLE_NOTES.md: patch 3, get and update
1 each); the watcher's own `events.get` polls are taken off the count."""


async def latency(
    org: Organisation, emails: list[str], changes: int, rate: float, seed: int, control: httpx.AsyncClient
) -> None:
    """Hub change -> calendar, with the runtime running for every user."""
    rng = random.Random(seed)
    runtime = org.t.sync_runtime()
    await runtime.start()
    watcher = org.calendar()
    try:
        began = time.monotonic()
        while time.monotonic() - began < 5 or runtime.dispatcher.busy:  # the first round of due users
            await asyncio.sleep(0.1)
        print(f"runtime started; its first sweep over {len(emails)} users took {time.monotonic() - began:.1f} s")
        await emulator_counts(control, reset=True)
        waits: list[asyncio.Task[float]] = []
        polls = [0]  # the watcher's events.get calls, not the runtime's
        at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
        cpu = time.process_time()
        for n in range(changes):
            tick = time.monotonic()
            email = rng.choice(emails)
            name = f"change {n}"
            if rng.random() < 0.5:
                guid = await asyncio.to_thread(org.create, email, name, at + timedelta(hours=n))
            else:
                guid = rng.choice(org.guids[email])
                await asyncio.to_thread(org.rename, guid, name)
            committed = time.monotonic()
            org.t.hub.activity_changed()  # what the REST API does after a commit
            waits.append(asyncio.create_task(_visible(watcher, email, event_id_for(guid), name, committed, polls)))
            await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - tick)))
        seconds = sorted(await asyncio.gather(*waits))
        cpu = time.process_time() - cpu
        counts = await emulator_counts(control)
    finally:
        await runtime.stop()
        await watcher.aclose()
    cuts = statistics.quantiles(seconds, n=100)
    p50, p99 = cuts[49], cuts[98]
    unseen = sum(1 for s in seconds if s == float("inf"))
    print(
        f"hub change -> calendar with {len(emails)} users syncing: {len(seconds)} changes at {rate}/s "
        f"({unseen} not seen within 60 s); "
        f"latency p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {seconds[-1] * 1000:.0f} ms "
        f"(push debounce {org.t.settings.sync.push_debounce_s * 1000:.0f} ms included; the watcher's own polls "
        f"every 20 ms); Tandem CPU over the period {cpu:.1f} s"
    )
    counts["events.get"] = counts.get("events.get", 0) - polls[0]
    writes = {k: v for k, v in counts.items() if k in WRITE_UNITS and v}
    units = sum(WRITE_UNITS[k] * v for k, v in writes.items())
    plain = writes.get("events.insert", 0) + writes.get("events.delete", 0)
    as_patches = plain + 3 * (writes.get("events.update", 0) + writes.get("events.patch", 0))
    print(
        f"calendar calls of those changes: {units} quota units = {units / len(seconds):.2f} per change, "
        f"floor 1 (had every update been a patch: {as_patches}) "
        f"[{', '.join(f'{k} {v}' for k, v in sorted(writes.items()))}]"
    )


async def _visible(
    calendar: GoogleCalendar, email: str, event_id: str, name: str, committed: float, polls: list[int]
) -> float:
    """Seconds from the commit until the user's calendar shows the change (inf: not in 60 s)."""
    while time.monotonic() - committed < 60:
        polls[0] += 1
        event = await calendar.get(email, event_id)
        if event is not None and not event.cancelled and event.summary == name:
            return time.monotonic() - committed
        await asyncio.sleep(0.02)
    return float("inf")


async def run(options: argparse.Namespace, base_url: str, key_dir: Path, workdir: Path) -> None:
    url = options.database_url or f"sqlite:///{workdir / 'hub.db'}"
    org = Organisation(url, workdir).use_google(base_url, key_dir)
    single = "single@example.com"
    many = [f"user{n:04d}@example.com" for n in range(options.users)]
    org.add_users([single, *many])
    made = time.perf_counter()
    org.add_activities(single, options.single)
    for email in many:
        org.add_activities(email, options.per_user)
    print(
        f"hub ({org.t.db.engine.dialect.name}): {options.single + options.users * options.per_user} activities "
        f"made through the services in {time.perf_counter() - made:.1f} s"
    )
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as control:
        bench = Bench(org, control)
        async with org.calendar() as calendar:
            await bench.initial(f"1 user x {options.single}", [single], calendar)
            await bench.initial(f"{options.users} users x {options.per_user}", many, calendar)
        runtime = org.t.sync_runtime()
        # The first cycle after an initial sync reads the sync's own writes back (its token
        # was taken before them) and finds them agreed; the next ones are the steady state.
        await bench.idle(f"{options.users} users, first cycle after the initial sync", many, runtime)
        await bench.idle(f"1 user x {options.single}, first cycle after the initial sync", [single], runtime)
        await bench.idle(f"{options.users} users, steady state", many, runtime)
        await bench.idle(f"1 user x {options.single}, steady state", [single], runtime)
        await runtime.stop()
        await latency(org, many, options.changes, options.rate, options.seed, control)
    org.t.close()


def floor_calendar(email: str) -> str:
    """An empty calendar of the emulator's beside `email`'s, for the adapter-alone floor."""
    return f"floor-{email}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--single", type=int, default=10_000, help="activities of the one big user")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--per-user", type=int, default=100)
    parser.add_argument("--changes", type=int, default=150, help="hub changes in the latency run")
    parser.add_argument("--rate", type=float, default=5.0, help="hub changes per second in the latency run")
    parser.add_argument("--database-url", help="an empty database for the hub (default: a new SQLite file)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", help="write a cProfile of this process here")
    options = parser.parse_args()
    users = ["single@example.com"] + [f"user{n:04d}@example.com" for n in range(options.users)]
    users += [floor_calendar(u) for u in users]
    with emulator(users) as (base_url, key_dir), tempfile.TemporaryDirectory() as workdir:
        profile = cProfile.Profile() if options.profile else None
        work = run(options, base_url, key_dir, Path(workdir))
        if profile is not None:
            profile.runcall(asyncio.run, work)
            profile.dump_stats(options.profile)
        else:
            asyncio.run(work)


if __name__ == "__main__":
    main()
