"""The door under load (BEY-11): `tandem serve` answering while it is attacked and busy.
Prints figures beside the same run's no-load baseline; asserts nothing, and exits 0 whatever
the timings (a setup failure is still an error).

    .venv/bin/python -u bench/door_load.py [--database sqlite|postgresql] [--users 200]
        [--seconds 20] [--changes 60] [--guessers 100] [--writers 8] [--write-every 0]
        [--timeout 5]

A real `tandem serve` process (started as the tests start it) on a fresh SQLite file or a
throwaway PostgreSQL database, with `--users` users whose calendars sync to the Google
emulator (a child process, its rate limits raised out of the way). After the first sync of
every user has reached the emulator, two phases of `--seconds` each, in the same run:

  baseline   nothing else
  load       plus `--guessers` clients posting wrong secrets to `POST /v1/token` as fast as
             they are answered (no token needed), and `--writers` clients creating and
             patching activities through the API (each pair as soon as the last is
             answered, or one pair every `--write-every` s); both in a separate process so
             that this one, which measures, keeps its CPU to itself

Measured in each phase:

  heartbeat          `GET /heartbeat/server` sent every `--every` s (open loop: a slow answer
                     does not delay the next probe), request to answer
  change -> calendar `--changes` hub changes spread over the phase, each a POST of a new
                     activity or a PATCH renaming a synced one, of a random syncing user,
                     through the REST API; from the API's answer (the commit) until the
                     emulator's own `GET /emulator/calendars/{email}` shows the event with the
                     new name (polled every 25 ms, or 5 % of the change's age when longer)
  write answer       that POST/PATCH, request to answer
  CPU                of the server (its API process and, apart, its worker process), the
                     emulator, the load generator, this process and the
                     rest of the machine, from /proc (Linux)

A request that times out (`--timeout`) or fails, and a change not seen within `--give-up`
seconds, is counted as a miss: infinite, so it lands in the p99 when 1 % of samples miss.

Targets (BEY-11): heartbeat p99 <= 100 ms, change -> calendar p99 <= 2 s.

The hub change reaches the calendar by push, not by the calendar poll: the server's sync
follower is woken at once by a write through the API (and looks at the change log every
0.25 s anyway), waits `[sync] push_debounce_s` (0.2 s by default; `--push-debounce`
overrides it for the server), then syncs every user the change touched.
`[sync] poll_interval_s` (30 s) is the calendar-side read and is not on this path.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import multiprocessing
import os
import random
import resource
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

import httpx

from support import Organisation, emulator, environment, fresh_database, pct, run_json, serving
from tandem.config import SyncSettings
from tandem.runtime.service import SyncRuntime
from tandem.sync.ids import event_id_for

MISS = float("inf")
TARGETS = {"heartbeat p99": (0.1, "<= 100 ms"), "change -> calendar p99": (2.0, "<= 2 s")}


def code_of(error: Exception) -> str:
    return "timeout" if isinstance(error, httpx.TimeoutException) else type(error).__name__


# ---------------------------------------------------------------------- the load (a child process)


@dataclass(frozen=True)
class LoadPlan:
    """What the load process does (it crosses to the child process by pickling)."""

    base: str
    client_id: str
    token: str
    bodies: list[dict[str, Any]]
    guessers: int
    writers: int
    timeout: float
    write_every: float
    """Seconds between one writer's changes (0: the next as soon as the last is answered)."""


def _load_child(plan: LoadPlan, stop: EventType, out: Connection) -> None:
    codes: dict[str, Counter[str]] = {"token": Counter(), "writes": Counter()}
    began = time.monotonic()
    asyncio.run(_load(plan, stop, codes))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.send({"codes": codes, "seconds": time.monotonic() - began, "cpu": usage.ru_utime + usage.ru_stime})


