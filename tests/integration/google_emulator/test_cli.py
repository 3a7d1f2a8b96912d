"""`tandem emulate google` run as a real process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.integration.google_emulator.helpers import access_token, json_credentials

LAUNCH = "from tandem.cli.emulate import emulate_app; emulate_app()"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_listening(port: int, process: subprocess.Popen[str]) -> None:
    """The addresses are printed just before the server binds: wait for it (or its death)."""
    for _ in range(500):
        assert process.poll() is None, "the emulator process exited"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise AssertionError("the emulator never listened")


def test_emulate_google_writes_keys_prints_addresses_and_serves(tmp_path: Path) -> None:
    port = _free_port()
    command = [sys.executable, "-u", "-c", LAUNCH, "google", "--port", str(port), "--domain", "example.org"]
    command += ["--users", "ann@example.org,ben@example.org", "--write-key", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(6)]
        printed = dict(line.split(":", 1) for line in lines if ":" in line)
        assert printed["token URI"].strip() == f"http://127.0.0.1:{port}/token"
        assert printed["API root"].strip() == f"http://127.0.0.1:{port}/calendar/v3"
        assert printed["service account"].strip().endswith(".iam.gserviceaccount.com")
        assert (tmp_path / "key.p12").exists()
        _wait_until_listening(port, process)
        token = access_token(json_credentials(tmp_path, "ben@example.org"))
        response = httpx.get(
            f"http://127.0.0.1:{port}/calendar/v3/calendars/primary/events",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200
        assert response.json()["summary"] == "ben@example.org"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
