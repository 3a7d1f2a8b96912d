"""What an operator sees of `tandem serve` (BEY-4, issue 14), through a whole run: an API
client signs in and makes an activity, the sync (in the worker process) writes it to Google.

Logs: at DEBUG, as JSON, no line carries a secret Tandem was given or handed out, and the
sync's lines say which user and run they are of; at the default level, the per-request lines
of httpx stay out. Metrics: /metrics, with the scraper's token, shows the worker process's
run, what it wrote and the change's way to the calendar."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tandem.emulators.google import EmulatorServer
from tests.support.processes import environment, run, run_json, serving

ALICE = "alice@example.com"


@pytest.fixture
def google(tmp_path: Path) -> Iterator[tuple[EmulatorServer, str, Path]]:
    keys = tmp_path / "keys"
    keys.mkdir()
    with EmulatorServer(domain="example.com", users=[ALICE]) as server:
        account = server.state.register_service_account(key_dir=keys)
        yield server, account.email, keys / "key.json"


def _organisation(env: dict[str, str], cwd: Path, google: tuple[EmulatorServer, str, Path]) -> dict[str, Any]:
    server, account, key = google
    for args in (
        ["db", "upgrade"],
        ["users", "add", ALICE, "--first-name", "Alice", "--last-name", "A", "--code", "1", "--role", "admin"],
        ["types", "add", "Meeting", "--category", "CalendarEntry", "--default", "--sync"],
        ["types", "add", "Private", "--category", "Personal"],
        [
            "calendar",
            "configure",
            "--service-account",
            account,
            "--key-file",
            str(key),
            "--api-root",
            server.api_root,
            "--token-uri",
            server.token_uri,
            "--batch-uri",
            f"{server.base_url}/batch/calendar/v3",
        ],
        ["calendar", "enable"],
        ["users", "sync", "on", ALICE],
    ):
        run(args, env, cwd)
    credentials: dict[str, Any] = run_json(["clients", "create", "--scopes", "all", "--json"], env, cwd)
    return credentials


def _make_activity(base: str, credentials: dict[str, Any]) -> dict[str, Any]:
    """Signs in as the API client, makes a meeting of Alice's; the token answer."""
    with httpx.Client(base_url=base, timeout=10) as http:
        tokens: dict[str, Any] = http.post("/v1/token", json=credentials).json()
        http.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        alice = next(u for u in http.get("/v1/users").json() if u["email"] == ALICE)
        meeting = next(t for t in http.get("/v1/activitytypes").json() if t["name"] == "Meeting")
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        made = http.post(
            "/v1/activities",
            json={
                "name": "Logged meeting",
                "activityType": {"guid": meeting["guid"]},
                "ownerUser": {"guid": alice["guid"]},
                "startDateTime": start.isoformat(),
                "endDateTime": (start + timedelta(hours=1)).isoformat(),
            },
        )
        assert made.status_code == 201, made.text
        tokens["alice"] = alice["guid"]
    return tokens


def _until_in_google(server: EmulatorServer, name: str) -> None:
    deadline = time.monotonic() + 60

    def summaries() -> list[str]:
        shown = httpx.get(f"{server.base_url}/emulator/calendars/{ALICE}", timeout=5).json()
        return [e.get("summary", "") for e in shown.get("items", [])]

    while name not in summaries():
        assert time.monotonic() < deadline, f"{name!r} never reached Alice's Google calendar"
        time.sleep(0.2)


def test_bey_4_a_whole_run_at_debug_logs_no_secret_and_names_its_user_and_run(
    google: tuple[EmulatorServer, str, Path], tmp_path: Path
) -> None:
    env = environment(
        f"sqlite:///{tmp_path / 'tandem.db'}",
        tmp_path,
        TANDEM_LOG_LEVEL="DEBUG",
        TANDEM_LOG_FORMAT="json",
        TANDEM_SYNC__POLL_INTERVAL_S="1",
    )
    credentials = _organisation(env, tmp_path, google)
    with serving(env, tmp_path) as base:
        tokens = _make_activity(base, credentials)
        _until_in_google(google[0], "Logged meeting")
        time.sleep(1.5)  # a poll cycle more, logged too
    text = next(tmp_path.glob("serve-*.log")).read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    key = json.loads(google[2].read_text())
    secrets = {
        "the API client's secret": credentials["client_secret"],
        "the API access token": tokens["access_token"],
        "the API refresh token": tokens["refresh_token"],
        "the Google key's private key": key["private_key"].splitlines()[5],
        **{f"Google access token {n}": t for n, t in enumerate(google[0].state.issued_tokens())},
    }
    assert len(secrets) >= 5  # Google handed out at least one access token
    assert [what for what, secret in secrets.items() if secret in text] == []
    runs = [line for line in lines if line.get("user") == tokens["alice"] and line.get("run")]
    assert {line["logger"] for line in runs} >= {"httpx"}  # the calendar's requests say whose run they are of
    assert all(line["level"] in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") for line in lines)


def _figures(text: str) -> dict[str, float]:
    """Prometheus' text format: each sample's name{labels} and value."""
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


def test_bey_4_metrics_show_the_worker_process_runs_to_the_scraper_only_and_httpx_stays_quiet_at_info(
    google: tuple[EmulatorServer, str, Path], tmp_path: Path
) -> None:
    token = "scraper-token-7c1e9b"
    env = environment(
        f"sqlite:///{tmp_path / 'tandem.db'}", tmp_path, TANDEM_METRICS_TOKEN=token, TANDEM_SYNC__POLL_INTERVAL_S="1"
    )
    credentials = _organisation(env, tmp_path, google)
    with serving(env, tmp_path) as base:
        _make_activity(base, credentials)
        _until_in_google(google[0], "Logged meeting")
        anonymous = httpx.get(f"{base}/metrics", timeout=5)
        wrong = httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer not-it"}, timeout=5)
        before = google[0].state.request_counts()[ALICE]
        shown = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        after = google[0].state.request_counts()[ALICE]  # polls may go on meanwhile
    assert (anonymous.status_code, wrong.status_code) == (401, 401)
    assert shown.status_code == 200, shown.text
    assert shown.headers["content-type"].startswith("text/plain")
    figures = _figures(shown.text)
    assert figures['tandem_sync_runs_total{outcome="ok"}'] >= 1  # counted in the worker process
    assert figures['tandem_sync_items_total{action="events_created"}'] >= 1
    assert figures["tandem_hub_change_to_calendar_seconds_count"] >= 1
    assert figures["tandem_sync_queue_wait_seconds_count"] >= 1
    for method in ("events.list", "events.insert"):  # the calls Google received, as Google counted them
        told = figures[f'tandem_calendar_calls_total{{backend="google",method="{method}"}}']
        assert before[method] <= told <= after[method], (method, before, told, after)
        assert figures[f'tandem_google_quota_units_total{{method="{method}"}}'] == told
    assert token not in shown.text
    text = next(tmp_path.glob("serve-*.log")).read_text()  # at the default level, INFO
    assert "Starting Tandem on" in text  # the log is the server's
    assert " httpx " not in text  # no line per request
    assert "HTTP Request:" not in text
