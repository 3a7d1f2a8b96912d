"""What `make run` gives a newcomer: `tandem serve` on a fresh database with the demo
organisation and the demo calendar (the Google emulator beside it), syncing on its own."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.support.processes import demo_environment, free_port, serving


def _calendar(base: str, email: str) -> list[str]:
    response = httpx.get(f"{base}/emulator/calendars/{email}", timeout=5)
    return [e.get("summary", "") for e in response.json().get("items", [])] if response.status_code == 200 else []


def test_make_run_serves_the_demo_organisation_and_syncs_its_calendars(tmp_path: Path) -> None:
    port = free_port()
    env = demo_environment(tmp_path, port, TANDEM_SYNC__POLL_INTERVAL_S="1")
    google = f"http://127.0.0.1:{port}"
    with serving(env, tmp_path) as base:
        assert httpx.get(base + "/heartbeat/database").text == "Database is alive."
        deadline = time.monotonic() + 60
        aino, ben = [], []
        while time.monotonic() < deadline:
            aino, ben = _calendar(google, "aino.admin@example.com"), _calendar(google, "ben.berg@example.com")
            if "Team weekly" in aino and "Kick-off: ERP renewal" in ben:
                break
            time.sleep(0.5)
        assert "Team weekly" in aino
        assert "Kick-off: ERP renewal" in ben
        assert "Prepare steering group slides" not in ben  # a project task (CAL-12)
