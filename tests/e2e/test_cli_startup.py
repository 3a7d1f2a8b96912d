"""`tandem --help` starts fast: it imports no database, web or wiring code (issue 11, item 8).

Timing is measured by `bench/cli_startup.py`, never asserted; what is asserted here is the
cause of a slow start: the heavy packages a help screen does not need.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.processes import TANDEM

HEAVY = ("sqlalchemy", "fastapi", "pydantic_settings", "tandem.bootstrap", "tandem.hub", "uvicorn")
# (not pydantic itself: Typer imports it for a group's help, `typer._adapters`)


def imported_by(args: list[str], cwd: Path) -> set[str]:
    """The top modules `tandem ARGS` imports, from `python -X importtime`'s report."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", TANDEM, *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Usage: tandem" in done.stdout
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
