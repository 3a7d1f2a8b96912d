"""`make run` with the demo calendars on CalDAV (`TANDEM_DEMO_CALENDAR_KIND=caldav`, issue 12):
Radicale embedded in `tandem serve`, every demo user's calendar on disk beside the database.
The demo's activities reach the calendars; an edit made with a CalDAV client library (as
Thunderbird or DAVx5 would) reaches the hub within the poll cycle; a restart finds the same
calendars and duplicates nothing."""

from __future__ import annotations

import time
from pathlib import Path

import caldav
import sqlalchemy as sa

from tandem import bootstrap
from tandem.config import Settings
from tandem.hub.models import Activity
from tests.support.processes import demo_environment, free_port, serving

BEN = "ben.berg@example.com"
PASSWORD = "tandem-demo"
WAIT_S = 60


def _hub_names(env: dict[str, str]) -> list[str]:
    t = bootstrap.build(
        Settings(database_url=env["TANDEM_DATABASE_URL"], secret_key_file=Path(env["TANDEM_SECRET_KEY_FILE"]))
    )
    try:
        with t.db.read() as session:
            return sorted(session.scalars(sa.select(Activity.name).where(Activity.is_deleted.is_(False))))
    finally:
        t.close()


def _calendar(port: int) -> caldav.Calendar:
    client = caldav.DAVClient(url=f"http://127.0.0.1:{port}/{BEN}/calendar/", username=BEN, password=PASSWORD)
    return client.calendar(url=f"http://127.0.0.1:{port}/{BEN}/calendar/")


def _summaries(calendar: caldav.Calendar) -> list[str]:
    return sorted(str(event.icalendar_component.get("summary")) for event in calendar.events())


def _until(check, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_S
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.5)


def test_bey_1_make_run_on_caldav_syncs_both_ways_and_a_restart_duplicates_nothing(tmp_path: Path) -> None:
    port = free_port()
    env = demo_environment(
        tmp_path, port, TANDEM_DEMO_CALENDAR_KIND="caldav", TANDEM_DEMO_ERP="false", TANDEM_SYNC__POLL_INTERVAL_S="1"
    )
    with serving(env, tmp_path):
        calendar = _calendar(port)
        _until(
            lambda: "Kick-off: ERP renewal" in _summaries(calendar), "the demo's kick-off never reached Ben's calendar"
        )
        (kickoff,) = [
            e for e in calendar.events() if str(e.icalendar_component.get("summary")) == "Kick-off: ERP renewal"
        ]
        kickoff.icalendar_component["summary"] = "Kick-off: ERP renewal, moved to room 4"
        kickoff.save()  # as a calendar app saves an edit
        _until(
            lambda: "Kick-off: ERP renewal, moved to room 4" in _hub_names(env),
            "the calendar app's edit never reached the hub",
        )
        in_calendar, in_hub = _summaries(calendar), _hub_names(env)
    assert (tmp_path / "radicale" / "collections").is_dir()  # on disk, beside tandem.db

    with serving(env, tmp_path):
        time.sleep(5)  # a few poll cycles after the restart
        assert _summaries(_calendar(port)) == in_calendar
        assert _hub_names(env) == in_hub
    assert in_calendar.count("Kick-off: ERP renewal, moved to room 4") == 1
    assert in_hub.count("Kick-off: ERP renewal, moved to room 4") == 1
