"""A CalDAV server as the organisation's calendars (BEY-1), set up from a shell as an admin
would: `tandem calendar configure-caldav`, `calendar test`, `calendar status`, then a sync
that brings an event a calendar app made into the hub. Against a real Radicale."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.config import Settings
from tandem.hub.models import Activity
from tests.support.processes import TANDEM, environment, run, run_json
from tests.support.radicale import RadicaleServer

ANN = "ann@example.com"
PASSWORD = "Radicale-pa55-for-ann"
EVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//a calendar app//EN\r
BEGIN:VEVENT\r
UID:made-in-the-app-1\r
DTSTAMP:20311201T080000Z\r
DTSTART:20311210T090000Z\r
DTEND:20311210T100000Z\r
SUMMARY:Planning made in Thunderbird\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[RadicaleServer]:
    folder = tmp_path / "radicale"
    folder.mkdir()
    with RadicaleServer(folder, users={ANN: PASSWORD}) as server:
        calendar = f"{server.url}/{ANN}/calendar/"
        made = httpx.request("MKCALENDAR", calendar, auth=(ANN, PASSWORD))
        assert made.status_code == 201, made.text
        yield server


def configure(env: dict[str, str], cwd: Path, url: str, password: str) -> subprocess.CompletedProcess[str]:
    return typed(["configure-caldav", "--url", url, "--username", "{email}", "--password-stdin"], env, cwd, password)


def typed(args: list[str], env: dict[str, str], cwd: Path, password: str = "") -> subprocess.CompletedProcess[str]:
    """`tandem calendar ARGS` with `password` on its standard input."""
    return subprocess.run(
        [TANDEM, "calendar", *args], input=password + "\n", env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def _sync_an_app_event(radicale: RadicaleServer, env: dict[str, str], cwd: Path) -> None:
    """Calendar sync on for the organisation and Ann; an event made in a calendar app; a sync."""
    run(["calendar", "enable"], env, cwd)
    run(["users", "sync", "on", ANN], env, cwd)
    put = httpx.put(
        f"{radicale.url}/{ANN}/calendar/made-in-the-app-1.ics",
        content=EVENT,
        headers={"Content-Type": "text/calendar"},
        auth=(ANN, PASSWORD),
    )
    assert put.status_code == 201, put.text
    synced = run(["sync", "--user", ANN], env, cwd, check=False)
    assert synced.returncode == 0, synced.stdout + synced.stderr


def test_bey_1_a_caldav_server_configured_from_the_shell_syncs_an_app_event_into_the_hub(
    radicale: RadicaleServer, hub_database_url: str, tmp_path: Path
) -> None:
    env = environment(hub_database_url, tmp_path)
    for args in (
        ["users", "add", ANN, "--first-name", "Ann", "--last-name", "Admin", "--code", "2001", "--role", "admin"],
        ["types", "add", "Meeting", "--category", "CalendarEntry", "--default", "--sync"],
        ["types", "add", "Private", "--category", "Personal"],
    ):
        run(args, env, tmp_path)
    template = f"{radicale.url}/{{email}}/calendar/"

    wrong = configure(env, tmp_path, template, "not-the-password")
    assert wrong.returncode == 0, wrong.stderr  # saved: the server is asked by `calendar test`
    refused = run(["calendar", "test", "--user", ANN], env, tmp_path, check=False)
    assert refused.returncode == 1
    assert "FAIL" in refused.stdout

    saved = configure(env, tmp_path, template, PASSWORD)
    assert saved.returncode == 0, saved.stderr
    tested = run(["calendar", "test", "--user", ANN], env, tmp_path, check=False)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert f"calendar found at {radicale.url}/{ANN}/calendar/" in tested.stdout
    status = run_json(["calendar", "status", "--json"], env, tmp_path)
    assert (status["provider"], status["caldav_url"], status["caldav_username"]) == ("caldav", template, "{email}")
    assert PASSWORD not in run(["calendar", "status"], env, tmp_path).stdout

    _sync_an_app_event(radicale, env, tmp_path)

    t = bootstrap.build(Settings(database_url=hub_database_url, secret_key_file=tmp_path / "tandem.key"))
    try:
        with t.db.read() as session:
            names = list(session.scalars(sa.select(Activity.name)))
    finally:
        t.close()
    assert names.count("Planning made in Thunderbird") == 1
    if hub_database_url.startswith("sqlite"):
        stored = Path(sa.make_url(hub_database_url).database or "").read_bytes()
        assert PASSWORD.encode() not in stored  # encrypted at rest


def _live_names(hub_database_url: str, key_file: Path) -> list[str]:
    t = bootstrap.build(Settings(database_url=hub_database_url, secret_key_file=key_file))
    try:
        with t.db.read() as session:
            return sorted(session.scalars(sa.select(Activity.name).where(Activity.is_deleted.is_(False))))
    finally:
        t.close()


def test_bey_1_calendars_moved_to_another_url_get_every_activity_and_the_hub_loses_none(
    radicale: RadicaleServer, hub_database_url: str, tmp_path: Path
) -> None:
    """The connection saved again with another calendar URL: the links to the old calendars
    are forgotten with it, so the next sync reads the new, empty calendar as a first sync
    (writes every activity there) instead of as every event deleted in the calendar."""
    env = environment(hub_database_url, tmp_path)
    for args in (
        ["users", "add", ANN, "--first-name", "Ann", "--last-name", "Admin", "--code", "2001", "--role", "admin"],
        ["types", "add", "Meeting", "--category", "CalendarEntry", "--default", "--sync"],
    ):
        run(args, env, tmp_path)
    assert configure(env, tmp_path, f"{radicale.url}/{{email}}/calendar/", PASSWORD).returncode == 0
    _sync_an_app_event(radicale, env, tmp_path)
    assert _live_names(hub_database_url, tmp_path / "tandem.key") == ["Planning made in Thunderbird"]

    second = f"{radicale.url}/{ANN}/second/"
    assert httpx.request("MKCALENDAR", second, auth=(ANN, PASSWORD)).status_code == 201
    assert configure(env, tmp_path, f"{radicale.url}/{{email}}/second/", PASSWORD).returncode == 0
    run(["sync", "--user", ANN], env, tmp_path)

    assert _live_names(hub_database_url, tmp_path / "tandem.key") == ["Planning made in Thunderbird"]
    listing = httpx.request("PROPFIND", second, headers={"Depth": "1"}, auth=(ANN, PASSWORD), content=b"")
    assert listing.text.count(".ics</") == 1, listing.text  # the activity, written once into the new calendar


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the store is proven on both in tests/e2e/caldav
def test_bey_1_a_users_own_caldav_sign_in_saved_from_the_shell_is_the_one_the_test_uses(
    radicale: RadicaleServer, hub_database_url: str, tmp_path: Path
) -> None:
    env = environment(hub_database_url, tmp_path)
    run(["users", "add", ANN, "--first-name", "Ann", "--last-name", "Admin", "--code", "2001"], env, tmp_path)
    assert configure(env, tmp_path, f"{radicale.url}/{{email}}/calendar/", "the-connection's-own").returncode == 0

    def sign_in(*args: str, password: str = "") -> subprocess.CompletedProcess[str]:
        return typed(["caldav-sign-in", ANN, *args], env, tmp_path, password)

    assert run(["calendar", "test", "--user", ANN], env, tmp_path, check=False).returncode == 1
    saved = sign_in("--username", ANN, "--password-stdin", password=PASSWORD)
    assert saved.returncode == 0, saved.stderr
    assert f"{ANN}'s calendar is reached as {ANN}" in " ".join(saved.stdout.split())  # as wrapped on a terminal
    tested = run(["calendar", "test", "--user", ANN], env, tmp_path, check=False)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert PASSWORD not in tested.stdout + saved.stdout

    forgotten = sign_in("--forget")
    assert forgotten.returncode == 0, forgotten.stderr
    assert "reached with the connection's sign-in again" in " ".join(forgotten.stdout.split())
    assert run(["calendar", "test", "--user", ANN], env, tmp_path, check=False).returncode == 1
    both = sign_in("--forget", "--username", ANN)
    assert both.returncode == 1
    assert "Give --username NAME to save a sign-in, or --forget" in both.stderr + both.stdout
