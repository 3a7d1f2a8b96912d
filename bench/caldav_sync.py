"""The calendar sync end to end against Radicale, each figure beside Radicale's own floor
measured in the same run (prints figures; asserts nothing).

    .venv/bin/python bench/caldav_sync.py [--events 2000] [--no-fsync] [--repeat 10] [--changes 5]

A real Tandem (`bootstrap.build` on a new SQLite hub, CalDAV configured as `tandem calendar
configure-caldav` saves it) with one user owning --events activities, and Radicale in its
own process on a free loopback port (tests/support/radicale.py), so this process's CPU is
Tandem's alone. Every run is the runtime's own job for the user (`SyncRuntime.run_user`:
schedule row read and written, a quiet run not recorded). Radicale is slow (with fsync,
tens of writes a second, slower as a collection grows; one REPORT over thousands of items
takes 100+ ms), so what counts is the ratio to what Radicale itself needs for the same work:

1. initial sync: the user's first run (every activity written to the calendar) beside the
   same iCalendar texts Tandem sent, PUT one after another with `If-None-Match: *` into
   another collection of the same Radicale (target: within 1.05x; parallel writes may beat
   the floor). The floor runs after the sync (it PUTs the texts the sync sent): on a shared
   machine a change of load between the two moves this ratio, so run it more than once
2. idle cycle: a run with nothing changed, time (median of --repeat) and HTTP requests,
   beside one raw incremental sync-collection REPORT from the user's stored token
   (target: within 1.2x, one REPORT and no write); the first cycle after the initial sync,
   which reads the initial sync's own writes back, is shown on its own
3. one-change cycle: one event changed by another client (a raw GET and PUT), then the run
   that brings it to the hub, beside the raw REPORT that finds the change (median of
   --changes); and a hub change, then the run that writes it to the calendar, beside the
   raw REPORT and one raw PUT of the text Tandem sent
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx

from support import Organisation
from tandem.connectors.caldav import CaldavCalendar
from tandem.connectors.caldav.adapter import default_http_client
from tandem.connectors.caldav.cursor import token_of
from tandem.hub.models import Activity as ActivityRow
from tandem.hub.services import lookup
from tandem.runtime.service import SyncRuntime
from tandem.runtime.user_sync import RunReport
from tandem.sync.ids import event_id_for

T = TypeVar("T")
USER = "bench@example.com"
PASSWORD = "bench"
REPORT = (
    '<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>"
    "<D:prop><D:getetag/><C:calendar-data/></D:prop></D:sync-collection>"
)


class Raw:
    """Radicale's floor: the requests a sync needs, sent bare with httpx."""

    def __init__(self, http: httpx.AsyncClient, calendar_url: str) -> None:
        self.http = http
        self.url = calendar_url

    async def put(self, url: str, ics: bytes, *, create: bool = True) -> None:
        headers = {"Content-Type": "text/calendar; charset=utf-8"} | ({"If-None-Match": "*"} if create else {})
        response = await self.http.put(url, content=ics, headers=headers)
        assert response.status_code in ((201,) if create else (201, 204)), response.status_code

    async def report(self, token: str) -> int:
        """One sync-collection REPORT of the calendar from `token`; the resources it lists."""
        response = await self.http.request(
            "REPORT",
            self.url,
            content=REPORT.format(token=token).encode(),
            headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
        )
        assert response.status_code == 207, response.status_code
        return response.text.count("<response>")

    async def edit(self, name: str, summary: str) -> None:
        """As another client: read the resource, change its summary, write it back."""
        found = await self.http.get(f"{self.url}{name}.ics")
        assert found.status_code == 200, found.status_code
        text = re.sub(r"SUMMARY:[^\r\n]*", f"SUMMARY:{summary}", found.text, count=1)
        written = await self.http.put(
            f"{self.url}{name}.ics", content=text.encode(), headers={"If-Match": found.headers["etag"]}
        )
        assert written.status_code in (201, 204), written.status_code


