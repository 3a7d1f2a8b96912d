"""`tandem --help` starts fast: it imports no database, web or wiring code; a command on the
database imports the database and the hub's models, but not the web app, Alembic (when the
schema is current) or the adapters' HTTP clients (issue 11, item 8).

Timing is measured by `bench/cli_startup.py`, never asserted; what is asserted here is the
cause of a slow start: the heavy packages a help screen does not need.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.processes import TANDEM, environment, run

HEAVY = ("sqlalchemy", "fastapi", "pydantic_settings", "tandem.bootstrap", "tandem.hub", "uvicorn")
# (not pydantic itself: Typer imports it for a group's help, `typer._adapters`)


SERVER_SIDE = ("fastapi", "starlette", "uvicorn", "alembic", "mako", "httpx", "google", "tandem.web", "tandem.erp")
"""What a command that only reads or writes the hub's tables must not pay for at start."""


def imported_by(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, shows: str = "Usage: tandem"
) -> set[str]:
    """The modules `tandem ARGS` imports, from `python -X importtime`'s report."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", TANDEM, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shows in done.stdout
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}


def test_tandem_help_imports_no_database_web_or_wiring_code(tmp_path: Path) -> None:
    modules = imported_by(["--help"], tmp_path)
    assert "typer" in modules  # the report is read right: the CLI's own framework is in it
    heavy = sorted(m for m in modules if m.startswith(HEAVY))
    assert heavy == []


def test_a_group_help_imports_no_database_web_or_wiring_code(tmp_path: Path) -> None:
    for group in (["users", "--help"], ["erp", "run", "--help"], ["emulate", "google", "--help"]):
        modules = imported_by(group, tmp_path)
        assert sorted(m for m in modules if m.startswith(HEAVY)) == [], group


def test_a_database_command_imports_no_web_app_alembic_or_http_client(tmp_path: Path) -> None:
    env = environment(f"sqlite:///{tmp_path / 'tandem.db'}", tmp_path)
    run(["db", "upgrade"], env, tmp_path)
    run(["users", "add", "ann@example.com", "--first-name", "Ann", "--last-name", "Lee"], env, tmp_path)
    for command, shows in ((["users", "list"], "ann@example.com"), (["sync", "status"], "ann@example.com")):
        modules = imported_by(command, tmp_path, env, shows)
        assert "tandem.hub.models" in modules  # the report is read right: the command read the hub
        assert sorted(m for m in modules if m.startswith(SERVER_SIDE)) == [], command
