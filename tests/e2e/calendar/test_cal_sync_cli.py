"""`tandem sync` as an admin reads it (issue 11, item 6): whole emails and short local times
in `sync status`, with the counts and the next run; `--user` honoured by `status`; a dry
run that says what would change; an error without a plan's summary before it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tandem.store.schedule import SqlSchedule
from tests.e2e.calendar.conftest import ALICE, BOB, CAROL, DAVE, World, soon
from tests.support.processes import environment, on_a_terminal, run, run_json


def helsinki(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo("Europe/Helsinki")).strftime("%Y-%m-%d %H:%M")


def test_bey_4_sync_status_shows_whole_emails_local_short_times_the_counts_and_the_next_run(
    world: World, tmp_path: Path
) -> None:
    env = {**environment(world.tandem.settings.database_url, tmp_path), "COLUMNS": "80", "TZ": "Europe/Helsinki"}
    world.create(ALICE, "Counted", soon(2))
    SqlSchedule(world.tandem.db).ensure([world.users[ALICE].guid], datetime.now(UTC))  # as `tandem serve` does
    run(["sync", "--user", ALICE], env, tmp_path)
    (alice,) = [r for r in run_json(["sync", "status", "--json"], env, tmp_path) if r["email"] == ALICE]
    table = run(["sync", "status"], env, tmp_path).stdout
    lines = [line for line in table.splitlines() if ALICE in line]
    assert len(lines) == 1  # the whole email, on one line, though the terminal is 80 columns
    assert helsinki(alice["last_run"]) in lines[0]  # local time, to the minute
    assert re.search(r"\d\d:\d\d:\d\d", table) is None  # no seconds, no microseconds
    assert "events created 1" in table  # the last run's counts
    assert alice["next_due"] is not None
    assert helsinki(alice["next_due"]) in lines[0]


def test_bey_4_sync_status_for_one_user_shows_only_that_user(world: World, tmp_path: Path) -> None:
    env = environment(world.tandem.settings.database_url, tmp_path)
    shown = run_json(["sync", "--user", BOB, "status", "--json"], env, tmp_path)
    assert [r["email"] for r in shown] == [BOB]
    refused = run(["sync", "--dry-run", "status"], env, tmp_path, check=False)
    assert (refused.returncode, refused.stderr.count("\n")) == (1, 1)


def test_bey_3_a_dry_run_says_what_would_change_in_the_admin_s_words(world: World, tmp_path: Path) -> None:
    env = environment(world.tandem.settings.database_url, tmp_path)
    world.create(ALICE, "Planned", soon(2))
    dry = run(["sync", "--user", ALICE, "--dry-run"], env, tmp_path).stdout
    assert dry.splitlines() == ["  create event 'Planned' (notify: all)", "Would do: events created 1, linked 1"]


def test_bey_11_a_dry_run_that_fails_prints_the_error_and_no_plan_summary(world: World, tmp_path: Path) -> None:
    env = environment(world.tandem.settings.database_url, tmp_path)
    failed = run(["sync", "--user", DAVE, "--dry-run"], env, tmp_path, check=False)
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert failed.stderr.count("\n") == 1


def test_help_shows_flags_without_a_type(tmp_path: Path) -> None:
    shown = run(["sync", "--help"], {"COLUMNS": "120", "PATH": "/usr/bin:/bin"}, tmp_path).stdout
    assert re.search(r"--dry-run +Print the plan", shown)


def test_bey_4_a_first_sync_on_a_terminal_shows_its_progress_and_a_pipe_shows_none(
    world: World, tmp_path: Path
) -> None:
    env = environment(world.tandem.settings.database_url, tmp_path)
    start = soon(3, hour=8)
    for n in range(120):
        world.create(CAROL, f"Entry {n}", start + timedelta(hours=n), hours=0.5)
    status, shown, stdout = on_a_terminal(["sync", "--user", CAROL], env, tmp_path)
    assert status == 0, shown
    done = re.findall(r"calendar entries synced\S*\s.*?(\d+)/(\d+)", shown)
    assert done, shown
    assert done[-1] == ("120", "120")  # it ended with every entry written
    assert "events created 120" in stdout  # the run's summary, on stdout as always

    world.create(CAROL, "One more", start - timedelta(hours=2))
    piped = run(["sync", "--user", CAROL], env, tmp_path)
    assert "events created 1" in piped.stdout
    assert "calendar entries synced" not in piped.stdout + piped.stderr  # not a terminal: no bar