class Traffic:
    """The requests Tandem's adapter sends (an httpx event hook), and the PUT bodies."""

    def __init__(self) -> None:
        self.methods: collections.Counter[str] = collections.Counter()
        self.puts: dict[str, bytes] = {}

    async def hook(self, request: httpx.Request) -> None:
        self.methods[request.method] += 1
        if request.method == "PUT":
            self.puts[request.url.path.rsplit("/", 1)[1]] = request.content

    def reset(self) -> collections.Counter[str]:
        methods, self.methods = self.methods, collections.Counter()
        return methods


async def timed(work: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    start = time.perf_counter()
    result = await work()
    return result, time.perf_counter() - start


def line(label: str, ours: float, floor: float, floor_label: str, extra: str = "") -> None:
    print(
        f"{label}: {ours * 1000:,.1f} ms  |  floor ({floor_label}) {floor * 1000:,.1f} ms  |  "
        f"ratio {ours / floor:.2f}x{extra}",
        flush=True,
    )


def per_run(methods: collections.Counter[str], runs: int) -> str:
    return ", ".join(f"{method} {count / runs:g}" for method, count in sorted(methods.items())) or "none"


class Bench:
    def __init__(self, org: Organisation, runtime: SyncRuntime, raw: Raw, traffic: Traffic) -> None:
        self.org = org
        self.runtime = runtime
        self.raw = raw
        self.traffic = traffic
        self.guid = org.users[USER]

    async def run(self) -> RunReport:
        """The user's run as the runtime's dispatcher starts it."""
        await self.runtime.run_user(self.guid)
        report = self.runtime.reports[self.guid]
        if report.record.error:
            print(f"  !! the run reported an error: {report.record.error}")
        return report

    def token(self) -> str:
        cursor = self.org.t.sync_store().cursor(self.guid, USER)
        assert cursor is not None
        token = token_of(cursor.calendar_token)
        assert token is not None
        return token

    async def initial(self, floor_url: str) -> None:
        self.traffic.reset()
        cpu = time.process_time()
        report, ours = await timed(self.run)
        cpu = time.process_time() - cpu
        methods = self.traffic.reset()
        created = report.record.counts.events_created
        bodies = list(self.traffic.puts.items())

        async def sequential() -> None:
            for name, ics in bodies:
                await self.raw.put(floor_url + name, ics)

        _, floor = await timed(sequential)
        line(
            f"initial sync, {created} events",
            ours,
            floor,
            f"{len(bodies)} sequential PUTs of the same texts",
            f"  [target 1.05x; requests: {per_run(methods, 1)}; Tandem CPU {cpu:.1f} s]",
        )

    async def idle(self, repeat: int) -> None:
        listed, floor = await timed(lambda: self.raw.report(self.token()))
        _, ours = await timed(self.run)
        methods = self.traffic.reset()
        line(
            "first cycle after the initial sync",
            ours,
            floor,
            f"one REPORT listing {listed} resources",
            f"  [reads its own writes back; requests: {per_run(methods, 1)}]",
        )
        floors, ours_times = [], []
        for _ in range(repeat):  # interleaved, so both meet the same noise
            listed, floor = await timed(lambda: self.raw.report(self.token()))
            report, took = await timed(self.run)
            assert listed == 0, "the floor REPORT found changes: not idle"
            assert report.quiet, "the idle run was not quiet"
            floors.append(floor)
            ours_times.append(took)
        methods = self.traffic.reset()
        line(
            f"idle cycle (median of {repeat})",
            statistics.median(ours_times),
            statistics.median(floors),
            "one incremental REPORT",
            f"  [target 1.2x; requests a run: {per_run(methods, repeat)}]",
        )

    async def calendar_changes(self, changes: int) -> None:
        floors, ours_times = [], []
        for n in range(changes):
            guid = self.org.guids[USER][n]
            await self.raw.edit(event_id_for(guid), f"changed in the calendar {n}")
            listed, floor = await timed(lambda: self.raw.report(self.token()))
            _, took = await timed(self.run)
            assert listed == 1, listed
            assert self.hub_name(guid) == f"changed in the calendar {n}", "the change did not reach the hub"
            floors.append(floor)
            ours_times.append(took)
        methods = self.traffic.reset()
        line(
            f"one-change cycle, calendar -> hub (median of {changes})",
            statistics.median(ours_times),
            statistics.median(floors),
            "the incremental REPORT that finds it",
            f"  [requests a run: {per_run(methods, changes)}]",
        )

    async def hub_changes(self, changes: int, floor_url: str) -> None:
        floors, ours_times = [], []
        for n in range(changes):
            guid = self.org.guids[USER][-1 - n]
            await asyncio.to_thread(self.org.rename, guid, f"changed in the hub {n}")
            self.traffic.puts.clear()
            token = self.token()
            _, took = await timed(self.run)
            ((name, ics),) = self.traffic.puts.items()

            async def floor_work(token: str = token, name: str = name, ics: bytes = ics) -> None:
                await self.raw.report(token)
                await self.raw.put(floor_url + name, ics, create=False)

            _, floor = await timed(floor_work)
            floors.append(floor)
            ours_times.append(took)
        methods = self.traffic.reset()
        line(
            f"one-change cycle, hub -> calendar (median of {changes})",
            statistics.median(ours_times),
            statistics.median(floors),
            "the incremental REPORT and one PUT",
            f"  [requests a run: {per_run(methods, changes)}]",
        )

    def hub_name(self, guid: str) -> str:
        with self.org.t.db.read() as session:
            return lookup.get(session, ActivityRow, guid).name


async def run(options: argparse.Namespace, base: str, workdir: Path) -> None:
    org = Organisation(f"sqlite:///{workdir / 'hub.db'}", workdir).use_caldav(
        f"{base}/{{email}}/calendar/", "{email}", PASSWORD
    )
    org.add_users([USER])
    made = time.perf_counter()
    org.add_activities(USER, options.events)
    print(f"hub (SQLite): {options.events} activities made in {time.perf_counter() - made:.1f} s", flush=True)
    calendar_url, floor_url = f"{base}/{USER}/calendar/", f"{base}/{USER}/floor/"
    traffic = Traffic()
    settings = org.t.caldav_settings()
    assert settings is not None
    async with (
        httpx.AsyncClient(auth=httpx.BasicAuth(USER, PASSWORD), timeout=300) as http,
        default_http_client() as ours_http,  # what `bootstrap` gives the adapter, with a counter
    ):
        for url in (calendar_url, floor_url):
            assert (await http.request("MKCALENDAR", url)).status_code == 201
        ours_http.event_hooks = {"request": [traffic.hook]}
        runtime = org.t.sync_runtime()
        runtime.calendar = CaldavCalendar(settings, http=ours_http)
        bench = Bench(org, runtime, Raw(http, calendar_url), traffic)
        await bench.initial(floor_url)
        await bench.idle(options.repeat)
        await bench.calendar_changes(options.changes)
        await bench.hub_changes(options.changes, floor_url)
        await runtime.stop()
    org.t.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=2000, help="activities of the user")
    parser.add_argument("--repeat", type=int, default=10, help="idle cycles")
    parser.add_argument("--changes", type=int, default=5, help="one-change cycles each way")
    parser.add_argument("--no-fsync", action="store_true", help="Radicale without fsync (faster, not durable)")
    options = parser.parse_args()
    from tests.support.radicale import RadicaleServer  # `support` has put the repository on the path

    with (
        tempfile.TemporaryDirectory() as folder,
        RadicaleServer(Path(folder), users={USER: PASSWORD}, fsync=not options.no_fsync) as radicale,
    ):
        print(f"Radicale at {radicale.url}, fsync {'off' if options.no_fsync else 'on'}", flush=True)
        asyncio.run(run(options, radicale.url, Path(folder)))


if __name__ == "__main__":
    main()
