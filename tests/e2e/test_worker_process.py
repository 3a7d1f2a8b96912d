"""BEY-11: `tandem serve` runs its workers (the calendar sync) in a child process of their
own, so that the API and the sync never wait for each other's CPU; a change made through
the API still reaches the calendar at once, a worker process that dies is started again,
and one whose server is killed does not go on syncing on its own."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.support.processes import demo_environment, free_port, run, run_json, serving

AINO = "aino.admin@example.com"


@dataclass
class Served:
    base: str
    google: str
    log: Path
    http: httpx.Client
    """Authorised with every scope."""

    def server_pid(self) -> int:
        port = self.base.rsplit(":", 1)[1]
        return next(pid for pid, args in _processes() if "serve" in args and port in args)

    def workers(self) -> list[int]:
        return _worker_children(self.server_pid())

    def calendar(self, email: str) -> list[str]:
        answer = httpx.get(f"{self.google}/emulator/calendars/{email}", timeout=5)
        return [e.get("summary", "") for e in answer.json().get("items", [])] if answer.status_code == 200 else []

    def add_activity(self, name: str) -> None:
        users = self.http.get("/v1/users").json()
        owner = next(u for u in users if u["email"] == AINO)
        kinds = self.http.get("/v1/activitytypes", params={"category": "CalendarEntry"}).json()
        synced = next(k for k in kinds if k["name"] == "Meeting")
        start = datetime.now(UTC).replace(hour=11, minute=0, second=0, microsecond=0) + timedelta(
            days=3
        )  # never past (CAL-11)
        made = self.http.post(
            "/v1/activities",
            json={
                "name": name,
                "activityType": {"guid": synced["guid"]},
                "ownerUser": {"guid": owner["guid"]},
                "startDateTime": start.isoformat(),
                "endDateTime": (start + timedelta(hours=1)).isoformat(),
            },
        )
        assert made.status_code == 201, made.text


def _processes() -> Iterator[tuple[int, str]]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                yield int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue


def _parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _worker_children(server: int) -> list[int]:
    found = []
    for pid, args in _processes():
        try:
            if "spawn_main" in args and _parent_of(pid) == server:
                found.append(pid)
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _within(seconds: float, check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    env = demo_environment(tmp_path, port, TANDEM_DEMO_CALENDAR_KIND="google")
    run(["db", "upgrade"], env, tmp_path)
    run(["demo-data"], env, tmp_path)
    credentials = run_json(["clients", "create", "--scopes", "all", "--json"], env, tmp_path)
    with serving(env, tmp_path) as base, httpx.Client(base_url=base, timeout=10) as http:
        token = http.post("/v1/token", json=credentials).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        served = Served(base, f"http://127.0.0.1:{port}", tmp_path / f"serve-{base.rsplit(':', 1)[1]}.log", http)
        assert _within(60, lambda: "Team weekly" in served.calendar(AINO)), "the demo never reached the calendar"
        yield served


def test_bey_11_the_sync_runs_in_its_own_process_and_an_api_change_reaches_the_calendar_at_once(
    served: Served,
) -> None:
    assert len(served.workers()) == 1  # once: the sync shared the API's process (and its CPU)
    started = time.monotonic()
    served.add_activity("Told across processes")
    # the calendar poll is 30 s away: only the API's word to the worker brings it this soon
    assert _within(10, lambda: "Told across processes" in served.calendar(AINO))
    assert time.monotonic() - started < 10


def test_bey_11_a_worker_process_that_dies_is_started_again(served: Served) -> None:
    (first,) = served.workers()
    os.kill(first, signal.SIGKILL)
    assert _within(20, lambda: served.workers() not in ([], [first]))
    served.add_activity("After the restart")
    assert _within(20, lambda: "After the restart" in served.calendar(AINO))
    assert "the worker process" in served.log.read_text()  # the admin sees that it happened and why


def test_bey_11_the_worker_process_stops_when_its_server_is_killed(served: Served) -> None:
    (worker,) = served.workers()
    os.kill(served.server_pid(), signal.SIGKILL)
    assert _within(30, lambda: not _alive(worker))  # once it would sync on beside the next server
