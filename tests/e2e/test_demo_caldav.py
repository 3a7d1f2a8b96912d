"""`make run` on its embedded default (issue 12): the demo calendars on a real CalDAV server,
Radicale embedded in `tandem serve`, every demo user's calendar on disk beside the database.

The demo's activities reach the calendars; Dev's own private entry, put in his calendar as a
calendar app would, comes into the hub as a Personal activity (CAL-6); an edit made through
the hub's REST API reaches the calendar, and one made with a CalDAV client library (as
Thunderbird or DAVx5 would) reaches the hub; a restart finds the same calendars and
duplicates nothing."""

from __future__ import annotations

import time
from pathlib import Path

import caldav
import httpx
import sqlalchemy as sa

from tandem import bootstrap
from tandem.config import Settings
from tandem.demo.calendar_seed import PRIVATE_ENTRY
from tandem.hub.models import Activity, ActivityType
from tests.support.processes import demo_environment, free_port, run_json, serving

BEN = "ben.berg@example.com"
DEV = "dev.dutta@example.com"
PASSWORD = "tandem-demo"
WAIT_S = 60
KICK_OFF = "Kick-off: ERP renewal"


def _hub(env: dict[str, str]) -> list[tuple[str, str]]:
    """(name, type category) of every live activity in the hub."""
    t = bootstrap.build(
        Settings(database_url=env["TANDEM_DATABASE_URL"], secret_key_file=Path(env["TANDEM_SECRET_KEY_FILE"]))
    )
    try:
        with t.db.read() as session:
            rows = session.execute(
                sa.select(Activity.name, ActivityType.category)
                .join(ActivityType, Activity.activity_type_id == ActivityType.id)
                .where(Activity.is_deleted.is_(False))
            )
            return sorted((name, category) for name, category in rows)
    finally:
        t.close()


def _hub_names(env: dict[str, str]) -> list[str]:
    return [name for name, _ in _hub(env)]


def _calendar(port: int, email: str) -> caldav.Calendar:
    url = f"http://127.0.0.1:{port}/{email}/calendar/"
    return caldav.DAVClient(url=url, username=email, password=PASSWORD).calendar(url=url)


def _summaries(calendar: caldav.Calendar) -> list[str]:
    return sorted(str(event.icalendar_component.get("summary")) for event in calendar.events())


def _until(check, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_S
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.5)


def _rename_through_the_api(base: str, env: dict[str, str], cwd: Path, name: str, new_name: str) -> None:
    credentials = run_json(["clients", "create", "--scopes", "all", "--json"], env, cwd)
    with httpx.Client(base_url=base, timeout=10) as http:
        token = http.post("/v1/token", json=credentials).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        (found,) = [a for a in http.get("/v1/activities", params={"rowCount": 100}).json() if a["name"] == name]
        patched = http.patch(
            f"/v1/activities/{found['guid']}", json=[{"op": "replace", "path": "/name", "value": new_name}]
        )
        assert patched.status_code == 200, patched.text


def test_bey_1_make_run_on_caldav_syncs_both_ways_and_a_restart_duplicates_nothing(tmp_path: Path) -> None:
    port = free_port()
    env = demo_environment(tmp_path, port, TANDEM_SYNC__POLL_INTERVAL_S="1")  # make run's, on a free port
    assert "TANDEM_DEMO_CALENDAR_KIND" not in env  # the embedded default, not a choice of this test
    with serving(env, tmp_path) as base:
        ben = _calendar(port, BEN)
        _until(lambda: KICK_OFF in _summaries(ben), "the demo's kick-off never reached Ben's calendar")
        _until(lambda: PRIVATE_ENTRY in _hub_names(env), "Dev's own calendar entry never reached the hub")

        _rename_through_the_api(base, env, tmp_path, KICK_OFF, "Kick-off: ERP renewal (agenda sent)")
        _until(
            lambda: "Kick-off: ERP renewal (agenda sent)" in _summaries(ben),
            "the hub API's edit never reached Ben's calendar",
        )

        (kickoff,) = [e for e in ben.events() if "Kick-off" in str(e.icalendar_component.get("summary"))]
        kickoff.icalendar_component["summary"] = "Kick-off: ERP renewal, moved to room 4"
        kickoff.save()  # as a calendar app saves an edit
        _until(
            lambda: "Kick-off: ERP renewal, moved to room 4" in _hub_names(env),
            "the calendar app's edit never reached the hub",
        )
        in_calendar, in_dev, in_hub = _summaries(ben), _summaries(_calendar(port, DEV)), _hub(env)
    assert (tmp_path / "radicale" / "collections").is_dir()  # on disk, beside tandem.db

    with serving(env, tmp_path):
        time.sleep(5)  # a few poll cycles after the restart
        assert _summaries(_calendar(port, BEN)) == in_calendar
        assert _summaries(_calendar(port, DEV)) == in_dev
        assert _hub(env) == in_hub
    assert in_calendar.count("Kick-off: ERP renewal, moved to room 4") == 1
    assert [name for name, _ in in_hub].count("Kick-off: ERP renewal, moved to room 4") == 1
    assert in_dev.count(PRIVATE_ENTRY) == 1  # Dev's entry, not written back beside itself
    assert [category for name, category in in_hub if name == PRIVATE_ENTRY] == ["Personal"]
