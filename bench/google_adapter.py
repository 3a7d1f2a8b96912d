"""Throughput of the Google adapter against the emulator (prints figures; not a test).

    .venv/bin/python bench/google_adapter.py [--users 200] [--per-user 100] [--single 10000]

The emulator runs in a child process (so the adapter's CPU time is measured alone) with
its rate limits raised out of the way: the figures are the adapter's and the emulator's
speed, not Google's quota (600 requests per user per minute would cap a single user at
600 inserts a minute however they are sent). Measured:

1. one user, N inserts through `batch()` (1000 per batch request)
2. U users x M inserts, all users at once (one shared client and token source)
3. one idle incremental `changes()` per user: HTTP requests and adapter CPU per call
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from support import emulator, emulator_counts
from tandem.connectors.google import Endpoints, GoogleCalendar, load_key
from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.ports.calendar import EventInsert


def meeting(summary: str) -> CalendarEvent:
    event_id = base64.b32hexencode(uuid.uuid4().bytes).decode("ascii").rstrip("=").lower()
    start = datetime(2031, 3, 10, 7, tzinfo=UTC)
    return CalendarEvent(event_id, start, start + timedelta(hours=1), "Europe/Helsinki", summary, "Agenda", "Room 4")


@dataclass
class Figure:
    label: str
    events: int
    seconds: float
    cpu: float
    requests: dict[str, int]

    def show(self) -> None:
        http = sum(v for k, v in self.requests.items() if k in ("batch", "token"))
        parts = sum(v for k, v in self.requests.items() if k not in ("batch", "token"))
        print(
            f"{self.label}: {self.events} events in {self.seconds:.2f} s = {self.events / self.seconds:,.0f} events/s; "
            f"{http} HTTP requests = {http / self.events:.4f} per event "
            f"({', '.join(f'{k} {v}' for k, v in sorted(self.requests.items()))}; batch parts are counted by the "
            f"emulator as the calls they hold: {parts}); adapter CPU {self.cpu * 1000 / self.events:.3f} ms/event"
        )


async def measure(label: str, events: int, control: httpx.AsyncClient, work: Awaitable[object]) -> Figure:
    await emulator_counts(control, reset=True)
    wall, cpu = time.perf_counter(), time.process_time()
    await work
    figure = Figure(
        label, events, time.perf_counter() - wall, time.process_time() - cpu, await emulator_counts(control)
    )
    figure.show()
    return figure


async def run(base_url: str, key_dir: Path, users: list[str], per_user: int, single: int) -> None:
    google = GoogleCalendar(load_key((key_dir / "key.json").read_bytes()), endpoints=Endpoints.at(base_url))
    async with google, httpx.AsyncClient(base_url=base_url, timeout=60) as control:
        big = users[0]
        writes = [EventInsert(meeting(f"bulk {n}"), SendUpdates.NONE) for n in range(single)]
        await measure(f"1 user x {single}", single, control, google.batch(big, writes))

        others = users[1:]

        async def user_run(user: str) -> None:
            batch = [EventInsert(meeting(f"{user} {n}"), SendUpdates.NONE) for n in range(per_user)]
            await google.batch(user, batch)

        many = asyncio.gather(*(user_run(u) for u in others))
        await measure(f"{len(others)} users x {per_user}", len(others) * per_user, control, many)

        cursors = {u: (await google.changes(u, None)).next_cursor for u in others}
        await emulator_counts(control, reset=True)
        wall, cpu = time.perf_counter(), time.process_time()
        for user in others:
            idle = await google.changes(user, cursors[user])
            assert idle.events == ()
        seconds, spent = time.perf_counter() - wall, time.process_time() - cpu
        requests = await emulator_counts(control)
        print(
            f"idle incremental changes(): {len(others)} users, {sum(requests.values())} HTTP requests "
            f"({requests}), {sum(requests.values()) / len(others):.2f} per user; adapter CPU "
            f"{spent * 1000 / len(others):.3f} ms per user; wall {seconds * 1000 / len(others):.2f} ms per user"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--per-user", type=int, default=100)
    parser.add_argument("--single", type=int, default=10_000)
    options = parser.parse_args()
    users = ["bulk@example.com"] + [f"user{n:04d}@example.com" for n in range(options.users)]
    with emulator(users) as (base_url, key_dir):
        asyncio.run(run(base_url, key_dir, users, options.per_user, options.single))


if __name__ == "__main__":
    main()