async def _load(plan: LoadPlan, stop: EventType, codes: dict[str, Counter[str]]) -> None:
    base, client_id, token, bodies, timeout = plan.base, plan.client_id, plan.token, plan.bodies, plan.timeout
    stopping = asyncio.Event()

    async def guess(i: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=timeout, trust_env=False) as http:
            n = 0
            while not stopping.is_set():
                n += 1
                body = {"client_id": client_id, "client_secret": f"wrong-{i}-{n}"}
                try:
                    codes["token"][str((await http.post("/v1/token", json=body)).status_code)] += 1
                except httpx.HTTPError as error:
                    codes["token"][code_of(error)] += 1

    async def write(i: int) -> None:
        rng = random.Random(i)
        headers = {"Authorization": f"Bearer {token}"}
        loop = asyncio.get_running_loop()
        next_at = loop.time() + rng.random() * plan.write_every + plan.write_every
        async with httpx.AsyncClient(base_url=base, timeout=timeout, headers=headers, trust_env=False) as http:
            n = 0
            while not stopping.is_set():
                n += 1
                at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(
                    days=4, hours=rng.randrange(24 * 60)
                )
                body = dict(rng.choice(bodies), name=f"writer {i} #{n}")
                body |= {"startDateTime": at.isoformat(), "endDateTime": (at + timedelta(hours=1)).isoformat()}
                try:
                    made = await http.post("/v1/activities", json=body)
                    codes["writes"][str(made.status_code)] += 1
                    if made.status_code == 201:
                        patch = [{"op": "replace", "path": "/location", "value": f"room {n}"}]
                        changed = await http.patch(f"/v1/activities/{made.json()['guid']}", json=patch)
                        codes["writes"][str(changed.status_code)] += 1
                except httpx.HTTPError as error:
                    codes["writes"][code_of(error)] += 1
                if plan.write_every:  # open loop: the next pair is due at its time, answered or not
                    await asyncio.sleep(max(0.0, next_at - loop.time()))
                    next_at += plan.write_every

    tasks = [asyncio.create_task(guess(i)) for i in range(plan.guessers)]
    tasks += [asyncio.create_task(write(i)) for i in range(plan.writers)]
    while not stop.is_set():
        await asyncio.sleep(0.1)
    stopping.set()
    _, late = await asyncio.wait(tasks, timeout=timeout + 5)
    for task in late:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class Load:
    """`guessers` + `writers` clients in a child process, from `with` until its end."""

    def __init__(self, base: str, client_id: str, token: str, bodies: list[dict[str, Any]], opts: argparse.Namespace):
        context = multiprocessing.get_context("spawn")
        self.stop = context.Event()
        self.ours, theirs = context.Pipe()
        plan = LoadPlan(base, client_id, token, bodies, opts.guessers, opts.writers, opts.timeout, opts.write_every)
        self.child = context.Process(target=_load_child, args=(plan, self.stop, theirs), daemon=True)
        self.result: dict[str, Any] = {"codes": {"token": Counter(), "writes": Counter()}, "seconds": 0.0, "cpu": 0.0}

    def __enter__(self) -> Load:
        self.child.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        if self.ours.poll(120):
            self.result = self.ours.recv()
        self.child.join(10)
        if self.child.is_alive():
            self.child.kill()


# ---------------------------------------------------------------------- CPU, from /proc


TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(pid: int | str) -> float:
    """User + system CPU seconds of a process (all its threads); 0 when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _children(of: int | str = "self") -> list[int]:
    pids: list[int] = []
    for task in Path(f"/proc/{of}/task").glob("*"):
        with contextlib.suppress(OSError):
            pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


def _machine() -> float:
    """CPU seconds all cores spent busy since boot."""
    try:
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / TICK


@dataclass
class Cpu:
    """CPU seconds by role at one moment: the server, the load generator, this process, the
    other children (the emulator), the whole machine."""

    at: float
    seconds: dict[str, float]

    @classmethod
    def take(cls, load_pid: int | None = None) -> Cpu:
        seconds = {"server": 0.0, "workers": 0.0, "emulator": 0.0, "load": 0.0}
        seconds |= {"bench": _cpu_of("self"), "machine": _machine()}
        for pid in _children():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            role = "server" if b"serve" in command else "load" if pid == load_pid else "emulator"
            seconds[role] += _cpu_of(pid)
            if role == "server":  # its worker process (the calendar sync), counted apart
                seconds["workers"] += sum(_cpu_of(child) for child in _children(pid))
        return cls(time.monotonic(), seconds)

    def since(self, earlier: Cpu) -> dict[str, float]:
        """Share of one core each role used between the two moments (1.0 = one core)."""
        wall = max(self.at - earlier.at, 1e-9)
        used = {k: max(0.0, v - earlier.seconds.get(k, 0.0)) / wall for k, v in self.seconds.items()}
        used["others"] = max(0.0, used["machine"] - sum(v for k, v in used.items() if k != "machine"))
        return used


# ---------------------------------------------------------------------- measuring


class Heartbeat(threading.Thread):
    """`GET /heartbeat/server` every `every` seconds on its own event loop, open loop."""

    def __init__(self, base: str, every: float, timeout: float) -> None:
        super().__init__(daemon=True)
        self.base, self.every, self.timeout = base, every, timeout
        self.seconds: list[float] = []
        self.codes: Counter[str] = Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        asyncio.run(self._sample())

    async def _sample(self) -> None:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=20)
        async with httpx.AsyncClient(base_url=self.base, timeout=self.timeout, limits=limits, trust_env=False) as http:
            probes: set[asyncio.Task[None]] = set()
            next_at = time.perf_counter()
            while not self.stop.is_set():
                probe = asyncio.create_task(self._probe(http))
                probes.add(probe)
                probe.add_done_callback(probes.discard)
                next_at = max(next_at + self.every, time.perf_counter())
                await asyncio.sleep(next_at - time.perf_counter())
            await asyncio.gather(*probes)

    async def _probe(self, http: httpx.AsyncClient) -> None:
        began = time.perf_counter()
        try:
            answer = await http.get("/heartbeat/server")
        except httpx.HTTPError as error:
            self.codes[code_of(error)] += 1
            self.seconds.append(MISS)
            return
        self.codes[str(answer.status_code)] += 1
        self.seconds.append(time.perf_counter() - began if answer.status_code == 200 else MISS)


@dataclass
class Watcher:
    """Polls the emulator's own view of each calendar with a change awaited; resolves each
    awaited change with the seconds from its commit until the calendar showed it."""

    calendar_url: str
    give_up: float
    every: float = 0.025
    pending: dict[str, dict[str, tuple[str, float, asyncio.Future[float]]]] = field(default_factory=dict)
    next_look: dict[str, float] = field(default_factory=dict)

    def expect(self, email: str, guid: str, name: str, committed: float) -> asyncio.Future[float]:
        seen = asyncio.get_running_loop().create_future()
        self.pending.setdefault(email, {})[event_id_for(guid)] = (name, committed, seen)
        self.next_look[email] = 0.0  # a new change: look soon, whatever older ones are waiting
        return seen

    async def run(self) -> None:
        """Each calendar is looked at again after 25 ms, or after 5 % of the age of its youngest
        awaited change when that is longer: a figure of seconds is within 5 %, and a backlog
        of changes does not turn into a flood of polls that takes the CPU it measures."""
        next_look = self.next_look
        async with httpx.AsyncClient(base_url=self.calendar_url, timeout=10, trust_env=False) as http:
            while True:
                now = time.monotonic()
                due = [e for e, awaited in self.pending.items() if awaited and next_look.get(e, 0.0) <= now]
                if due:
                    await asyncio.gather(*(self._look(http, email) for email in due))
                now = time.monotonic()
                for email in due:
                    youngest = max((c for _, c, _ in self.pending[email].values()), default=now)
                    next_look[email] = now + max(self.every, 0.05 * (now - youngest))
                for awaited in self.pending.values():
                    for event_id, (_, committed, seen) in list(awaited.items()):
                        if now - committed > self.give_up:
                            del awaited[event_id]
                            seen.set_result(MISS)
                await asyncio.sleep(self.every)

    async def _look(self, http: httpx.AsyncClient, email: str) -> None:
        try:
            answer = await http.get(f"/emulator/calendars/{email}")
        except httpx.HTTPError:
            return
        now = time.monotonic()
        items = {item["id"]: item for item in answer.json().get("items", [])}
        awaited = self.pending[email]
        for event_id, (name, committed, seen) in list(awaited.items()):
            item = items.get(event_id)
            if item is not None and item.get("summary") == name:
                del awaited[event_id]
                seen.set_result(now - committed)


@dataclass
class Hub:
    """What the measuring side knows of the organisation."""

    emails: list[str]
    users: dict[str, str]
    type_guid: str
    synced: dict[str, list[str]]
    """Activities per user whose events are in the emulator: the PATCH targets."""


@dataclass
class Figures:
    beats: list[float] = field(default_factory=list)
    beat_codes: Counter[str] = field(default_factory=Counter)
    seen: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    posts: int = 0
    patches: int = 0
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)


async def phase(
    label: str, base: str, calendar_url: str, token: str, hub: Hub, opts: argparse.Namespace, load_pid: int | None
) -> Figures:
    rng = random.Random(f"{opts.seed}-{label}")
    beat = Heartbeat(base, opts.every, opts.timeout)
    watcher = Watcher(calendar_url, opts.give_up)
    watching = asyncio.create_task(watcher.run())
    figures = Figures()
    busy: set[str] = set()
    day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3 if label == "baseline" else 5)

    async def change(http: httpx.AsyncClient, k: int) -> None:
        email = rng.choice(hub.emails)
        free = [g for g in hub.synced[email] if g not in busy]
        name = f"{label} change {k} {time.time_ns()}"
        guid = ""
        began = time.monotonic()
        try:
            if free and rng.random() < 0.5:
                guid = rng.choice(free)
                busy.add(guid)
                figures.patches += 1
                patch = [{"op": "replace", "path": "/name", "value": name}]
                answer = await http.patch(f"/v1/activities/{guid}", json=patch)
            else:
                figures.posts += 1
                at = day + timedelta(hours=k)
                body = {
                    "name": name,
                    "activityType": {"guid": hub.type_guid},
                    "ownerUser": {"guid": hub.users[email]},
                    "startDateTime": at.isoformat(),
                    "endDateTime": (at + timedelta(hours=1)).isoformat(),
                }
                answer = await http.post("/v1/activities", json=body)
                guid = answer.json()["guid"] if answer.status_code == 201 else ""
                busy.add(guid)
        except httpx.HTTPError as error:
            figures.answers.append(MISS)
            figures.seen.append(MISS)
            figures.failures[f"write {code_of(error)}"] += 1
            busy.discard(guid)
            return
        committed = time.monotonic()
        figures.answers.append(committed - began if answer.is_success else MISS)
        if not answer.is_success:
            figures.seen.append(MISS)
            figures.failures[f"write {answer.status_code}"] += 1
            busy.discard(guid)
            return
        seconds = await watcher.expect(email, guid, name, committed)
        figures.seen.append(seconds)
        if seconds == MISS:
            figures.failures[f"not seen within {opts.give_up:.0f} s"] += 1
        elif guid not in hub.synced[email]:
            hub.synced[email].append(guid)
        busy.discard(guid)

    cpu = Cpu.take(load_pid)
    beat.start()
    began = time.monotonic()
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=None)
    try:
        async with httpx.AsyncClient(
            base_url=base, headers=headers, timeout=opts.timeout, limits=limits, trust_env=False
        ) as http:
            changes = []
            for k in range(opts.changes):
                await asyncio.sleep(max(0.0, began + k * opts.seconds / opts.changes - time.monotonic()))
                changes.append(asyncio.create_task(change(http, k)))
            await asyncio.gather(*changes)
        await asyncio.sleep(max(0.0, began + opts.seconds - time.monotonic()))
    finally:
        beat.stop.set()
        await asyncio.to_thread(beat.join)
        watching.cancel()
    figures.seconds = time.monotonic() - began
    figures.cpu = Cpu.take(load_pid).since(cpu)
    figures.beats, figures.beat_codes = beat.seconds, beat.codes
    return figures


async def warm_up(calendar_url: str, expected: dict[str, set[str]], limit: float) -> tuple[float, int]:
    """Until every user's calendar shows that user's activities (the first sync of all);
    returns the seconds it took and the users still short when `limit` ran out."""
    began = time.monotonic()
    short = dict(expected)
    slots = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=calendar_url, timeout=10, trust_env=False) as http:

        async def look(email: str) -> None:
            async with slots:
                try:
                    answer = await http.get(f"/emulator/calendars/{email}")
                except httpx.HTTPError:
                    return
            if answer.status_code == 200 and short[email] <= {item["id"] for item in answer.json()["items"]}:
                del short[email]

        while short and time.monotonic() - began < limit:
            await asyncio.gather(*(look(email) for email in list(short)))
            if short:
                await asyncio.sleep(0.5)
    return time.monotonic() - began, len(short)


# ---------------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--users", type=int, default=200, help="users whose calendars sync")
    parser.add_argument("--per-user", type=int, default=2, help="activities of each user before the start")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--changes", type=int, default=60, help="hub changes measured in each phase")
    parser.add_argument("--every", type=float, default=0.05, help="seconds between heartbeat probes")
    parser.add_argument("--guessers", type=int, default=100, help="clients posting wrong secrets to /v1/token")
    parser.add_argument("--writers", type=int, default=8, help="clients creating and patching activities")
    parser.add_argument(
        "--write-every",
        type=float,
        default=0.0,
        help="seconds between one writer's POST + PATCH pairs (default 0: as fast as they are answered)",
    )
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds before any request counts as a miss")
    parser.add_argument("--give-up", type=float, default=30.0, help="seconds before a change counts as not seen")
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds of load before the load phase measures")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds of quiet after the first sync")
    parser.add_argument("--warmup-limit", type=float, default=180.0, help="seconds allowed for the first sync")
    parser.add_argument("--push-debounce", type=float, help="the server's [sync] push_debounce_s (default: its own)")
    parser.add_argument("--seed", type=int, default=1)
    opts = parser.parse_args()

    emails = [f"user{n:04d}@example.com" for n in range(opts.users)]
    with (
        tempfile.TemporaryDirectory() as tmp,
        emulator(emails) as (calendar_url, key_dir),
        fresh_database(opts.database, Path(tmp)) as url,
    ):
        workdir = Path(tmp)
        org = Organisation(url, workdir).use_google(calendar_url, key_dir)
        org.add_users(emails)
        for email in emails:
            org.add_activities(email, opts.per_user)
        hub = Hub(emails, dict(org.users), org.type_guid, {e: list(org.guids.get(e, [])) for e in emails})
        org.t.close()  # from here on the hub is the server's alone
        extra = {"TANDEM_LOG_LEVEL": "WARNING"}
        if opts.push_debounce is not None:
            extra["TANDEM_SYNC__PUSH_DEBOUNCE_S"] = str(opts.push_debounce)
        env = environment(url, workdir, **extra)
        client = run_json(["clients", "create", "--name", "bench", "--scopes", "all", "--json"], env, workdir)
        reported = False
        try:
            with serving(env, workdir) as base:
                measured = measure(base, calendar_url, client, hub, opts)
                report(*measured, opts)
                reported = True
        except AssertionError as error:  # `serving` could not stop the server within 30 s
            if not reported:
                raise
            print(f"\n!! {str(error).splitlines()[0]}")


def measure(
    base: str, calendar_url: str, client: dict[str, str], hub: Hub, opts: argparse.Namespace
) -> tuple[Figures, Figures, dict[str, Any]]:
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as http:
        answer = http.post("/v1/token", json={k: client[k] for k in ("client_id", "client_secret")})
        answer.raise_for_status()
        token = answer.json()["access_token"]
    debounce = opts.push_debounce if opts.push_debounce is not None else SyncSettings().push_debounce_s
    follow = SyncRuntime.__dataclass_fields__["push_poll_s"].default
    print(
        f"tandem serve ({opts.database}) at {base}, {opts.users} users x {opts.per_user} activities syncing to the "
        f"emulator at {calendar_url}; hub -> calendar by push: the follower woken at once by an API write "
        f"(else every {follow} s), push_debounce_s {debounce} s; calendar poll_interval_s "
        f"{SyncSettings().poll_interval_s:.0f} s (not on this path); {os.cpu_count()} CPU cores",
        flush=True,
    )
    expected = {email: {event_id_for(g) for g in guids} for email, guids in hub.synced.items()}
    took, short = asyncio.run(warm_up(calendar_url, expected, opts.warmup_limit))
    print(f"first sync of all {opts.users} users reached the emulator in {took:.1f} s ({short} users short)")
    time.sleep(opts.settle)
    print(f"baseline: {opts.seconds:.0f} s, a heartbeat every {opts.every * 1000:.0f} ms, {opts.changes} changes")
    quiet = asyncio.run(phase("baseline", base, calendar_url, token, hub, opts, None))
    bodies = [{"activityType": {"guid": hub.type_guid}, "ownerUser": {"guid": hub.users[e]}} for e in hub.emails]
    print(f"load: {opts.guessers} token guessers + {opts.writers} writers; {opts.ramp:.0f} s ramp, then the same")
    with Load(base, client["client_id"], token, bodies, opts) as load:
        time.sleep(opts.ramp)
        busy = asyncio.run(phase("load", base, calendar_url, token, hub, opts, load.child.pid))
    return quiet, busy, load.result


# ---------------------------------------------------------------------- the report


def pace(every: float) -> str:
    return f", a pair every {every:g} s each" if every else ", each pair as soon as the last is answered"


def ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    return "miss" if seconds == MISS else f"{seconds * 1000:,.0f} ms"


def ratio(a: float, b: float) -> str:
    if math.isnan(a) or math.isnan(b) or a <= 0:
        return "-"
    return "inf" if MISS in (a, b) else f"{b / a:.1f}"


def verdict(target: float | None, value: float) -> str:
    if target is None:
        return ""
    return "PASS" if value <= target else "MISS"


def codes(counted: Counter[str]) -> str:
    """401/429/5xx/timeouts first, then whatever else came back."""
    fives = sum(n for c, n in counted.items() if c.startswith("5"))
    shown = {"401": counted["401"], "429": counted["429"], "5xx": fives, "timeout": counted["timeout"]}
    rest = {c: n for c, n in sorted(counted.items()) if c not in ("401", "429", "timeout") and c[0] != "5"}
    return ", ".join(f"{c} {n}" for c, n in (shown | rest).items())


def dict_text(counted: Counter[str]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counted.items()))


def report(quiet: Figures, busy: Figures, load: dict[str, Any], opts: argparse.Namespace) -> None:
    rows = [
        ("heartbeat p50", "beats", 50),
        ("heartbeat p99", "beats", 99),
        ("change -> calendar p50", "seen", 50),
        ("change -> calendar p99", "seen", 99),
        ("write answer p50", "answers", 50),
        ("write answer p99", "answers", 99),
    ]
    print(f"\n{'metric':<24}{'baseline':>11}{'under load':>12}{'ratio':>7}   {'target':<11}baseline / load")
    for label, key, p in rows:
        a, b = pct(getattr(quiet, key), p), pct(getattr(busy, key), p)
        target, text = TARGETS.get(label, (None, ""))
        judged = f"{text:<11}{verdict(target, a)} / {verdict(target, b)}" if target else ""
        print(f"{label:<24}{ms(a):>11}{ms(b):>12}{ratio(a, b):>7}   {judged}")
    print()
    for name, f in (("baseline", quiet), ("under load", busy)):
        missed_beats = sum(1 for s in f.beats if s == MISS)
        missed_changes = sum(1 for s in f.seen if s == MISS)
        why = f" ({dict_text(f.failures)})" if f.failures else ""
        print(
            f"{name}: {len(f.beats)} heartbeats in {f.seconds:.1f} s, {missed_beats} missed "
            f"(answers {dict_text(f.beat_codes)}); {len(f.seen)} changes ({f.posts} POST, {f.patches} PATCH), "
            f"{missed_changes} missed{why}"
        )
    for name, f in (("baseline", quiet), ("under load", busy)):
        used = f.cpu
        print(
            f"CPU {name} (cores used): server (API) {used['server']:.2f}, its workers {used['workers']:.2f}, "
            f"emulator {used['emulator']:.2f}, "
            f"load generator {used['load']:.2f}, this process {used['bench']:.2f}, other processes "
            f"{used['others']:.2f}; machine {used['machine']:.2f} of {os.cpu_count()}"
        )
    seconds = load["seconds"] or float("nan")
    token, writes = load["codes"]["token"], load["codes"]["writes"]
    print(
        f"token hammer ({opts.guessers} clients, wrong secrets): {sum(token.values()):,} answers in {seconds:.0f} s "
        f"= {sum(token.values()) / seconds:,.0f}/s; {codes(token)}"
    )
    print(
        f"writers ({opts.writers} clients, POST + PATCH{pace(opts.write_every)}): {sum(writes.values()):,} answers "
        f"= {sum(writes.values()) / seconds:,.1f}/s; {codes(writes)}"
    )
    fives = sum(n for c, n in (token + writes).items() if c.startswith("5"))
    if fives:
        print(f"!! {fives} answers were 5xx (there should be none)")


if __name__ == "__main__":
    main()
