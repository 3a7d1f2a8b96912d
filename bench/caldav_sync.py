"""The CalDAV adapter against Radicale, each figure beside Radicale's own floor measured in
the same run (prints figures; not a test).

    .venv/bin/python bench/caldav_sync.py [--events 2000] [--no-fsync] [--repeat 20]

Radicale is slow (with fsync, tens of writes a second; a REPORT of thousands of items takes
100+ ms), so what counts is the ratio to what Radicale itself needs for the same work:

1. initial write: the adapter's `batch()` of N inserts (parallel writes) beside N raw
   sequential PUTs of the same iCalendar text with `If-None-Match: *`
2. full read: `changes(None)` beside one raw sync-collection REPORT with calendar-data
3. idle cycle: `changes(cursor)` on an unchanged calendar beside one raw incremental
   sync-collection REPORT: time (median of --repeat) and HTTP requests
4. one-change cycle: one event changed by another client, then `changes(cursor)`, beside
   the raw REPORT that finds the same change

Adapter-level only: the sync core, the hub and the database are not in these figures.
Radicale runs in its own process (tests/support/radicale.py), so this process's CPU is the
adapter's alone.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

import support  # noqa: F401 - puts the repository on the import path
from tandem.connectors.caldav import CaldavCalendar, CaldavSettings, Credentials
from tandem.connectors.caldav.ical import ALL_GROUPS
from tandem.connectors.caldav.resource import new_calendar, serialize, write_series
from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.ports.calendar import EventInsert

USER = "bench@example.test"
PASSWORD = "bench"
REPORT = (
    '<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>"
    "<D:prop><D:getetag/><C:calendar-data/></D:prop></D:sync-collection>"
)


def meeting(summary: str, n: int) -> CalendarEvent:
    start = datetime(2031, 3, 10, 7, tzinfo=UTC) + timedelta(hours=n)
    event_id = uuid.uuid4().hex
    return CalendarEvent(event_id, start, start + timedelta(hours=1), "Europe/Helsinki", summary, "Agenda", "Room 4")


def ics_of(event: CalendarEvent) -> bytes:
    calendar = new_calendar()
    write_series(calendar, event, ALL_GROUPS, schedule_agent="CLIENT", now=datetime.now(UTC))
    return serialize(calendar)


class Raw:
    """Radicale's floor: the requests the adapter would make, sent bare."""

    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self.http = http
        self.url = url

    async def put(self, name: str, ics: bytes) -> None:
        response = await self.http.put(
            f"{self.url}{name}.ics",
            content=ics,
            headers={"If-None-Match": "*", "Content-Type": "text/calendar; charset=utf-8"},
        )
        assert response.status_code == 201, response.status_code

    async def report(self, token: str) -> tuple[str, int]:
        response = await self.http.request(
            "REPORT",
            self.url,
            content=REPORT.format(token=token).encode(),
            headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
        )
        assert response.status_code == 207, response.status_code
        text = response.text
        return text.split("sync-token>", 1)[1].split("<", 1)[0], text.count("<response>")


async def timed(work: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await work()
    return time.perf_counter() - start


async def median(work: Callable[[], Awaitable[object]], repeat: int) -> float:
    return statistics.median([await timed(work) for _ in range(repeat)])


def line(label: str, ours: float, floor: float, floor_label: str, extra: str = "") -> None:
    print(
        f"{label}: {ours * 1000:,.1f} ms  |  floor ({floor_label}) {floor * 1000:,.1f} ms  |  "
        f"ratio {ours / floor:.2f}x{extra}"
    )


async def run(base: str, events: int, repeat: int) -> None:
    requests = 0

    async def count(_request: httpx.Request) -> None:
        nonlocal requests
        requests += 1

    auth = httpx.BasicAuth(USER, PASSWORD)
    floor_url, our_url = f"{base}/{USER}/floor/", f"{base}/{USER}/ours/"
    async with (
        httpx.AsyncClient(auth=auth, timeout=120) as http,
        httpx.AsyncClient(timeout=120, event_hooks={"request": [count]}) as ours_http,
    ):
        for url in (floor_url, our_url):
            assert (await http.request("MKCALENDAR", url)).status_code == 201
        raw = Raw(http, floor_url)
        settings = CaldavSettings(
            calendar_url=our_url.replace(USER, "{email}"), credentials=Credentials(USER, PASSWORD)
        )
        adapter = CaldavCalendar(settings, http=ours_http)

        bodies = [(e.id, ics_of(e)) for e in (meeting(f"floor {n}", n) for n in range(events))]
        put_floor = await timed(lambda: _sequential(raw, bodies))
        writes = [EventInsert(meeting(f"ours {n}", n), SendUpdates.NONE) for n in range(events)]
        requests = 0
        ours_put = await timed(lambda: adapter.batch(USER, writes))
        line(
            f"initial write, {events} events",
            ours_put,
            put_floor,
            f"{events} sequential PUTs",
            f"; {requests} requests",
        )

        raw.url = our_url
        full_floor = await timed(lambda: raw.report(""))
        full = await adapter.changes(USER, None)
        assert len(full.events) == events
        ours_full = await timed(lambda: adapter.changes(USER, None))
        line("full read", ours_full, full_floor, "one REPORT from no token")

        token, _ = await raw.report("")
        cursor = full.next_cursor
        idle_floor = await median(lambda: raw.report(token), repeat)
        requests = 0
        idle = await median(lambda: adapter.changes(USER, cursor), repeat)
        line("idle cycle", idle, idle_floor, "one incremental REPORT", f"; {requests / repeat:.0f} request(s) a cycle")

        changed = writes[0].event.id
        text = (await http.get(f"{our_url}{changed}.ics")).text.replace("SUMMARY:ours 0", "SUMMARY:changed")
        assert (await http.put(f"{our_url}{changed}.ics", content=text.encode())).status_code in (201, 204)
        one_floor = await median(lambda: raw.report(token), repeat)
        later = await adapter.changes(USER, cursor)
        assert [e.summary for e in later.events] == ["changed"]
        one = await median(lambda: adapter.changes(USER, cursor), repeat)
        line("one-change cycle", one, one_floor, "the incremental REPORT that finds it")
        await adapter.aclose()


async def _sequential(raw: Raw, bodies: list[tuple[str, bytes]]) -> None:
    for name, ics in bodies:
        await raw.put(name, ics)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-fsync", action="store_true", help="Radicale without fsync (faster, not durable)")
    options = parser.parse_args()
    from tests.support.radicale import RadicaleServer  # here: `support` has put the repository on the path

    with (
        tempfile.TemporaryDirectory() as folder,
        RadicaleServer(Path(folder), users={USER: PASSWORD}, fsync=not options.no_fsync) as radicale,
    ):
        print(f"Radicale at {radicale.url}, fsync {'off' if options.no_fsync else 'on'}")
        asyncio.run(run(radicale.url, options.events, options.repeat))


if __name__ == "__main__":
    main()
