"""Backoff and the errors that end it: 429/503/rate limits converge with the sleep injected,
`Retry-After` is obeyed, quotaExceeded pauses at once, and a retried create never duplicates."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from tandem.connectors.google import Endpoints, GoogleCalendar, RetryPolicy
from tandem.domain.calendar import SendUpdates
from tandem.domain.errors import AlreadyExists, ConfigurationError, QuotaExceeded, RateLimited, Unavailable
from tandem.emulators.google import EmulatorServer, FaultRule, ServiceAccount
from tests.integration.google_adapter.helpers import ALICE, BOB, MakeGoogle, Sleeps
from tests.integration.google_adapter.stub_server import Scripted, base_url, scripted_server
from tests.support.calendar_contract import meeting

pytestmark = pytest.mark.anyio
NONE = SendUpdates.NONE
EVENT_JSON = {
    "id": "stubevent001",
    "etag": '"1"',
    "status": "confirmed",
    "updated": "2031-01-01T00:00:00.000Z",
    "summary": "From the stub",
    "start": {"dateTime": "2031-03-10T09:00:00Z"},
    "end": {"dateTime": "2031-03-10T10:00:00Z"},
}


async def test_injected_503s_and_429s_are_retried_with_growing_jittered_waits(
    google: GoogleCalendar, server: EmulatorServer, sleeps: Sleeps
) -> None:
    written = await google.insert(ALICE, meeting(), send_updates=NONE)
    server.state.set_faults(FaultRule(error_503=0.5, error_429=0.5, limit=3))
    read = await google.get(ALICE, written.id)
    assert read is not None
    assert read.summary == "Planning"
    assert sleeps == [0.5, 1.0, 2.0]  # full jitter with random()=0.5 over 1 s, 2 s, 4 s
    assert server.state.faults.injected == 3


async def test_a_user_rate_limit_backs_off_until_the_window_frees(
    make_google: MakeGoogle, server: EmulatorServer
) -> None:
    waited: list[float] = []

    async def sleep_on_emulator_clock(seconds: float) -> None:
        waited.append(seconds)
        server.state.clock.advance(seconds)

    policy = RetryPolicy(retries=5, base_delay=10.0, max_delay=60.0, sleep=sleep_on_emulator_clock, random=lambda: 1.0)
    google = await make_google(retry=policy)
    server.state.configure_quota(user_per_minute=2, user_reason="userRateLimitExceeded")
    await google.changes(ALICE, None)
    await google.changes(ALICE, None)
    third = await google.changes(ALICE, None)  # over the quota: 403 userRateLimitExceeded, then backoff
    assert third.full
    assert waited == [10.0, 20.0, 40.0]  # 70 s later the one-minute window has room again


async def test_rate_limits_that_outlast_the_retries_end_in_rate_limited(
    google: GoogleCalendar, server: EmulatorServer, sleeps: Sleeps
) -> None:
    server.state.configure_quota(user_per_minute=1)
    await google.changes(ALICE, None)
    with pytest.raises(RateLimited, match="rateLimitExceeded"):
        await google.changes(ALICE, None)
    assert len(sleeps) == 5


async def test_failures_of_google_that_outlast_the_retries_end_in_unavailable(
    google: GoogleCalendar, server: EmulatorServer, sleeps: Sleeps
) -> None:
    server.state.set_faults(FaultRule(error_500=1.0))
    with pytest.raises(Unavailable, match="500 backendError"):
        await google.changes(ALICE, None)
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0]


async def test_an_unreachable_api_is_unavailable_after_the_retries(
    make_google: MakeGoogle, endpoints: Endpoints, sleeps: Sleeps
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    google = await make_google(endpoints=replace(endpoints, api_root=f"http://127.0.0.1:{closed_port}/calendar/v3"))
    with pytest.raises(Unavailable, match="could not be reached"):
        await google.get(ALICE, "stubevent001")
    assert len(sleeps) == 5


async def test_retry_after_is_obeyed(make_google: MakeGoogle, endpoints: Endpoints, sleeps: Sleeps) -> None:
    script = [
        Scripted(
            503,
            {"error": {"code": 503, "message": "busy", "errors": [{"reason": "backendError"}]}},
            {"Retry-After": "7"},
        ),
        Scripted(
            429,
            {"error": {"code": 429, "message": "slow down", "errors": [{"reason": "rateLimitExceeded"}]}},
            {"Retry-After": "3"},
        ),
        Scripted(200, EVENT_JSON),
    ]
    with scripted_server(script) as stub:
        google = await make_google(endpoints=replace(endpoints, api_root=f"{base_url(stub)}/calendar/v3"))
        event = await google.get(ALICE, "stubevent001")
    assert event is not None
    assert event.summary == "From the stub"
    assert sleeps == [7.0, 3.0]
    assert all(
        path.startswith("GET /calendar/v3/calendars/primary/events/stubevent001?quotaUser=") for path in stub.paths
    )


async def test_a_retry_after_beyond_the_longest_wait_goes_up_to_the_runtime(
    make_google: MakeGoogle, endpoints: Endpoints, sleeps: Sleeps
) -> None:
    script = [
        Scripted(
            429,
            {"error": {"code": 429, "message": "later", "errors": [{"reason": "rateLimitExceeded"}]}},
            {"Retry-After": "120"},
        )
    ]
    with scripted_server(script) as stub:
        google = await make_google(endpoints=replace(endpoints, api_root=f"{base_url(stub)}/calendar/v3"))
        with pytest.raises(RateLimited) as caught:
            await google.get(ALICE, "stubevent001")
    assert caught.value.retry_after == 120.0
    assert sleeps == []


async def test_quota_exceeded_is_raised_at_once_and_reads_still_work(
    google: GoogleCalendar, server: EmulatorServer, sleeps: Sleeps
) -> None:
    server.state.set_quota_exceeded(ALICE)
    with pytest.raises(QuotaExceeded, match="read-only"):
        await google.insert(ALICE, meeting(), send_updates=NONE)
    assert sleeps == []
    assert (await google.changes(ALICE, None)).events == ()
    await google.insert(BOB, meeting(), send_updates=NONE)  # other users are not paused


async def test_an_api_disabled_for_the_project_is_a_configuration_error(
    google: GoogleCalendar, server: EmulatorServer, account: ServiceAccount, sleeps: Sleeps
) -> None:
    server.state.set_api_enabled(account.project_id, False)
    with pytest.raises(ConfigurationError, match="the Google Calendar API is disabled for the project"):
        await google.changes(ALICE, None)
    assert sleeps == []


async def test_bey_3_a_retried_create_that_google_applied_meets_already_exists_and_never_duplicates(
    google: GoogleCalendar, server: EmulatorServer, sleeps: Sleeps
) -> None:
    server.state.set_faults(FaultRule(error_503=1.0, writes_only=True, apply_then_fail=True, limit=1))
    event = meeting()
    with pytest.raises(AlreadyExists):
        await google.insert(ALICE, event, send_updates=NONE)
    assert sleeps == [0.5]
    read = await google.changes(ALICE, None)
    assert [e.id for e in read.events] == [event.id]
