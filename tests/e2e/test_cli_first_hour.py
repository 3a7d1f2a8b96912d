"""The small things that cost a newcomer minutes (issue 11, item 7), as the admin meets them:
no empty `./tandem.db` made by a command run from another folder, `calendar enable` with
nothing configured refused, and `emulate google --write-key` printing the whole line that
connects Tandem to it."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from tests.support.processes import TANDEM, environment, free_port, run, run_json


def test_bey_11_a_command_run_from_another_folder_creates_no_database(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = environment("sqlite:///./tandem.db", tmp_path)  # the default, relative to the folder
    listed = run(["users", "list"], env, elsewhere, check=False)
    assert listed.returncode == 1
    assert listed.stderr.count("\n") == 1
    assert f"No database at {elsewhere.resolve() / 'tandem.db'}" in listed.stderr
    assert "tandem db upgrade" in listed.stderr  # the hint
    assert sorted(p.name for p in elsewhere.iterdir()) == []  # nothing made
    made = run(["db", "upgrade"], env, elsewhere)
    assert str(elsewhere.resolve() / "tandem.db") in made.stdout  # which database is in use
    assert run_json(["users", "list", "--json"], env, elsewhere) == []


def test_cal_2_enabling_the_calendar_with_no_connection_is_refused(hub_database_url: str, tmp_path: Path) -> None:
    env = environment(hub_database_url, tmp_path)
    refused = run(["calendar", "enable"], env, tmp_path, check=False)
    assert (refused.returncode, refused.stderr.count("\n")) == (1, 1)
    assert "tandem calendar configure" in refused.stderr
    assert run_json(["calendar", "status", "--json"], env, tmp_path)["enabled"] is False


def test_cal_2_emulate_google_write_key_prints_a_configure_line_that_works(
    hub_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    emulator = subprocess.Popen(
        [TANDEM, "emulate", "google", "--port", str(port), "--users", "ann@example.com", "--write-key", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert emulator.stdout is not None
    try:
        lines = [emulator.stdout.readline() for _ in range(7)]
        (line,) = [x for x in lines if x.startswith("connect Tandem:")]
        words = shlex.split(line.split(":", 1)[1])
        assert words[:3] == ["tandem", "calendar", "configure"]
        env = environment(hub_database_url, tmp_path)
        saved = run(words[1:], env, tmp_path)  # as printed, nothing added
        assert "Saved" in saved.stdout
        tested = run(["calendar", "test", "--user", "ann@example.com"], env, tmp_path, check=False)
        assert tested.returncode == 0, tested.stdout + tested.stderr
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        emulator.stdout.close()
